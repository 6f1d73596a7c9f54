package badger

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// metaLayout is the metadata key (m:layout) that records the key layout of
// a store, as a decimal LayoutVersion.
const metaLayout = "layout"

// pPairV1 is the prefix of layout 1's pair index, which layout 2 dropped.
const pPairV1 = "l:"

// storedLayout is what a store says of its key layout.
type storedLayout struct {
	version  int  // the layout, recorded or detected
	recorded bool // m:layout holds it
	empty    bool // the store holds no key at all: a new store
}

// readLayout reads the layout a store records in m:layout, or, for a store
// written before layouts were recorded, detects it: a store with keys of
// the pair index (l:) is of layout 1, any other (empty or not) of layout 2.
// A recorded layout that is newer than LayoutVersion, or not a layout at
// all, is refused before anything is written.
func readLayout(db *bg.DB, dir string) (storedLayout, error) {
	var l storedLayout
	err := db.View(func(txn *bg.Txn) error {
		item, err := txn.Get(key(pMeta, metaLayout))
		switch {
		case errors.Is(err, bg.ErrKeyNotFound):
			it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pPairV1)})
			defer it.Close()
			l.version = 2
			if it.Rewind(); it.Valid() {
				l.version = 1
			}
			all := txn.NewIterator(bg.IteratorOptions{})
			defer all.Close()
			all.Rewind()
			l.empty = !all.Valid()
			return nil
		case err != nil:
			return err
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(string(v))
		if err != nil || n < 1 || strconv.Itoa(n) != string(v) {
			return fmt.Errorf("%w: %s records key layout %q, which is not a layout any release of emigraph wrote (this one reads layout %d); the store was not opened: restore it from a backup, or reload its facts into a new directory", ErrLayout, dir, v, LayoutVersion)
		}
		if n > LayoutVersion {
			return fmt.Errorf("%w: %s holds a store of key layout %d, newer than this emigraph reads (layout %d); the store was not opened: use the release that wrote it, or a newer one (or export the facts with it and load them here into a new directory)", ErrLayout, dir, n, LayoutVersion)
		}
		l.version, l.recorded = n, true
		return nil
	})
	return l, err
}

// ErrLayout is returned by Open for a store whose key layout this release
// does not read: a newer one, or a value that is not a layout.
var ErrLayout = errors.New("unsupported key layout")

// upgradeLayout brings a store opened for writing to LayoutVersion and
// records it: layout 1's pair index is dropped (Badger's DropPrefix, which
// deletes in batches of its own), then m:layout is set. A crash part-way
// leaves the store unrecorded with some l: keys, and the next open does it
// again.
func (s *Store) upgradeLayout(l storedLayout) error {
	if l.version == LayoutVersion && l.recorded {
		return nil
	}
	fail := func(err error) error {
		return fmt.Errorf("migrating %s from key layout %d to %d: %w", s.dir, l.version, LayoutVersion, err)
	}
	if l.version < 2 {
		if err := s.db.DropPrefix([]byte(pPairV1)); err != nil {
			return fail(err)
		}
	}
	if l.version < 3 {
		if err := s.countAdjacency(); err != nil {
			return fail(err)
		}
	}
	if l.version < 5 {
		if err := s.reindexFigures(); err != nil {
			return fail(err)
		}
	}
	if l.version < 6 {
		// layouts 4 (postings ordered by length) and 6 (packed) both write
		// the trigram postings again from the entities, once
		if err := s.reindexTrigrams(); err != nil {
			return fail(err)
		}
	}
	if l.version < 7 {
		// the figures' values carry their timing, and "latest" ranks by
		// the end of a figure's period: the index and its summaries anew
		// (layout 5's own migration already wrote them so)
		if l.version >= 5 {
			if err := s.reindexFigures(); err != nil {
				return fail(err)
			}
		}
		if err := s.countDatedRelations(); err != nil {
			return fail(err)
		}
	}
	return s.db.Update(func(txn *bg.Txn) error {
		return txn.Set(key(pMeta, metaLayout), []byte(strconv.Itoa(LayoutVersion)))
	})
}

// countAdjacency writes the adjacency counters (c:adj:, layout 3) of a
// store of an older layout: one read of the relations in key order, counted
// in memory as the bulk build counts them (small integer keys: about 40
// bytes a counter), then written in batches. Counters left by an
// interrupted run are dropped first, so a run is whole whenever it is
// repeated.
func (s *Store) countAdjacency() error {
	if err := s.db.DropPrefix(countKey(pAdjCount)); err != nil {
		return err
	}
	var counts *adjacencyCounts
	err := s.view(func(txn *bg.Txn) error {
		n, err := readCount(txn, "entities")
		if err != nil {
			return err
		}
		counts = newAdjacencyCounts(int(n))
		// the fields that count, not the sources
		return eachStored(context.Background(), txn, pRelation, func(r *struct{ Subject, Predicate, Object, Date string }) error {
			counts.add(&graph.Relation{Subject: r.Subject, Predicate: r.Predicate, Object: r.Object, Date: r.Date})
			return nil
		})
	})
	if err != nil {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	if err := counts.each(func(entity, kind, pred string, n int64) error {
		return wb.Set(countKey(adjName(entity, kind, pred)), encodeCount(n))
	}); err != nil {
		return err
	}
	return wb.Flush()
}

// countDatedRelations writes the counters of dated relations (c:timeline:,
// layout 7) of a store of an older layout from one read of the relations.
// Counters left by an interrupted run are dropped first.
func (s *Store) countDatedRelations() error {
	if err := s.db.DropPrefix(countKey(cDated)); err != nil {
		return err
	}
	counts := map[string]int64{}
	err := s.db.View(func(txn *bg.Txn) error {
		return eachStored(context.Background(), txn, pRelation, func(r *struct{ Predicate, Date string }) error {
			if r.Date != "" {
				counts[cDated]++
				counts[cDated+r.Predicate]++
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for name, n := range counts {
		if err := wb.Set(countKey(name), encodeCount(n)); err != nil {
			return err
		}
	}
	return wb.Flush()
}

// checkReadOnlyLayout refuses, for a store opened read-only, an older layout,
// which cannot be migrated without writing.
func (s *Store) checkReadOnlyLayout(l storedLayout) error {
	if l.version < LayoutVersion {
		return fmt.Errorf("%w: %s holds a store of key layout %d, older than this emigraph reads (layout %d), and a store opened read-only cannot be migrated: open it for writing once (emigraph serve or load), which migrates it", ErrLayout, s.dir, l.version, LayoutVersion)
	}
	return nil
}
