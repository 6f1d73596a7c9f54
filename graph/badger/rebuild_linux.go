//go:build linux

package badger

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// canExchange: Rebuild swaps directories with renameat2's RENAME_EXCHANGE
// (Linux 3.15; ext4, XFS, Btrfs, tmpfs and others).
const canExchange = true

// exchangeDirs swaps a and b, two directories of one file system, in one
// atomic rename: either both names still point where they did, or each
// points where the other did.
func exchangeDirs(a, b string) error {
	return unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
}

// checkExchange reports whether side, a new empty directory beside dir,
// can be exchanged with dir: both on one file system (dir is not a mount
// point), which takes RENAME_EXCHANGE (tried on two directories made in
// side for the purpose), so that a rebuild is not built in vain.
func checkExchange(side, dir string) error {
	var a, b unix.Stat_t
	if err := unix.Stat(side, &a); err != nil {
		return err
	}
	if err := unix.Stat(dir, &b); err != nil {
		return err
	}
	if a.Dev != b.Dev {
		return fmt.Errorf("%s is on another file system than its parent (a mount point?)", dir)
	}
	x, y := filepath.Join(side, "exchange-x"), filepath.Join(side, "exchange-y")
	defer os.Remove(x)
	defer os.Remove(y)
	if err := errors.Join(os.Mkdir(x, 0o755), os.Mkdir(y, 0o755)); err != nil {
		return err
	}
	return exchangeDirs(x, y)
}

// lockDir takes the lock Badger takes on a store's directory (an exclusive
// flock of the directory itself), so that no Badger, in this process or
// another, opens it until unlock; one that holds it already gets ErrLocked.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s (is `emigraph serve` running on it?)", ErrLocked, dir)
		}
		return nil, err
	}
	return func() { f.Close() }, nil
}
