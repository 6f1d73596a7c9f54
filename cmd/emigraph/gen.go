package main

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed"
)

// Generate makes a synthetic, valid changeset of the given size with the
// shape of the real graph: a few hub countries with very many relations
// (Zipf-distributed), most people with one or two, predicates and types as
// in the seed vocabulary. The same seed gives the same output.
func Generate(entities, relations int, seedValue uint64) (*graph.Changeset, error) {
	if entities < 10 {
		return nil, fmt.Errorf("--entities %d: give at least 10", entities)
	}
	if relations < 0 {
		return nil, fmt.Errorf("--relations %d: give 0 or more", relations)
	}
	base, err := seed.Load("predicates.yaml")
	if err != nil {
		return nil, err
	}
	c := &graph.Changeset{Predicates: base.Predicates}
	rng := rand.New(rand.NewPCG(seedValue, seedValue^0x9e3779b97f4a7c15))
	// the mix of types: 1% countries (at least 5), 4% organizations, 2% laws,
	// 2% events, 1% groups, the rest people
	counts := map[graph.EntityType]int{
		graph.Country:      max(5, entities/100),
		graph.Organization: max(1, entities*4/100),
		graph.Law:          max(1, entities*2/100),
		graph.Event:        max(1, entities*2/100),
		graph.Group:        max(1, entities/100),
	}
	used := 0
	for _, n := range counts {
		used += n
	}
	counts[graph.Person] = max(1, entities-used)
	ids := map[graph.EntityType][]string{}
	for _, t := range graph.EntityTypes {
		for i := 0; i < counts[t]; i++ {
			id := fmt.Sprintf("%s/gen-%d", t.IDPrefix(), i)
			ids[t] = append(ids[t], id)
			e := graph.Entity{ID: id, Type: t, Name: fmt.Sprintf("%s %s %d", syllables(rng), typeNames[t], i),
				Description: fmt.Sprintf("Synthetic %s number %d.", typeNames[t], i)}
			if rng.IntN(3) == 0 {
				e.Aliases = []string{fmt.Sprintf("%s %d", syllables(rng), i)}
			}
			c.Entities = append(c.Entities, graph.EntityChange{Entity: e})
		}
	}
	zipf := func(n int) *rand.Zipf { return rand.NewZipf(rng, 1.3, 1, uint64(n-1)) }
	hubs := zipf(len(ids[graph.Country]))
	people := zipf(len(ids[graph.Person]))
	orgs := zipf(len(ids[graph.Organization]))
	laws := zipf(len(ids[graph.Law]))
	events := zipf(len(ids[graph.Event]))
	type shape struct {
		pred       string
		subj, obj  graph.EntityType
		subjZ      *rand.Zipf
		objZ       *rand.Zipf
		quantified bool
	}
	shapes := []shape{
		{"fled-to", graph.Person, graph.Country, people, hubs, false},
		{"fled-to", graph.Person, graph.Country, people, hubs, false},
		{"fled-from", graph.Person, graph.Country, people, hubs, false},
		{"citizen-of", graph.Person, graph.Country, people, hubs, false},
		{"deported-by", graph.Person, graph.Country, people, hubs, false},
		{"denied-entry-by", graph.Person, graph.Country, people, hubs, false},
		{"arrested-by", graph.Person, graph.Country, people, hubs, false},
		{"member-of", graph.Person, graph.Organization, people, orgs, false},
		{"charged-under", graph.Person, graph.Law, people, laws, false},
		{"participant-in", graph.Person, graph.Event, people, events, false},
		{"enacted", graph.Country, graph.Law, hubs, laws, false},
		{"migration-to", graph.Country, graph.Country, hubs, hubs, true},
	}
	units := []string{"people", "percent", "years"}
	for i := 0; i < relations; i++ {
		s := shapes[rng.IntN(len(shapes))]
		subj := ids[s.subj][s.subjZ.Uint64()]
		obj := ids[s.obj][s.objZ.Uint64()]
		r := graph.Relation{
			ID: fmt.Sprintf("rel/gen-%d", i), Subject: subj, Predicate: s.pred, Object: obj,
			Date:    fmt.Sprintf("%d-%02d-%02d", 2022+rng.IntN(4), 1+rng.IntN(12), 1+rng.IntN(28)),
			Sources: []graph.Source{{Quote: fmt.Sprintf("Synthetic statement %d: %s %s %s.", i, subj, s.pred, obj), Section: "Generated", Title: "emigraph gen"}},
		}
		if rng.IntN(4) == 0 {
			r.Date = r.Date[:7]
		}
		if s.quantified || rng.IntN(10) == 0 {
			amount := float64(1 + rng.IntN(100000))
			r.Quantity = &graph.Quantity{Amount: amount, Unit: units[rng.IntN(len(units))], Approximation: graph.Approximations[rng.IntN(len(graph.Approximations))]}
		}
		c.Relations = append(c.Relations, graph.RelationChange{Relation: r})
	}
	return c, nil
}

var typeNames = map[graph.EntityType]string{
	graph.Person: "Person", graph.Country: "Country", graph.Law: "Law", graph.Event: "Event",
	graph.Organization: "Organization", graph.Place: "Place", graph.Group: "Group",
}

// syllables makes a pronounceable made-up word, so that search sees varied names.
func syllables(rng *rand.Rand) string {
	const cons, vows = "bdfgklmnprstvz", "aeiou"
	n := 2 + rng.IntN(3)
	b := make([]byte, 0, 2*n)
	for i := 0; i < n; i++ {
		b = append(b, cons[rng.IntN(len(cons))], vows[rng.IntN(len(vows))])
	}
	b[0] -= 'a' - 'A'
	return string(b)
}

func (m *Main) gen(ctx context.Context, args []string) error {
	fs := newFlags(m, "gen")
	entities := fs.Int("entities", 10000, "number of entities")
	relations := fs.Int("relations", 100000, "number of relations")
	seedValue := fs.Uint64("seed", 1, "random seed; the same seed gives the same file")
	format, out := outputFlags(fs, "jsonl")
	if _, err := m.parse(fs, args); err != nil {
		return err
	}
	f, err := formatFlag(*format)
	if err != nil {
		return err
	}
	c, err := Generate(*entities, *relations, *seedValue)
	if err != nil {
		return &errUsage{err.Error()}
	}
	return m.writeChangeset(*out, f, c)
}
