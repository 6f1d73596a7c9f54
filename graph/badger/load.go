package badger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// Journal keys make a load too large for one transaction all-or-nothing.
//
//	j:<load>        the load is being applied; value "empty" (the store was
//	                empty before it) or "undo" (undo records were kept)
//	u:<load>\x00<k> the value key k had before the load: 0x00 for absent,
//	                0x01 followed by the old value otherwise
//
// The last transaction of a load deletes j:<load>:
// that is the commit point. A store opened with a j: key left over (the
// process was killed part-way) is rolled back first: emptied if it was empty
// before, else restored from the undo records.
const (
	pJournal = "j:"
	pUndo    = "u:"
)

// LoadOptions configures Load.
type LoadOptions struct {
	// DryRun checks and counts without writing.
	DryRun bool
	// Progress, if set, is called with the number of items written so far.
	Progress func(done int)
	// MaxTxnKeys is the largest write tried as one transaction (default
	// 100,000 keys); larger ones, and ones Badger finds too big, are journaled.
	// One transaction is also what readers of a running server see at once.
	MaxTxnKeys int
	// BatchKeys bounds the keys of each journaled batch (default 20,000).
	BatchKeys int
	// OnPlan, if set, is given the plan before anything is written (what a
	// dry run prints as its diff).
	OnPlan func(*graph.Plan)
}

// Load checks a changeset and writes it all or nothing, however large: one
// transaction when it fits, else journaled batches that a crash rolls back.
// A write is refused (graph.ENOSPACE) when the directory has less free than
// the reserve, before it starts and before each journaled batch; a write
// too large for Badger is refused with graph.EINVALID. With sync on (the
// default), what Load reports as written is on disk.
func (s *Store) Load(ctx context.Context, c *graph.Changeset, o LoadOptions) (graph.Summary, error) {
	sum, err := s.load(ctx, c, o)
	return sum, s.storeError(err)
}

func (s *Store) load(ctx context.Context, c *graph.Changeset, o LoadOptions) (graph.Summary, error) {
	if o.BatchKeys <= 0 {
		o.BatchKeys = 20000
	}
	if o.MaxTxnKeys <= 0 {
		o.MaxTxnKeys = 100000
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if !o.DryRun {
		if err := s.checkSpace(); err != nil {
			return graph.Summary{}, err
		}
	}
	var empty bool
	err := s.view(func(txn *bg.Txn) error {
		n, err := readCount(txn, "entities")
		if err != nil {
			return err
		}
		m, err := readCount(txn, "relations")
		if err != nil {
			return err
		}
		it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pPredicate)})
		it.Rewind()
		hasPredicates := it.Valid()
		it.Close()
		empty = n == 0 && m == 0 && !hasPredicates
		return nil
	})
	if err != nil {
		return graph.Summary{}, err
	}
	var plan *graph.Plan
	err = s.view(func(txn *bg.Txn) error {
		var view graph.View = txnView{txn}
		if empty {
			view = emptyView{} // nothing to look up: skip a read per item
		}
		var err error
		plan, err = graph.PlanChangeset(c, view)
		return err
	})
	if err != nil {
		return graph.Summary{}, err
	}
	plan.Summary.DryRun = o.DryRun
	if o.OnPlan != nil {
		o.OnPlan(plan)
	}
	if o.DryRun {
		return plan.Summary, nil
	}
	if err := ctx.Err(); err != nil {
		return graph.Summary{}, err
	}
	m := buildMutation(plan)
	// the history of the write, in the same transactions (history.go)
	if err := s.view(func(txn *bg.Txn) error { return m.recordChange(txn, plan, graph.ChangeInfoOf(ctx), empty) }); err != nil {
		return graph.Summary{}, err
	}
	// counters become ordinary writes, so that a large load (with a counter
	// for every new word and trigram) batches them like any other key
	if err := s.view(m.resolve); err != nil {
		return graph.Summary{}, err
	}
	if len(m.ops) <= o.MaxTxnKeys {
		err = s.db.Update(func(txn *bg.Txn) error { return writeMutation(txn, m) })
		if err == nil {
			if o.Progress != nil {
				o.Progress(c.Len())
			}
			return plan.Summary, nil
		}
		if !errors.Is(err, bg.ErrTxnTooBig) {
			return graph.Summary{}, err
		}
	}
	if err := s.journaled(ctx, m, empty, o, c.Len()); err != nil {
		return graph.Summary{}, err
	}
	return plan.Summary, nil
}

func writeMutation(txn *bg.Txn, m *mutation) error {
	for _, o := range m.ops {
		var err error
		if o.del {
			err = txn.Delete([]byte(o.key))
		} else {
			err = txn.Set([]byte(o.key), o.value)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// emptyView is the view of a store known to be empty.
type emptyView struct{}

func (emptyView) Predicate(string) (*graph.Predicate, error) { return nil, nil }
func (emptyView) Entity(string) (*graph.Entity, error)       { return nil, nil }
func (emptyView) Relation(string) (*graph.Relation, error)   { return nil, nil }
func (emptyView) EntityIDsByName(string) ([]string, error)   { return nil, nil }

// resolve turns what a mutation does to values kept over many writes (the
// summaries of figures, the packed trigram postings, the counters) into
// writes of their new values, read from the store as it is before the write.
func (m *mutation) resolve(txn *bg.Txn) error {
	if err := m.resolveFigures(txn); err != nil {
		return err
	}
	if err := m.resolvePostings(txn); err != nil {
		return err
	}
	return m.resolveCounts(txn)
}

// resolveCounts turns the counter deltas into writes of the new values.
// Writers are serialised (writeMu), so the values read stay current.
func (m *mutation) resolveCounts(txn *bg.Txn) error {
	for name, delta := range m.counts {
		if delta == 0 {
			continue
		}
		n, err := readCount(txn, name)
		if err != nil {
			return err
		}
		if n+delta == 0 && (strings.HasPrefix(name, pAdjCount) || strings.HasPrefix(name, cSource)) {
			// an entity's adjacency counters come and go with its relations,
			// as the bulk build writes them
			m.remove(string(countKey(name)))
			continue
		}
		m.put(string(countKey(name)), encodeCount(n+delta))
	}
	m.counts = nil
	return nil
}

// journaled applies a mutation in batches under a journal.
func (s *Store) journaled(ctx context.Context, m *mutation, empty bool, o LoadOptions, items int) error {
	load := strconv.FormatInt(time.Now().UnixNano(), 36)
	jkey := key(pJournal, load)
	mode := undoGrouped
	if empty {
		mode = "empty"
	}
	if err := s.db.Update(func(txn *bg.Txn) error { return txn.Set(jkey, []byte(mode)) }); err != nil {
		return err
	}
	ops := m.ops
	slices.SortFunc(ops, func(a, b op) int { return strings.Compare(a.key, b.key) }) // sorted keys make for cheaper compaction
	fail := func(err error) error {
		if rerr := s.rollback(load, mode); rerr != nil {
			return fmt.Errorf("%w (and rolling back failed: %v; the next open retries)", err, rerr)
		}
		return err
	}
	if empty {
		// nothing to undo: a WriteBatch is the fast path, and a crash empties the store
		wb := s.db.NewWriteBatch()
		written := int64(0) // since the reserve was checked
		for i, op := range ops {
			if written += op.size(); i%1024 == 0 || written >= s.spaceCheckBytes() {
				written = op.size()
				if err := ctx.Err(); err != nil {
					wb.Cancel()
					return fail(err)
				}
				if err := s.checkSpace(); err != nil {
					wb.Cancel()
					return fail(err)
				}
				if o.Progress != nil {
					o.Progress(items * i / len(ops))
				}
			}
			if err := op.writeTo(wb); err != nil {
				wb.Cancel()
				return fail(err)
			}
		}
		if err := wb.Flush(); err != nil {
			return fail(err)
		}
	} else if err := s.journaledUndo(ctx, ops, load, o, items); err != nil {
		return fail(err)
	}
	// the commit point: the end of the journal
	if err := s.db.Update(func(txn *bg.Txn) error { return txn.Delete(jkey) }); err != nil {
		return fail(err)
	}
	if o.Progress != nil {
		o.Progress(items)
	}
	return s.dropPrefix(key(pUndo, load, sep))
}

// recover rolls back every load that a crash left unfinished.
func (s *Store) recover() error {
	type pending struct{ load, mode string }
	var loads []pending
	err := s.view(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pJournal), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			loads = append(loads, pending{string(it.Item().Key()[len(pJournal):]), string(v)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range loads {
		if err := s.rollback(p.load, p.mode); err != nil {
			return fmt.Errorf("rolling back an unfinished load: %w", err)
		}
	}
	return s.dropLeftoverKeys()
}

// dropLeftoverKeys drops the keys that only a step left unfinished can have
// left, once every unfinished load is rolled back: undo records without a
// journal (a load's end, its journal deleted, and the dropping of its undo
// records are two steps), and the scratch postings of a migration
// (pTrigramScratch: the migration starts again from nothing, and dropping
// them is its last step). A crash between the steps, or Badger's DropPrefix
// returning without an error when its compaction of level 0 failed, left
// them for ever.
func (s *Store) dropLeftoverKeys() error {
	for _, prefix := range []string{pUndo, pTrigramScratch} {
		left := false
		err := s.view(func(txn *bg.Txn) error {
			it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(prefix)})
			defer it.Close()
			it.Rewind()
			left = it.Valid()
			return nil
		})
		if err == nil && left {
			err = s.dropPrefix([]byte(prefix))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// rollback undoes a journaled load.
func (s *Store) rollback(load, mode string) error {
	switch mode {
	case "empty":
		// the store was empty before the load: empty it again
		return s.db.DropAll()
	case undoGrouped:
		if err := s.rollbackGrouped(load); err != nil {
			return err
		}
		return s.db.Update(func(txn *bg.Txn) error { return txn.Delete(key(pJournal, load)) })
	}
	// "undo": an undo record a key (written by earlier versions)
	prefix := key(pUndo, load, sep)
	for {
		var batch [][2][]byte
		err := s.view(func(txn *bg.Txn) error {
			it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix, PrefetchValues: true})
			defer it.Close()
			for it.Rewind(); it.Valid() && len(batch) < 5000; it.Next() {
				v, err := it.Item().ValueCopy(nil)
				if err != nil {
					return err
				}
				batch = append(batch, [2][]byte{it.Item().KeyCopy(nil), v})
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		err = s.db.Update(func(txn *bg.Txn) error {
			for _, kv := range batch {
				k := kv[0][len(prefix):]
				if len(kv[1]) > 0 && kv[1][0] == 1 {
					if err := txn.Set(bytes.Clone(k), kv[1][1:]); err != nil {
						return err
					}
				} else if err := txn.Delete(bytes.Clone(k)); err != nil {
					return err
				}
				if err := txn.Delete(kv[0]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return s.db.Update(func(txn *bg.Txn) error { return txn.Delete(key(pJournal, load)) })
}

func (s *Store) dropPrefix(prefix []byte) error { return s.db.DropPrefix(prefix) }
