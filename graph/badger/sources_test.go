package badger_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// Retracting a source too large for one transaction goes in journaled
// batches; a failure between them (the disk filling up) leaves the store
// as it was: every relation, every citation and the record.
func TestRetractSourceIsAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// armed, the disk fills up at the third check of the free space: the
	// retraction's batches have started
	var armed atomic.Bool
	var checks atomic.Int64
	free := func(string) (int64, error) {
		if armed.Load() && checks.Add(1) >= 3 {
			return 0, nil
		}
		return 1 << 40, nil
	}
	st, err := badger.Open(t.TempDir(), badger.Options{NoSync: true, FreeSpace: free})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := &graph.Changeset{
		Predicates: []graph.PredicateChange{{Predicate: graph.Predicate{ID: "said", Label: "said", InverseLabel: "said of", SubjectTypes: graph.EntityTypes, ObjectOptional: true}}},
		Entities:   []graph.EntityChange{{Entity: graph.Entity{ID: "person/a", Name: "A", Type: graph.Person}}},
		Sources: []graph.SourceChange{{Source: graph.SourceRecord{ID: "source/doubtful", Title: "Doubtful", URL: "https://example.org/d"}},
			{Source: graph.SourceRecord{ID: "source/sound", Title: "Sound"}}},
	}
	for i := range 300 {
		srcs := []graph.Source{{SourceID: "source/doubtful", Quote: fmt.Sprint("q", i)}}
		if i%3 == 0 {
			srcs = append(srcs, graph.Source{SourceID: "source/sound", Quote: fmt.Sprint("also ", i)})
		}
		c.Relations = append(c.Relations, graph.RelationChange{Relation: graph.Relation{ID: fmt.Sprintf("rel/r-%d", i), Subject: "person/a", Predicate: "said", Sources: srcs}})
	}
	if _, err := st.Apply(ctx, c, false); err != nil {
		t.Fatal(err)
	}
	before, err := st.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	retract := &graph.Changeset{SourceRetractions: []graph.SourceRetraction{{Where: "test", ID: "source/doubtful"}}}
	armed.Store(true)
	_, err = st.Load(ctx, retract, badger.LoadOptions{MaxTxnKeys: 10, BatchKeys: 50})
	if graph.ErrorCode(err) != graph.ENOSPACE {
		t.Fatalf("the retraction on a full disk: %v, want ENOSPACE", err)
	}
	armed.Store(false)
	if checks.Load() < 3 {
		t.Fatalf("the free space was checked %d times: the retraction was not journaled in batches", checks.Load())
	}
	after, err := st.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a retraction that failed part-way changed the store")
	}
	if n, _ := st.CountCitations(ctx, []string{"source/doubtful"}); n["source/doubtful"] != 300 {
		t.Errorf("the record's counter after the failed retraction: %d, want 300", n["source/doubtful"])
	}
	sum, err := st.Load(ctx, retract, badger.LoadOptions{MaxTxnKeys: 10, BatchKeys: 50})
	if err != nil || sum.RelationsRetracted != 200 || sum.RelationsUpdated != 100 || sum.SourcesRetracted != 1 {
		t.Fatalf("the retraction: %s, %v", sum, err)
	}
	if n, _ := st.CountRelations(ctx, graph.RelationFilter{}); n != 100 {
		t.Errorf("%d relations after the retraction, want the 100 the sound source supports", n)
	}
}
