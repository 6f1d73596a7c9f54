package badger

import (
	"bytes"
	"context"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// Neighbors implements graph.Store from the adjacency indexes alone: the
// key names the predicate and relation, the value the other end.
func (s *Store) Neighbors(ctx context.Context, id string, predicates []string) ([]graph.Edge, error) {
	var prefixes [][]byte
	var out []graph.Edge
	for _, dir := range []string{pOut, pIn} {
		if len(predicates) == 0 {
			prefixes = append(prefixes, key(dir, id, sep))
		}
		for _, p := range predicates {
			prefixes = append(prefixes, key(dir, id, sep, p, sep))
		}
	}
	err := s.db.View(func(txn *bg.Txn) error {
		for _, prefix := range prefixes {
			outgoing := bytes.HasPrefix(prefix, []byte(pOut))
			it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 256})
			for it.Rewind(); it.Valid(); it.Next() {
				if err := ctx.Err(); err != nil {
					it.Close()
					return err
				}
				item := it.Item()
				k := item.Key()
				rest := k[len(pOut)+len(id)+1:] // <pred>\x00<rel>
				i := bytes.IndexByte(rest, 0)
				e := graph.Edge{Predicate: string(rest[:i]), Relation: string(rest[i+1:]), Out: outgoing}
				if err := item.Value(func(v []byte) error { e.Other = string(v); return nil }); err != nil {
					it.Close()
					return err
				}
				if !outgoing && e.Other == id {
					continue // a relation from the entity to itself is listed once, as outgoing
				}
				out = append(out, e)
			}
			it.Close()
		}
		return nil
	})
	return out, err
}
