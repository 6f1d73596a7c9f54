package seed_test

import (
	"bytes"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed"
)

// Retractions and alias removals survive the native format.
func TestNativeWritesCorrections(t *testing.T) {
	c := &graph.Changeset{
		Entities:    []graph.EntityChange{{Entity: graph.Entity{ID: "person/x", Name: "X"}, RemoveAliases: []string{"Old X"}}},
		Retractions: []graph.Retraction{{Relation: graph.Relation{ID: "rel/abc"}}},
	}
	var buf bytes.Buffer
	if err := seed.WriteNative(&buf, c); err != nil {
		t.Fatal(err)
	}
	back, err := seed.ParseNative("x.yaml", &buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Retractions) != 1 || back.Retractions[0].Relation.ID != "rel/abc" ||
		len(back.Entities) != 1 || len(back.Entities[0].RemoveAliases) != 1 {
		t.Errorf("read back %+v", back)
	}
}
