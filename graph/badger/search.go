package badger

import (
	"context"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// Scores of the match kinds: every exact match ranks above every prefix
// match, and so on down to fuzzy matches, which score their trigram
// similarity below the word matches.
const (
	scoreExact  = 1.0
	scorePrefix = 0.8
	scoreWord   = 0.6
	scoreFuzzy  = 0.5 // times the similarity
	// minSimilarity is the floor of fuzzy matches: the least trigram
	// similarity (Dice) a fuzzy match needs, 0.36, so that no fuzzy hit
	// scores below 0.18. Chosen on the seed's real fuzzy scores: one-typo
	// names score more ("Galkn" finds Maxim Galkin at 0.19, "Putn" Putin at
	// 0.22, "Khamatowa" 0.33), while weak hits that share a word ending
	// score less ("Montenegro" used to find the alias Allegro of the Saint
	// Petersburg–Helsinki railway at 0.176). TestFuzzyFloor holds both.
	minSimilarity = 0.36
	// scanBudget bounds the index keys one stage of a search reads, so that a
	// query of common words or trigrams cannot read the whole index. Terms
	// are read rarest first, so the budget goes where it discriminates.
	scanBudget = 5000
)

type candidate struct {
	id      string
	score   float64
	matched string
	kind    string
}

// searcher holds the state of one search.
type searcher struct {
	txn  *bg.Txn
	ctx  context.Context
	q    string
	best map[string]*candidate
}

func (s *searcher) offer(id string, score float64, matched, kind string) {
	if c, ok := s.best[id]; !ok || score > c.score {
		s.best[id] = &candidate{id: id, score: score, matched: matched, kind: kind}
	}
}

// df is the number of postings of a word or trigram key prefix ("w:<word>").
func (s *searcher) df(term string) int64 {
	n, _ := readCount(s.txn, "df:"+term)
	return n
}

// Search implements graph.Store: exact > prefix > word > fuzzy, served from
// the name, word and trigram indexes, rarest terms first.
func (s *Store) Search(ctx context.Context, text string, types []graph.EntityType, first int) ([]graph.SearchHit, error) {
	if err := checkFirst(first); err != nil {
		return nil, err
	}
	q := graph.Normalize(text)
	if q == "" || first == 0 {
		return nil, nil
	}
	var hits []graph.SearchHit
	err := s.db.View(func(txn *bg.Txn) error {
		sr := &searcher{txn: txn, ctx: ctx, q: q, best: map[string]*candidate{}}
		sr.names()
		sr.words()
		if err := ctx.Err(); err != nil {
			return err
		}
		// fuzzy matches rank below every other kind: needed only when those
		// do not fill the page (or a type filter may discard some)
		if len(sr.best) < first || len(types) > 0 {
			sr.fuzzy()
		}
		ranked := make([]*candidate, 0, len(sr.best))
		for _, c := range sr.best {
			ranked = append(ranked, c)
		}
		sort.Slice(ranked, func(i, j int) bool {
			if ranked[i].score != ranked[j].score {
				return ranked[i].score > ranked[j].score
			}
			return ranked[i].id < ranked[j].id
		})
		for _, c := range ranked {
			if len(hits) == first {
				break
			}
			e, err := txnView{txn}.Entity(c.id)
			if err != nil {
				return err
			}
			if e == nil || (len(types) > 0 && !slices.Contains(types, e.Type)) {
				continue
			}
			hits = append(hits, graph.SearchHit{Entity: e, Score: c.score, Matched: displayName(e, c.matched), Kind: c.kind})
		}
		return nil
	})
	return hits, err
}

// names finds exact and prefix matches of whole names: n:<name>\x00<id>.
func (s *searcher) names() {
	scanKeys(s.txn, key(pName, s.q), scanBudget, func(rest string) {
		i := strings.LastIndexByte(rest, 0)
		name, id := s.q+rest[:i], rest[i+1:]
		if name == s.q {
			s.offer(id, scoreExact, name, "EXACT")
		} else {
			// shorter names that extend the query rank higher
			s.offer(id, scorePrefix+0.1*float64(len(s.q))/float64(len(name)), name, "PREFIX")
		}
	})
}

// words finds names that contain every word of the query (the last one may
// be unfinished): it reads the postings of the rarest word,
// w:<word>\x00<id>\x00<name>, and checks the others against the name.
func (s *searcher) words() {
	words := graph.Words(s.q)
	last := words[len(words)-1]
	// the last word counts as rarest only if it is rarer even as a prefix
	// (its postings as a whole word are a lower bound)
	rarest, rarestDF := "", int64(-1)
	for i, w := range words {
		n := s.df(pWord + w)
		if i == len(words)-1 {
			if rarestDF < 0 || n < rarestDF {
				rarest = ""
			}
			break
		}
		if rarestDF < 0 || n < rarestDF {
			rarest, rarestDF = w, n
		}
	}
	check := func(id, name string) {
		have := map[string]bool{}
		nameWords := graph.Words(name)
		for _, w := range nameWords {
			have[w] = true
		}
		for _, w := range words[:len(words)-1] {
			if !have[w] {
				return
			}
		}
		for _, w := range nameWords {
			if strings.HasPrefix(w, last) {
				s.offer(id, scoreWord, name, "WORD")
				return
			}
		}
	}
	split := func(rest string) (string, string) {
		i := strings.IndexByte(rest, 0)
		return rest[:i], rest[i+1:]
	}
	if rarest != "" {
		scanKeys(s.txn, key(pWord, rarest, sep), scanBudget, func(rest string) { check(split(rest)) })
		return
	}
	// the last word is the rarest: names with a word it begins
	scanKeys(s.txn, key(pWord, last), scanBudget, func(rest string) {
		i := strings.IndexByte(rest, 0)
		check(split(rest[i+1:]))
	})
}

// fuzzy finds names sharing trigrams with the query, scoring the Dice
// similarity of the trigram sets. It reads the postings of the rarest
// trigrams first, g:<trigram>\x00<id>\x00<name>, within the scan budget,
// and counts them per name (one allocation per name, none per posting).
func (s *searcher) fuzzy() {
	grams := graph.Trigrams(s.q)
	dfs := make(map[string]int64, len(grams))
	for _, g := range grams {
		dfs[g] = s.df(pTrigram + g)
	}
	sort.SliceStable(grams, func(i, j int) bool { return dfs[grams[i]] < dfs[grams[j]] })
	index := make(map[string]int, 256) // id \x00 name -> its place in names and shared
	var names []string
	var shared []int // trigrams each name shares with the query
	budget := scanBudget
	for _, g := range grams {
		if budget <= 0 || s.ctx.Err() != nil {
			break
		}
		scanKeyBytes(s.txn, key(pTrigram, g, sep), budget, func(rest []byte) {
			budget--
			if i, ok := index[string(rest)]; ok {
				shared[i]++
				return
			}
			k := string(rest)
			index[k] = len(names)
			names, shared = append(names, k), append(shared, 1)
		})
	}
	for i, k := range names {
		j := strings.IndexByte(k, 0)
		id, name := k[:j], k[j+1:]
		// a word of n letters, padded with a space each side, has n trigrams
		nameGrams := utf8.RuneCountInString(name) - strings.Count(name, " ")
		sim := 2 * float64(shared[i]) / float64(len(grams)+nameGrams)
		if sim >= minSimilarity {
			s.offer(id, scoreFuzzy*sim, name, "FUZZY")
		}
	}
}

// displayName returns the name or alias of e that normalises to matched.
func displayName(e *graph.Entity, matched string) string {
	for _, n := range e.Names() {
		if graph.Normalize(n) == matched {
			return n
		}
	}
	return e.Name
}

// scanKeyBytes calls fn with the rest of each key under prefix, at most
// limit times; the bytes are valid only during the call.
func scanKeyBytes(txn *bg.Txn, prefix []byte, limit int, fn func(rest []byte)) {
	it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
	defer it.Close()
	n := 0
	for it.Rewind(); it.Valid() && n < limit; it.Next() {
		fn(it.Item().Key()[len(prefix):])
		n++
	}
}

// scanKeys calls fn with the rest of each key under prefix, at most limit times.
func scanKeys(txn *bg.Txn, prefix []byte, limit int, fn func(rest string)) {
	it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
	defer it.Close()
	n := 0
	for it.Rewind(); it.Valid() && n < limit; it.Next() {
		fn(string(it.Item().Key()[len(prefix):]))
		n++
	}
}
