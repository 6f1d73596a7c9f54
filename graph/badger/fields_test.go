package badger

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger/internal/bulk"
	"github.com/emigraph/emigraph/graph/internal/fieldtest"
)

// filled returns a T with every field set (fieldtest.Fill), or fails the
// test naming a field fieldtest cannot set.
func filled[T any](t *testing.T) *T {
	t.Helper()
	v := new(T)
	if err := fieldtest.Fill(v); err != nil {
		t.Fatal(err)
	}
	return v
}

// The stored encodings keep every field of Predicate, Entity and Relation
// (with its Quantity and Sources), each set by reflection: written by the
// transactional path (buildMutation) and by the bulk build (bulkTasks, whose
// relations go through the hand-written encoder), and read back as the
// store reads them. The hand-written encoder writes json.Marshal's bytes.
//
// A field added to any of these types is set here without being named: if
// an encoder leaves it out (appendRelationJSON writes fields one by one),
// the bytes differ from json.Marshal's and the value read back lacks it, and
// this test fails naming the field ("Relation.Born"), with every other
// test green.
func TestStoredEncodingKeepsEveryField(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, e, r := filled[graph.Predicate](t), filled[graph.Entity](t), filled[graph.Relation](t)
	plan := &graph.Plan{
		Predicates: []graph.PredicateWrite{{New: p}},
		Entities:   []graph.EntityWrite{{New: e}},
		Relations:  []graph.RelationWrite{{New: r}},
	}
	if got, ok := appendRelationJSON(nil, r); !ok {
		t.Error("appendRelationJSON refused a relation with every field set")
	} else if want, _ := json.Marshal(r); !bytes.Equal(got, want) {
		t.Errorf("appendRelationJSON wrote\n%s\njson.Marshal\n%s", got, want)
	}
	check := func(path string, st *Store) {
		t.Helper()
		err := st.db.View(func(txn *bg.Txn) error {
			v := txnView{txn}
			gp, err := v.Predicate(p.ID)
			if err != nil {
				return err
			}
			ge, err := v.Entity(e.ID)
			if err != nil {
				return err
			}
			gr, err := v.Relation(r.ID)
			if err != nil {
				return err
			}
			for _, c := range []struct{ want, got any }{{p, gp}, {e, ge}, {r, gr}} {
				if d := fieldtest.Diff(c.want, c.got); len(d) > 0 {
					t.Errorf("%s: read back, %v differ from what was written", path, d)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}

	st, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := buildMutation(plan)
	err = st.db.Update(func(txn *bg.Txn) error {
		if err := m.resolve(txn); err != nil {
			return err
		}
		return writeMutation(txn, m)
	})
	if err != nil {
		t.Fatal(err)
	}
	check("transactions", st)

	dir := t.TempDir()
	b, err := bulk.Start(ctx, dir, badgerOptions(dir, Options{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	entities, relations := bulkTasks(plan, b.Pool())
	b.Add(append(entities, relations...)...)
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	built, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer built.Close()
	check("bulk build", built)
}
