package badger

import (
	"context"
	"encoding/json"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// Snapshot reads the whole graph as a changeset at one read timestamp
// (one Badger transaction): predicates, entities and relations, each in id
// order, so that writes made meanwhile are either wholly in it or not at
// all, and the same graph always exports to the same bytes.
func (s *Store) Snapshot(ctx context.Context) (*graph.Changeset, error) {
	c := &graph.Changeset{}
	err := s.db.View(func(txn *bg.Txn) error {
		scan := func(prefix string, each func(b []byte) error) error {
			it := txn.NewIterator(bg.IteratorOptions{Prefix: key(prefix), PrefetchValues: true})
			defer it.Close()
			n := 0
			for it.Rewind(); it.Valid(); it.Next() {
				if n++; n%4096 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				if err := it.Item().Value(each); err != nil {
					return err
				}
			}
			return nil
		}
		if err := scan(pPredicate, func(b []byte) error {
			var p graph.Predicate
			err := json.Unmarshal(b, &p)
			c.Predicates = append(c.Predicates, graph.PredicateChange{Predicate: p})
			return err
		}); err != nil {
			return err
		}
		if err := scan(pEntity, func(b []byte) error {
			var e graph.Entity
			err := json.Unmarshal(b, &e)
			c.Entities = append(c.Entities, graph.EntityChange{Entity: e})
			return err
		}); err != nil {
			return err
		}
		return scan(pRelation, func(b []byte) error {
			var r graph.Relation
			err := json.Unmarshal(b, &r)
			c.Relations = append(c.Relations, graph.RelationChange{Relation: r})
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
