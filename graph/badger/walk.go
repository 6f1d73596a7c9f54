package badger

import (
	"bytes"
	"context"
	"slices"

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

// Degree implements graph.Store: the number of relations of an entity.
func (s *Store) Degree(ctx context.Context, id string) (int, error) {
	var n int64
	err := s.db.View(func(txn *bg.Txn) error {
		var err error
		n, err = readCount(txn, "deg:"+id)
		return err
	})
	return int(n), err
}

// Link implements graph.Store from the pair index l:<a>\x00<b>\x00<rel>.
func (s *Store) Link(ctx context.Context, a, b string, predicates []string) (graph.Edge, bool, error) {
	var found graph.Edge
	ok := false
	prefix := key(pLink, a, sep, b, sep)
	err := s.db.View(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 4})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			pred, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if len(predicates) > 0 && !slices.Contains(predicates, string(pred)) {
				continue
			}
			found = graph.Edge{Relation: string(it.Item().Key()[len(prefix):]), Predicate: string(pred), Other: b}
			ok = true
			return nil
		}
		return nil
	})
	return found, ok, err
}
