package badger_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// EntitiesByName counts every entity a name matches and reads only the
// first limit, in id order.
func TestEntitiesByNameReadsAtMostLimit(t *testing.T) {
	t.Parallel()
	st, err := badger.Open(t.TempDir(), badger.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &graph.Changeset{}
	for i := range 40 {
		c.Entities = append(c.Entities, graph.EntityChange{Where: "test", Entity: graph.Entity{
			ID: fmt.Sprintf("person/p-%02d", i), Name: fmt.Sprint("P ", i), Aliases: []string{"Everyone"}, Type: graph.Person}})
	}
	ctx := context.Background()
	if _, err := st.Apply(ctx, c, false); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ limit, found int }{{5, 5}, {40, 40}, {0, 40}, {100, 40}} {
		found, total, err := st.EntitiesByName(ctx, "everyone", tt.limit)
		if err != nil || len(found) != tt.found || total != 40 || found[0].ID != "person/p-00" {
			t.Errorf("EntitiesByName(limit %d) = %d entities of %d, %v; want %d of 40, from person/p-00", tt.limit, len(found), total, err, tt.found)
		}
	}
}
