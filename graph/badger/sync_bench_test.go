package badger_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// BenchmarkWrite is one acknowledged write (an entity and a relation, one
// transaction), with every commit synced (the default) and without:
//
//	go test ./graph/badger -run '^$' -bench BenchmarkWrite -benchtime 2000x
func BenchmarkWrite(b *testing.B) {
	for _, noSync := range []bool{false, true} {
		b.Run(map[bool]string{false: "sync", true: "no-sync"}[noSync], func(b *testing.B) {
			ctx := context.Background()
			st, err := badger.Open(b.TempDir(), badger.Options{NoSync: noSync})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Apply(ctx, fixture(), false); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				id := fmt.Sprintf("person/bench-%d", i)
				c := &graph.Changeset{
					Entities: []graph.EntityChange{{Where: id, Entity: graph.Entity{ID: id, Name: fmt.Sprintf("Bench %d", i), Type: graph.Person}}},
					Relations: []graph.RelationChange{{Where: id, Relation: graph.Relation{Subject: id, Predicate: "fled-to", Object: "country/latvia",
						Date: "2024", Sources: quote("a benchmark write")}}},
				}
				if _, err := st.Apply(ctx, c, false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}
