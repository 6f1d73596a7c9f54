package badger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// eachStored decodes every value stored under prefix (JSON) into a T and
// calls fn with it, in key order, checking ctx every few thousand; an
// error names the key. T may hold only the fields the caller reads. Values
// are not prefetched: they are stored with the keys, and Badger would start
// a goroutine for each.
func eachStored[T any](ctx context.Context, txn *bg.Txn, prefix string, fn func(*T) error) error {
	it := txn.NewIterator(bg.IteratorOptions{Prefix: key(prefix)})
	defer it.Close()
	n := 0
	for it.Rewind(); it.Valid(); it.Next() {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var v T
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &v) }); err != nil {
			return fmt.Errorf("%s: %w", it.Item().Key(), err)
		}
		if err := fn(&v); err != nil {
			return err
		}
	}
	return nil
}

// Snapshot reads the whole graph as a changeset at one read timestamp
// (one Badger transaction): predicates, entities, source records and relations, each in id
// order, so that writes made meanwhile are either wholly in it or not at
// all, and the same graph always exports to the same bytes.
func (s *Store) Snapshot(ctx context.Context) (*graph.Changeset, error) {
	c := &graph.Changeset{}
	err := s.view(func(txn *bg.Txn) error {
		if err := eachStored(ctx, txn, pPredicate, func(p *graph.Predicate) error {
			c.Predicates = append(c.Predicates, graph.PredicateChange{Predicate: *p})
			return nil
		}); err != nil {
			return err
		}
		if err := eachStored(ctx, txn, pEntity, func(e *graph.Entity) error {
			c.Entities = append(c.Entities, graph.EntityChange{Entity: *e})
			return nil
		}); err != nil {
			return err
		}
		if err := eachStored(ctx, txn, pSource, func(s *graph.SourceRecord) error {
			c.Sources = append(c.Sources, graph.SourceChange{Source: *s})
			return nil
		}); err != nil {
			return err
		}
		return eachStored(ctx, txn, pRelation, func(r *graph.Relation) error {
			c.Relations = append(c.Relations, graph.RelationChange{Relation: *r})
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// StreamSnapshot implements graph.SnapshotStreamer: what Snapshot reads, a
// node at a time, in one read transaction. Whether an entity has a
// relation's id is found by walking the entities' keys (not their values)
// beside the relations, both in id order, so that nothing grows with the
// store.
func (s *Store) StreamSnapshot(ctx context.Context, v graph.SnapshotVisitor) error {
	return s.view(func(txn *bg.Txn) error {
		if v.Source != nil {
			if err := eachStored(ctx, txn, pSource, v.Source); err != nil {
				return err
			}
		}
		if v.Predicate != nil {
			if err := eachStored(ctx, txn, pPredicate, v.Predicate); err != nil {
				return err
			}
		}
		if v.Entity != nil {
			if err := eachStored(ctx, txn, pEntity, v.Entity); err != nil {
				return err
			}
		}
		if v.Relation == nil {
			return nil
		}
		entities := txn.NewIterator(bg.IteratorOptions{Prefix: key(pEntity)})
		defer entities.Close()
		entities.Rewind()
		return eachStored(ctx, txn, pRelation, func(r *graph.Relation) error {
			k := entityKey(r.ID)
			for entities.Valid() && bytes.Compare(entities.Item().Key(), k) < 0 {
				entities.Next()
			}
			shared := r.ID != "" && entities.Valid() && bytes.Equal(entities.Item().Key(), k)
			return v.Relation(r, shared)
		})
	})
}
