package graph

import (
	"context"
	"fmt"
	"testing"
)

// star is a graph of a hub joined to n leaves, as Neighbors; it records
// the most edges one call returned.
type star struct {
	n    int
	most int
}

func (s *star) Neighbors(_ context.Context, id string, _ []string, limit int) ([]Edge, error) {
	var out []Edge
	if id == "hub" {
		for i := 0; i < s.n && (limit <= 0 || len(out) < limit); i++ {
			out = append(out, Edge{Relation: fmt.Sprint("r", i), Other: fmt.Sprint("leaf", i), Out: true})
		}
	} else {
		var i int
		fmt.Sscanf(id, "leaf%d", &i)
		out = append(out, Edge{Relation: fmt.Sprint("r", i), Other: "hub"})
	}
	s.most = max(s.most, len(out))
	return out, nil
}

// The neighbourhood of a hub reads the edges it can use, not the hub's
// every one: before, a hub of 237,000 relations was read whole for a
// neighbourhood of 200.
func TestNeighborhoodReadsWhatItCanUse(t *testing.T) {
	s := &star{n: 100_000}
	for _, depth := range []int{1, 2, 3} {
		g, err := Neighborhood(context.Background(), s, "hub", depth, 200, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Relations) != 200 || !g.Truncated || len(g.Entities) != 201 {
			t.Errorf("depth %d: %d relations, %d entities, truncated %v; want 200, 201, true", depth, len(g.Relations), len(g.Entities), g.Truncated)
		}
	}
	if s.most > 201 {
		t.Errorf("a neighbourhood of 200 read %d edges of the hub at once; want at most 201", s.most)
	}
	// a small star is read whole, and not truncated
	small := &star{n: 150}
	g, err := Neighborhood(context.Background(), small, "hub", 2, 200, nil)
	if err != nil || len(g.Relations) != 150 || g.Truncated {
		t.Errorf("a star of 150: %d relations, truncated %v, %v", len(g.Relations), g.Truncated, err)
	}
}
