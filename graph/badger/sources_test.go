package badger_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

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

// A store written before source records holds citations with their title
// and URL inline, and no records: loading the facts again makes the record
// and turns the citations into citations of it, counted and indexed.
func TestInlineCitationsOfAnOlderStoreBecomeRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := badger.Open(t.TempDir(), badger.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const url = "https://example.org/article"
	c := &graph.Changeset{
		Predicates: []graph.PredicateChange{{Predicate: graph.Predicate{ID: "said", Label: "said", InverseLabel: "said of", SubjectTypes: graph.EntityTypes, ObjectOptional: true}}},
		Entities:   []graph.EntityChange{{Entity: graph.Entity{ID: "person/a", Name: "A", Type: graph.Person}}},
		Relations: []graph.RelationChange{{Relation: graph.Relation{ID: "rel/old", Subject: "person/a", Predicate: "said",
			Sources: []graph.Source{{Quote: "q", Title: "The article", URL: url}}}}},
	}
	if _, err := st.Apply(ctx, c, false); err != nil {
		t.Fatal(err)
	}
	// the store as an older release wrote it: the citation inline, no record
	id := graph.DeriveSourceID("", url)
	err = badger.DBOf(st).Update(func(txn *bg.Txn) error {
		old := `{"id":"rel/old","subject":"person/a","predicate":"said","sources":[{"quote":"q","title":"The article","url":"` + url + `"}]}`
		for _, k := range []string{"s:" + id, "k:" + url, "S:" + id + "\x00rel/old", "c:src:" + id} {
			if err := txn.Delete([]byte(k)); err != nil {
				return err
			}
		}
		return txn.Set([]byte("r:rel/old"), []byte(old))
	})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := st.Apply(ctx, c, false)
	if err != nil || sum.RelationsUpdated != 1 || sum.SourcesAdded != 1 {
		t.Fatalf("loading the facts again: %s, %v; want the relation updated and its record added", sum, err)
	}
	r, err := st.Relation(ctx, "rel/old")
	if err != nil || len(r.Sources) != 1 || r.Sources[0] != (graph.Source{SourceID: id, Quote: "q"}) {
		t.Fatalf("the relation cites %+v, %v; want the record %s", r.Sources, err, id)
	}
	if n, _ := st.CountCitations(ctx, []string{id}); n[id] != 1 {
		t.Errorf("the record's counter: %d", n[id])
	}
	if sum, _ := st.Apply(ctx, c, false); sum.Changed() {
		t.Errorf("a third load changed something: %s", sum)
	}
}
