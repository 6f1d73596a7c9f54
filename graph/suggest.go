package graph

import (
	"context"
	"sort"
	"strconv"
	"strings"
)

// A View may also offer these, so that an unknown entity or predicate in a
// write is refused with the nearest ones ("did you mean fled-to?") rather
// than a bare "unknown".
type (
	// EntitySuggester returns up to n entities near a name that matched
	// none, as "id (name)".
	EntitySuggester interface {
		SuggestEntities(name string, n int) ([]string, error)
	}
	// PredicateLister lists the stored predicates.
	PredicateLister interface {
		Predicates() ([]*Predicate, error)
	}
	// Planner is a Store that can plan a changeset against what it holds
	// without writing: what a dry run shows as its diff.
	Planner interface {
		Plan(ctx context.Context, c *Changeset) (*Plan, error)
	}
)

// NearestPredicates are the ids of the predicates closest to s, by edit
// distance between folded forms (case, and "-", "_" and spaces ignored) of s
// and each predicate's id and labels; only those within a third of s's
// length, at most n, nearest first.
func NearestPredicates(preds []*Predicate, s string, n int) []string {
	fold := func(x string) string {
		return strings.Map(func(r rune) rune {
			if r == '-' || r == '_' || r == ' ' {
				return -1
			}
			return r
		}, strings.ToLower(x))
	}
	target := fold(s)
	type scored struct {
		id string
		d  int
	}
	var all []scored
	for _, p := range preds {
		best := -1
		for _, form := range []string{p.ID, p.Label, p.InverseLabel} {
			if form == "" {
				continue
			}
			if d := editDistance(fold(form), target); best < 0 || d < best {
				best = d
			}
		}
		if best >= 0 && best <= max(1, len([]rune(target))/3) {
			all = append(all, scored{p.ID, best})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].d != all[j].d {
			return all[i].d < all[j].d
		}
		return all[i].id < all[j].id
	})
	var out []string
	for i := 0; i < len(all) && i < n; i++ {
		out = append(out, all[i].id)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// didYouMean is ", did you mean a or b?" for the suggestions, or "".
func didYouMean(suggestions []string) string {
	if len(suggestions) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(suggestions, " or ") + "?"
}

// MaxListedCandidates is how many entities an error about a name that
// several share lists: a name can be shared by thousands (30,000 ids made
// an error of half a megabyte), and a few are enough to say what to ask.
const MaxListedCandidates = 10

// ListCandidates shows the first MaxListedCandidates of ids, and how many
// more of total there are: "person/a, person/b and 29,998 more".
func ListCandidates(ids []string, total int) string {
	shown := ids[:min(len(ids), MaxListedCandidates)]
	s := strings.Join(shown, ", ")
	if more := total - len(shown); more > 0 {
		s += " and " + Thousands(more) + " more"
	}
	return s
}

// Thousands writes n as a message shows it, with commas between groups of
// three digits: 230,791.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
