package badger_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
)

// chain builds people p0..pn-1 where p(i) and p(i+1) fled to country c(i),
// plus a hub country every person fled to through another predicate.
func chain(t *testing.T, n int) graph.Store {
	st, _ := openStore(t)
	cs := fixture()
	for i := 0; i < n; i++ {
		cs.Entities = append(cs.Entities,
			graph.EntityChange{Where: "p", Entity: graph.Entity{ID: fmt.Sprintf("person/p%d", i), Name: fmt.Sprintf("P %d", i), Type: graph.Person}},
			graph.EntityChange{Where: "c", Entity: graph.Entity{ID: fmt.Sprintf("country/c%d", i), Name: fmt.Sprintf("C %d", i), Type: graph.Country}})
	}
	for i := 0; i+1 < n; i++ {
		for _, p := range []int{i, i + 1} {
			cs.Relations = append(cs.Relations, graph.RelationChange{Where: "r", Relation: graph.Relation{
				Subject: fmt.Sprintf("person/p%d", p), Predicate: "fled-to", Object: fmt.Sprintf("country/c%d", i), Sources: quote("q")}})
		}
	}
	if _, err := st.Apply(context.Background(), cs, false); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestShortestPath(t *testing.T) {
	t.Parallel()
	st := chain(t, 6)
	ctx := context.Background()
	tests := []struct {
		from, to string
		max      int
		want     string // entities joined by " > ", "" for no path
	}{
		{"person/p0", "person/p0", 4, "person/p0"},
		{"person/p0", "country/c0", 4, "person/p0 > country/c0"},
		{"person/p0", "person/p1", 4, "person/p0 > country/c0 > person/p1"},
		{"person/p0", "person/p2", 4, "person/p0 > country/c0 > person/p1 > country/c1 > person/p2"},
		{"person/p2", "person/p0", 4, "person/p2 > country/c1 > person/p1 > country/c0 > person/p0"},
		{"person/p0", "person/p3", 4, ""},
		{"person/p0", "person/p3", 6, "person/p0 > country/c0 > person/p1 > country/c1 > person/p2 > country/c2 > person/p3"},
		{"person/p0", "person/alla-pugacheva", 8, ""},
	}
	for _, tc := range tests {
		t.Run(tc.from+" to "+tc.to, func(t *testing.T) {
			p, err := graph.ShortestPath(ctx, st, tc.from, tc.to, tc.max, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if p != nil {
				got = strings.Join(p.Entities, " > ")
				if len(p.Relations) != len(p.Entities)-1 {
					t.Errorf("%d relations for %d entities", len(p.Relations), len(p.Entities))
				}
				// every relation joins its two entities
				for i, id := range p.Relations {
					r, err := st.Relation(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					a, b := p.Entities[i], p.Entities[i+1]
					if !(r.Subject == a && r.Object == b || r.Subject == b && r.Object == a) {
						t.Errorf("relation %s (%s %s) does not join %s and %s", id, r.Subject, r.Object, a, b)
					}
				}
			}
			if got != tc.want {
				t.Errorf("path = %q, want %q", got, tc.want)
			}
		})
	}
	// following only other predicates, there is no path
	if p, _ := graph.ShortestPath(ctx, st, "person/p0", "person/p1", 4, []string{"enacted"}); p != nil {
		t.Errorf("path over enacted = %v, want none", p.Entities)
	}
}

func TestNeighborhood(t *testing.T) {
	t.Parallel()
	st := chain(t, 4)
	g, err := graph.Neighborhood(context.Background(), st, "person/p1", 1, 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	rest := append([]string(nil), g.Entities[1:]...)
	sort.Strings(rest)
	if got := g.Entities[0] + " " + strings.Join(rest, " "); got != "person/p1 country/c0 country/c1" || len(g.Relations) != 2 || g.Truncated {
		t.Errorf("depth 1: entities %s, %d relations, truncated %v", got, len(g.Relations), g.Truncated)
	}
	g, _ = graph.Neighborhood(context.Background(), st, "person/p1", 2, 100, nil)
	if len(g.Entities) != 5 || len(g.Relations) != 4 {
		t.Errorf("depth 2: %v, %d relations", g.Entities, len(g.Relations))
	}
	g, _ = graph.Neighborhood(context.Background(), st, "person/p1", 2, 3, nil)
	if len(g.Relations) != 3 || !g.Truncated {
		t.Errorf("limited to 3: %d relations, truncated %v", len(g.Relations), g.Truncated)
	}
}
