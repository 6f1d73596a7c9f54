package seed

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format"
	"github.com/emigraph/emigraph/seed/format/native"
)

// embeddedPredicates are the predicates of the embedded vocabulary, by
// label and by inverse label, read once.
var embeddedPredicates = sync.OnceValues(func() (map[string]*graph.Predicate, map[string]*graph.Predicate) {
	byLabel, byInverse := map[string]*graph.Predicate{}, map[string]*graph.Predicate{}
	f, err := files.Open("predicates.yaml")
	if err != nil {
		return byLabel, byInverse
	}
	defer f.Close()
	c, err := native.Parse("seed/predicates.yaml", f)
	if err != nil {
		return byLabel, byInverse
	}
	for i := range c.Predicates {
		p := &c.Predicates[i].Predicate
		byLabel[strings.ToLower(p.Label)] = p
		if p.InverseLabel != "" {
			byInverse[strings.ToLower(p.InverseLabel)] = p
		}
	}
	return byLabel, byInverse
})

// checkRelations refuses what a fact file states by mistake, before graph
// plans it: a template's placeholder quote (graph's validation refuses it
// too, for the writes that come through no file; here a file is refused as
// it is parsed), and a predicate's inverse label
// ("received emigrants") where its id is expected, with the id to write and
// the subject and object swapped. A predicate's label ("fled to") is taken
// for its id. Labels are those of the embedded vocabulary and of the
// predicates the file itself defines.
func checkRelations(c *graph.Changeset) error {
	byLabel, byInverse := embeddedPredicates()
	defined := map[string]bool{}
	for _, pc := range c.Predicates {
		defined[pc.Predicate.ID] = true
	}
	var items []graph.ItemError
	for i := range c.Relations {
		rc := &c.Relations[i]
		var ps graph.Problems
		for j, s := range rc.Relation.Sources {
			if graph.IsPlaceholderQuote(s.Quote) {
				ps.Add(fmt.Sprintf("sources[%d].quote", j), "%s", graph.PlaceholderQuoteMessage(s.Quote))
			}
		}
		r := &rc.Relation
		if name := strings.ToLower(strings.TrimSpace(r.Predicate)); !defined[r.Predicate] {
			if p := byLabel[name]; p != nil && p.ID != r.Predicate && !strings.Contains(r.Predicate, "-") {
				r.Predicate = p.ID
			} else if p := byInverse[name]; p != nil && p.ID != r.Predicate {
				ps.Add("predicate", "%q is the inverse label of the predicate %s (%s): write predicate: %s with subject and object swapped (subject: %s, object: %s)",
					r.Predicate, p.ID, p.Label, p.ID, r.Object, r.Subject)
			}
		}
		if len(ps) > 0 {
			items = append(items, graph.ItemError{Where: rc.Where, Problems: ps})
		}
	}
	if len(items) > 0 {
		return &graph.ValidationError{Items: items}
	}
	return nil
}

// checked is f with checkRelations after each parse.
func checked(f format.Format) format.Format {
	parse, parseData := f.Parse, f.ParseData
	f.Parse = func(name string, r io.Reader) (*graph.Changeset, error) { return after(parse(name, r)) }
	if parseData != nil {
		f.ParseData = func(name string, data []byte) (*graph.Changeset, error) { return after(parseData(name, data)) }
	}
	return f
}

func after(c *graph.Changeset, err error) (*graph.Changeset, error) {
	if err != nil {
		return c, err
	}
	if err := checkRelations(c); err != nil {
		return nil, err
	}
	return c, nil
}
