package badger

import (
	"bytes"
	"context"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// Neighbors implements graph.Store from the adjacency indexes alone: the
// key names the predicate and relation, the value the other end. Each edge
// is charged to the request's budget as an index entry.
func (s *Store) Neighbors(ctx context.Context, id string, predicates []string, limit int) ([]graph.Edge, error) {
	budget := graph.BudgetOf(ctx)
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
	// the edges of a hub name a few predicates many times: one string each
	preds := map[string]string{}
	predicate := func(b []byte) string {
		p, ok := preds[string(b)]
		if !ok {
			p = string(b)
			preds[p] = p
		}
		return p
	}
	err := s.view(func(txn *bg.Txn) error {
		for _, prefix := range prefixes {
			outgoing := bytes.HasPrefix(prefix, []byte(pOut))
			// values (the other end) are small and stored with the keys:
			// prefetching them would start a goroutine for each
			it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
			for it.Rewind(); it.Valid() && (limit <= 0 || len(out) < limit); it.Next() {
				if err := ctx.Err(); err != nil {
					it.Close()
					return err
				}
				if err := budget.Entries(1); err != nil {
					it.Close()
					return err
				}
				item := it.Item()
				k := item.Key()
				rest := k[len(pOut)+len(id)+1:] // <pred>\x00<rel>
				i := bytes.IndexByte(rest, 0)
				e := graph.Edge{Predicate: predicate(rest[:i]), Relation: string(rest[i+1:]), Out: outgoing}
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

// Degree implements graph.Store: the number of relations of an entity,
// one counter, charged as an index entry (a path with maxDegree asks it of
// every entity it meets).
func (s *Store) Degree(ctx context.Context, id string) (int, error) {
	if err := graph.BudgetOf(ctx).Entries(1); err != nil {
		return 0, err
	}
	var n int64
	err := s.view(func(txn *bg.Txn) error {
		var err error
		n, err = readCount(txn, "deg:"+id)
		return err
	})
	return int(n), err
}

// Link implements graph.Store. It reads the relations of whichever of a
// and b has fewer (the degree counters say which), looking for the other:
// a path through a hub asks about the hub and a small entity, and reads
// only the small one's relations.
func (s *Store) Link(ctx context.Context, a, b string, predicates []string) (graph.Edge, bool, error) {
	var found graph.Edge
	ok := false
	err := s.view(func(txn *bg.Txn) error {
		degA, err := readCount(txn, "deg:"+a)
		if err != nil {
			return err
		}
		degB, err := readCount(txn, "deg:"+b)
		if err != nil {
			return err
		}
		near, far := a, b
		if degB < degA {
			near, far = b, a
		}
		var prefixes [][]byte
		for _, dir := range []string{pOut, pIn} {
			if len(predicates) == 0 {
				prefixes = append(prefixes, key(dir, near, sep))
			}
			for _, p := range predicates {
				prefixes = append(prefixes, key(dir, near, sep, p, sep))
			}
		}
		it := txn.NewIterator(bg.IteratorOptions{}) // no prefetching, as in Neighbors
		defer it.Close()
		budget := graph.BudgetOf(ctx)
		for _, prefix := range prefixes {
			for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := budget.Entries(1); err != nil {
					return err
				}
				item := it.Item()
				match := false
				if err := item.Value(func(v []byte) error { match = string(v) == far; return nil }); err != nil {
					return err
				}
				if !match {
					continue
				}
				rest := item.Key()[len(pOut)+len(near)+1:] // <pred>\x00<rel>
				i := bytes.IndexByte(rest, 0)
				found = graph.Edge{Relation: string(rest[i+1:]), Predicate: string(rest[:i]), Other: b}
				ok = true
				return nil
			}
		}
		return nil
	})
	return found, ok, err
}
