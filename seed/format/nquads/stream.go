package nquads

import (
	"context"
	"fmt"
	"io"

	"github.com/emigraph/emigraph/graph"
)

// WriteSnapshot writes what a store holds, read at one moment, as Write
// writes the store's Snapshot, a node at a time: its memory does not grow
// with the store. Its ids are distinct by the store's keys (DistinctIDs), but
// for an entity and a relation with the same id, which it refuses as Write
// does. What it wrote before an error is left written: write into a file
// that is kept only on success.
func WriteSnapshot(ctx context.Context, w io.Writer, st graph.SnapshotStreamer) error {
	nw := NewWriter(w)
	nw.DistinctIDs()
	var (
		sc graph.SourceChange
		pc graph.PredicateChange
		ec graph.EntityChange
		rc graph.RelationChange
	)
	err := st.StreamSnapshot(ctx, graph.SnapshotVisitor{
		Source: func(r *graph.SourceRecord) error {
			sc.Source = *r
			return nw.WriteSourceRecord(&sc)
		},
		Predicate: func(p *graph.Predicate) error {
			pc.Predicate = *p
			return nw.WritePredicate(&pc)
		},
		Entity: func(e *graph.Entity) error {
			ec.Entity = *e
			return nw.WriteEntity(&ec)
		},
		Relation: func(r *graph.Relation, idIsEntity bool) error {
			if idIsEntity {
				return fmt.Errorf("nquads: the entity and the relation %s are both <%s%s>; RDF would merge them", r.ID, NSID, r.ID)
			}
			rc.Relation = *r
			return nw.WriteRelation(&rc)
		},
	})
	if err != nil {
		return err
	}
	return nw.Flush()
}

// WriteDgraphSchemaSnapshot writes the Dgraph schema of what WriteSnapshot
// writes for the same store, as WriteDgraphSchema writes it for the store's
// Snapshot, reading the predicates and relations a node at a time (not the
// entities, which the schema does not need).
func WriteDgraphSchemaSnapshot(ctx context.Context, w io.Writer, st graph.SnapshotStreamer) error {
	s, err := dgraphSchemaOf(ctx, st, false)
	if err != nil {
		return err
	}
	return s.Write(w)
}

// WriteDgraphTypesSnapshot writes the upserts that give the nodes of what
// WriteSnapshot writes for the same store their dgraph.type
// (DgraphSchema.WriteTypeUpserts), one for each class that has nodes,
// reading the store a node at a time.
func WriteDgraphTypesSnapshot(ctx context.Context, w io.Writer, st graph.SnapshotStreamer) error {
	s, err := dgraphSchemaOf(ctx, st, true)
	if err != nil {
		return err
	}
	return s.WriteTypeUpserts(w)
}

// dgraphSchemaOf reads a store's source records, predicates and relations
// (and its entities, which only the typing needs, withEntities) a node at a
// time into a DgraphSchema.
func dgraphSchemaOf(ctx context.Context, st graph.SnapshotStreamer, withEntities bool) (*DgraphSchema, error) {
	s := NewDgraphSchema()
	var rc graph.RelationChange
	v := graph.SnapshotVisitor{
		Source: func(*graph.SourceRecord) error {
			s.AddSourceRecord()
			return nil
		},
		Predicate: func(p *graph.Predicate) error {
			s.AddPredicate(p)
			return nil
		},
		Relation: func(r *graph.Relation, _ bool) error {
			rc.Relation = *r
			return s.AddRelation(&rc)
		},
	}
	if withEntities {
		v.Entity = func(e *graph.Entity) error {
			s.AddEntity(e)
			return nil
		}
	}
	if err := st.StreamSnapshot(ctx, v); err != nil {
		return nil, err
	}
	return s, nil
}
