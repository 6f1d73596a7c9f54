package badger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	bg "github.com/dgraph-io/badger/v4"
)

// ErrFailed is what the error of a store that failed internally wraps (see
// Store.Failed): Badger lost its state (it could not create a memtable: out
// of file descriptors, say) and every read and write of it would panic, or
// kill the process, until it is opened again.
var ErrFailed = errors.New("the store failed")

// health is what a store has seen go wrong: an internal failure, after
// which it serves nothing, and corruption found in its files. Every read
// looks at both (atomically: no lock on the way of reads); mu orders the
// writers, so that the first of each stays.
type health struct {
	mu      sync.Mutex
	failure atomic.Pointer[error] // wraps ErrFailed
	corrupt atomic.Pointer[error] // wraps a *CorruptError
	failed  chan struct{}         // closed with failure set
	// checking: a check of the tables runs (checkTablesSoon)
	checking atomic.Bool
}

func loadErr(p *atomic.Pointer[error]) error {
	if e := p.Load(); e != nil {
		return *e
	}
	return nil
}

// Err reports what makes the store unfit to serve: an internal failure
// (wrapping ErrFailed; see Failed), or corruption found in its files (a
// *CorruptError, by a read, Verify or Backup); nil while neither was seen.
// A server's readiness follows it.
func (s *Store) Err() error {
	if err := loadErr(&s.health.failure); err != nil {
		return err
	}
	return loadErr(&s.health.corrupt)
}

// Failed is closed once the store has failed internally (Err then wraps
// ErrFailed): from then on every read and write is refused with that
// error, and only opening the store again (restarting the process, as
// Badger's state cannot be rebuilt in place) brings it back.
func (s *Store) Failed() <-chan struct{} {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	if s.health.failed == nil {
		s.health.failed = make(chan struct{})
	}
	return s.health.failed
}

// Check reads the store (one key) and returns Err: a store that can no
// longer read is found failed here even before a request fails on it.
func (s *Store) Check() error {
	if err := s.probe(nil); err != nil {
		return err
	}
	return s.Err()
}

// fail records the store's internal failure (the first one) and returns it.
func (s *Store) fail(cause error) error {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	if s.health.failure.Load() == nil {
		err := fmt.Errorf("%w: %v; it refuses every read and write until it is opened again (restart the process)", ErrFailed, cause)
		s.health.failure.Store(&err)
		if s.health.failed == nil {
			s.health.failed = make(chan struct{})
		}
		close(s.health.failed)
	}
	return loadErr(&s.health.failure)
}

// failure is the store's internal failure, or nil.
func (s *Store) failure() error { return loadErr(&s.health.failure) }

// sawCorruption records corruption found in the store's files (the first)
// and returns what the store answers from then on.
func (s *Store) sawCorruption(corrupt *CorruptError) error {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	if s.health.corrupt.Load() == nil {
		err := fmt.Errorf("%w; the store refuses reads and writes, so that nothing is answered from it wrong: restore a backup (emigraph restore), and see `emigraph verify --data %s` for every problem", corrupt, s.dir)
		s.health.corrupt.Store(&err)
	}
	return loadErr(&s.health.corrupt)
}

// checkTablesSoon checks the store's tables in the background, unless a
// check runs already: a read panicked inside Badger on a store that still
// reads, which a table gone bad since the open can cause.
func (s *Store) checkTablesSoon() {
	if s.opts.InMemory || !s.health.checking.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.health.checking.Store(false)
		s.VerifyTables()
	}()
}

// probe reads one key. Once Badger has lost its memtable (it could not
// create the next one), every read panics (a nil memtable in getMemTables,
// then "Unclosed iterator" in the transaction's Discard): the probe turns
// that into the store's failure, with after, the error that came before
// it, if any.
func (s *Store) probe(after error) (err error) {
	if err := s.failure(); err != nil {
		return err
	}
	defer func() {
		if v := recover(); v != nil {
			cause := fmt.Errorf("reads panic inside Badger (%v)", v)
			if after != nil {
				cause = fmt.Errorf("%v, and since then %v", after, cause)
			}
			err = s.fail(cause)
		}
	}()
	return s.db.View(func(txn *bg.Txn) error {
		_, err := txn.Get(key(pMeta, metaLayout))
		if errors.Is(err, bg.ErrKeyNotFound) {
			return nil
		}
		return err
	})
}

// view runs fn in a read transaction, as Badger's View does, on a store
// that has neither failed nor been found corrupt (Err). A panic inside it
// is probed: if the store can no longer read, the panic becomes the
// store's failure, returned as an error; any other panic goes on up (a
// server recovers it per request), and the tables are checked, as a block
// that does not decode is one cause.
func (s *Store) view(fn func(txn *bg.Txn) error) (err error) {
	if err := s.Err(); err != nil {
		return err
	}
	defer func() {
		if v := recover(); v != nil {
			if ferr := s.probe(nil); ferr != nil {
				err = ferr
				return
			}
			s.checkTablesSoon()
			panic(v)
		}
	}()
	return s.pinnedView(fn)
}

// noteWriteError looks at an error of a write that no user can act on (see
// storeError): it may mean that Badger lost its state (a memtable it could
// not create), which the probe then finds and records. It returns the
// store's failure, or nil.
func (s *Store) noteWriteError(err error) error {
	if errors.Is(err, bg.ErrConflict) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	s.probe(fmt.Errorf("a write failed (%v)", err))
	return s.failure()
}
