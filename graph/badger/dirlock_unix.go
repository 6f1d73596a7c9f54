//go:build !windows && !plan9 && !js && !wasip1 && !aix

package badger

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// storeLock is the lock on a store's directory: a flock of the directory
// itself, the very lock Badger takes when it opens one (dir_unix.go in
// badger v4), exclusive for a writer and shared between readers. Open takes
// it before it reads or changes any file of the store and hands Badger the
// store with its own lock bypassed, so that Badger, another emigraph (of
// this release or an earlier one, which lets Badger lock) and a Rebuild all
// exclude one another as before.
type storeLock struct {
	f   *os.File
	dir string
	// pid is the LOCK file a writer writes its process id into, as Badger
	// does (for people; it is not part of the locking), removed at release.
	pid string
}

// lockStore takes the lock of dir, exclusive or shared: held elsewhere
// (for longer than lockWait), it is ErrLocked. A writer (exclusive) writes its pid into
// dir/LOCK as Badger would.
func lockStore(dir string, exclusive bool) (*storeLock, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	l := &storeLock{f: f, dir: dir}
	if err := l.flock(exclusive); err != nil {
		f.Close()
		return nil, err
	}
	if exclusive {
		if err := l.writePid(); err != nil {
			f.Close()
			return nil, err
		}
	}
	return l, nil
}

// lockWait is how long a lock held elsewhere is waited for before the
// store is refused. A process that forks (another emigraph running cp, a
// test running a child) lends its child every lock it holds until the
// child executes its program, so a store just closed can look held for a
// moment; a server holds it for good.
const lockWait = 500 * time.Millisecond

// flock takes (or converts the lock to) an exclusive or a shared lock.
// A conversion is not atomic (flock(2)): the lock held may be let go
// before the new one is refused, and the caller must then give up.
func (l *storeLock) flock(exclusive bool) error {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := unix.Flock(int(l.f.Fd()), how|unix.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, unix.EWOULDBLOCK):
			return fmt.Errorf("locking %s: %w", l.dir, err)
		case time.Now().After(deadline):
			return fmt.Errorf("%w: %s (is `emigraph serve` running on it?)", ErrLocked, l.dir)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (l *storeLock) writePid() error {
	name, err := filepath.Abs(filepath.Join(l.dir, lockFileName))
	if err != nil {
		return err
	}
	if err := os.WriteFile(name, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o666); err != nil {
		return fmt.Errorf("writing the pid file %s: %w", name, err)
	}
	l.pid = name
	return nil
}

// release removes the pid file (first, as Badger does: a process that
// takes the lock next writes its own) and lets the lock go.
func (l *storeLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	var err error
	if l.pid != "" {
		err = os.Remove(l.pid)
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// lockFileName is Badger's pid file in a store's directory.
const lockFileName = "LOCK"
