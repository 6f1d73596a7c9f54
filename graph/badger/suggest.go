package badger

import (
	"context"
	"encoding/json"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

var _ graph.PredicateLister = txnView{}

// Predicates lists the stored predicates, for the planner's suggestions
// and its check of the typed field names a write's predicates take.
func (v txnView) Predicates() ([]*graph.Predicate, error) {
	var out []*graph.Predicate
	it := v.txn.NewIterator(bg.IteratorOptions{Prefix: key(pPredicate), PrefetchValues: true})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		p := &graph.Predicate{}
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, p) }); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

var _ graph.Planner = (*Store)(nil)

// Plan plans c against the store, as a write would, and writes nothing.
func (s *Store) Plan(ctx context.Context, c *graph.Changeset) (*graph.Plan, error) {
	var plan *graph.Plan
	err := s.view(func(txn *bg.Txn) error {
		var err error
		plan, err = graph.PlanChangeset(c, txnView{txn})
		return err
	})
	return plan, s.storeError(err)
}

var _ graph.EntitySuggester = txnView{}

// SuggestEntities offers the entities whose names are nearest to a name
// that matched none, by the forgiving search (typos, transliteration).
func (v txnView) SuggestEntities(name string, n int) ([]string, error) {
	q := graph.Normalize(name)
	if q == "" || len(name) > graph.MaxNameLength {
		return nil, nil
	}
	hits, err := searchTxn(context.Background(), v.txn, q, nil, n)
	var out []string
	for _, h := range hits {
		out = append(out, h.Entity.ID+" ("+h.Entity.Name+")")
	}
	return out, err
}
