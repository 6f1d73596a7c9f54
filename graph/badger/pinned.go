package badger

import (
	"errors"
	"fmt"
	"io"
	"math"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// A store opened read-only that holds a journaled load a crash left
// unfinished cannot roll it back (that writes), and reading it as it is would
// show part of the load. It is read as it was before that load instead:
// Badger keeps every version of a key until a compaction drops the ones no
// reader can see, and a journaled load into a store with data holds a read
// transaction at the state before it (journaledUndo's snapshot) from its
// first write to its last, so the versions that state is made of are all
// still there (a store empty before the load has nothing to keep but m:
// keys, which no load writes). Reads then go through transactions at the
// timestamp just before the journal's (Badger's managed mode, in which a
// transaction names its read timestamp), and the next open for writing
// rolls the load back as usual. This is what lets a server restarted on a
// full disk after a crash serve reads (the writes that roll a load back
// need space).

// pinnedView runs fn in a read transaction: at the pinned timestamp of a
// store read as it was before an unfinished load, else at the latest
// (Store.view, which every read goes through, calls it).
func (s *Store) pinnedView(fn func(txn *bg.Txn) error) error {
	if s.readTs == 0 {
		return s.db.View(fn)
	}
	txn := s.db.NewTransactionAt(s.readTs, false)
	defer txn.Discard()
	return fn(txn)
}

// newReadTxn is a read transaction as view's; the caller discards it.
func (s *Store) newReadTxn() *bg.Txn {
	if s.readTs == 0 {
		return s.db.NewTransaction(false)
	}
	return s.db.NewTransactionAt(s.readTs, false)
}

// backupStream writes Badger's backup stream of what view reads.
func (s *Store) backupStream(w io.Writer) error {
	if s.readTs == 0 {
		_, err := s.db.Backup(w, 0)
		return err
	}
	stream := s.db.NewStreamAt(s.readTs)
	stream.LogPrefix = "DB.Backup"
	_, err := stream.Backup(w, 0)
	return err
}

// pinBeforeUnfinishedLoad, for a store opened read-only, finds the journals
// of loads a crash left unfinished and, if there are any, reopens the
// database in managed mode with reads pinned before the first of them. A
// journal of the per-key undo mode (written by releases before undo
// batches) held no snapshot: that store is refused, as before.
func (s *Store) pinBeforeUnfinishedLoad(opts bg.Options) error {
	first := uint64(math.MaxUint64)
	legacy := false
	err := s.db.View(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pJournal), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			first = min(first, it.Item().Version())
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			legacy = legacy || string(v) == "undo"
		}
		return nil
	})
	switch {
	case err != nil:
		return err
	case first == math.MaxUint64:
		return nil
	case legacy || first <= 1:
		why := "open it for writing once (emigraph serve or load) to roll it back"
		if s.readOnly != nil && graph.ErrorCode(s.readOnly) == graph.ENOSPACE {
			why = s.readOnly.Error()
		}
		return fmt.Errorf("%s holds a load that a crash left unfinished, which must be rolled back before it is read: %s", s.dir, why)
	}
	if err := s.db.Close(); err != nil {
		return err
	}
	db, err := bg.OpenManaged(opts)
	if err != nil {
		return errors.Join(errReopen, err)
	}
	s.db, s.readTs = db, first-1
	rollback := "a load that a crash left unfinished is rolled back at the next start with room to write; until then the store is read as it was before that load"
	if s.readOnly != nil && graph.ErrorCode(s.readOnly) == graph.ENOSPACE {
		s.readOnly = graph.Errorf(graph.ENOSPACE, "%s; %s", s.readOnly.Error(), rollback)
	} else {
		s.readOnly = graph.Errorf(graph.EINVALID, "the store is open read-only; %s", rollback)
	}
	return nil
}

// errReopen marks a failure to open the database again after it was
// closed: there is no database for the caller to close.
var errReopen = errors.New("reopening the store to read it as it was before an unfinished load")
