package badger

import (
	"encoding/json"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

var _ graph.PredicateLister = txnView{}

// Predicates lists the stored predicates, for the planner's suggestions.
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
