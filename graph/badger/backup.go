package badger

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A backup is, in order:
//
//	emigraph backup 2\n              the magic and the format's version
//	layout <LayoutVersion>\n         the key layout of the store backed up
//	<Badger's backup stream>         (DB.Backup: every live key and value)
//	\nsha256 <64 hex digits>\n       the trailer: SHA-256 of all that precedes it
//
// Restore verifies the trailer and the header before it writes anything, so
// a changed or truncated byte anywhere is refused. Version 1 ("emigraph
// backup 1\n" and the stream, no checksum) is refused: it cannot be
// verified (restore it with the release that made it, then back up again).
const (
	backupMagic     = "emigraph backup 2\n"
	backupMagicV1   = "emigraph backup 1\n"
	trailerPrefix   = "\nsha256 "
	backupTrailerSz = len(trailerPrefix) + 2*sha256.Size + 1
)

func backupHeader() string { return backupMagic + "layout " + strconv.Itoa(LayoutVersion) + "\n" }

// Backup writes a verified backup of the store to w (see the format above).
// It reads a snapshot: writes made meanwhile are not in it. It first checks
// every table of the store (VerifyTables) and refuses, having written
// nothing, to copy one that fails; a backup cut short by an error is not
// one, as it lacks its trailer.
func (s *Store) Backup(w io.Writer) error {
	if _, err := s.VerifyTables(); err != nil {
		return fmt.Errorf("nothing was backed up: %w", err)
	}
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 1<<20)
	if _, err := bw.WriteString(backupHeader()); err != nil {
		return err
	}
	if err := s.backupStream(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, trailerPrefix+hex.EncodeToString(h.Sum(nil))+"\n")
	return err
}

// Restore makes a new store in dir from a backup read from r. dir must be
// new or empty (or hold a restore that was killed, which is emptied). The
// store is made in a directory beside dir, <dir>.bulk-<n>, as Build makes
// one: the whole input is first copied into it while it is hashed (a
// backup whose checksum, header or layout version is wrong is refused
// before anything else is written), then loaded, synced, and renamed to
// dir, and dir's parent synced. All or nothing: until the rename dir is as
// it was (new: absent; empty: empty), and a killed restore's directory
// beside it is removed by the next Open or Restore. Where dir cannot be
// renamed over (a mount point), the store is written in dir itself, marked
// unfinished until the end (RESTORE-UNFINISHED.lock, leftovers.go): Open
// refuses such a directory and the next Restore empties it. o configures
// the store (its reserve must be free besides the backup's size).
func Restore(dir string, r io.Reader, o Options) (err error) {
	dir = filepath.Clean(dir)
	reserve, err := reserveOf(o)
	if err != nil {
		return err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	if err := emptyForRestore(dir); err != nil {
		return err
	}
	removeBulkLeftovers(dir)
	side := dir + ".bulk-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := os.Mkdir(side, 0o755); err != nil {
		return err
	}
	// held until the end, so that an Open of dir meanwhile leaves side alone
	unlock, err := lockBuild(side)
	if err != nil {
		os.RemoveAll(side)
		return err
	}
	defer func() {
		os.RemoveAll(side) // after the rename, there is none
		unlock()
	}()
	tmp, err := os.CreateTemp(side, "backup-*")
	if err != nil {
		return err
	}
	defer tmp.Close()
	layout, stream, err := copyBackup(tmp, r)
	if err != nil {
		return err
	}
	_, statErr := os.Stat(dir)
	inPlace := statErr == nil && isMountPoint(dir)
	if reserve >= 0 {
		free, where := o.FreeSpace, parent
		if free == nil {
			free = statfsFree
		}
		if inPlace {
			where = dir
		}
		if n, err := free(where); err == nil && n < reserve+stream.Size() {
			return noSpace(n, reserve+stream.Size(), where)
		}
	}
	if inPlace {
		return restoreInPlace(dir, layout, stream, o)
	}
	// the store is made in a directory of its own in side, beside the copy
	store := filepath.Join(side, "store")
	if err := restoreInto(store, layout, stream, o); err != nil {
		return err
	}
	return install(store, dir)
}

// emptyForRestore checks that dir is new or empty, or holds a restore that
// was killed (which it empties).
func emptyForRestore(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case len(entries) == 0:
		return nil
	}
	marker := restoreMarker(dir)
	if _, err := os.Stat(marker + ".lock"); err != nil {
		return fmt.Errorf("%s is not empty (it holds %s): restore into a new or empty directory", dir, entries[0].Name())
	}
	if buildRunning(marker) {
		return fmt.Errorf("%w: %s (another restore is writing into it)", ErrLocked, dir)
	}
	for _, e := range entries { // the marker last
		if name := filepath.Join(dir, e.Name()); name != marker+".lock" {
			if err := os.RemoveAll(name); err != nil {
				return err
			}
		}
	}
	return os.Remove(marker + ".lock")
}

// copyBackup copies a backup from r into tmp, hashing it, and checks its
// header and checksum; it returns the backup's key layout and its Badger
// stream, read from tmp.
func copyBackup(tmp *os.File, r io.Reader) (layout int, stream *io.SectionReader, err error) {
	th := &tailHasher{h: sha256.New(), keep: backupTrailerSz}
	// a buffer of 64 KiB reads a large upload in few enough calls; it is
	// allocated (and zeroed) for every restore, however small
	size, err := io.Copy(io.MultiWriter(tmp, th), bufio.NewReaderSize(r, 64<<10))
	if err != nil {
		return 0, nil, fmt.Errorf("reading the backup: %w (nothing was restored)", err)
	}
	head := make([]byte, min(size, 64))
	if _, err := tmp.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return 0, nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte(backupMagicV1)):
		return 0, nil, errors.New("this backup is of format 1, which carries no checksum and so cannot be verified; nothing was restored: restore it with the emigraph release that made it, then back it up again with this one")
	case !bytes.HasPrefix(head, []byte(backupMagic)):
		return 0, nil, fmt.Errorf("the input is not an emigraph backup (it does not start with %q); nothing was restored", strings.TrimSpace(backupMagic))
	}
	tail := th.tail
	if int64(len(tail)) < int64(backupTrailerSz) || size < int64(len(backupHeader())+backupTrailerSz) ||
		!bytes.HasPrefix(tail, []byte(trailerPrefix)) || tail[len(tail)-1] != '\n' {
		return 0, nil, errors.New("the backup is corrupt or cut short: it does not end with its checksum; nothing was restored")
	}
	// compared as written (lower-case hex): a flipped letter case is a change too
	if string(tail[len(trailerPrefix):len(tail)-1]) != hex.EncodeToString(th.h.Sum(nil)) {
		return 0, nil, errors.New("the backup is corrupt: its SHA-256 does not match its content (a byte was changed or lost); nothing was restored")
	}
	// the checksum holds: the header is as written
	layout, headerSize, err := backupLayout(head)
	if err != nil {
		return 0, nil, err
	}
	return layout, io.NewSectionReader(tmp, int64(headerSize), size-int64(headerSize)-int64(backupTrailerSz)), nil
}

// restoreInto makes the store in dir (new) from a backup's stream, and
// migrates it if its layout is older; what it wrote is the caller's to
// remove if it fails.
func restoreInto(dir string, layout int, stream io.Reader, o Options) error {
	o.ReadOnly = false
	st, err := Open(dir, o)
	if err != nil {
		return err
	}
	if err := st.loadBackup(stream); err != nil {
		st.Close()
		return fmt.Errorf("restore failed, nothing was restored: %w", err)
	}
	// the layout is the backup's, whatever its keys or the new store said
	if err := st.SetMeta(metaLayout, strconv.Itoa(layout)); err != nil {
		st.Close()
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	if layout < LayoutVersion {
		// an older layout is migrated now, as an open for writing would
		if st, err = Open(dir, o); err != nil {
			return fmt.Errorf("restore failed while migrating the backup's key layout %d to %d, nothing was restored: %w", layout, LayoutVersion, err)
		}
		if err := st.Close(); err != nil {
			return err
		}
	}
	return nil
}

// restoreInPlace restores into dir itself (a mount point, which the
// restored store cannot be renamed over), marked unfinished meanwhile; a
// failure empties it again.
func restoreInPlace(dir string, layout int, stream io.Reader, o Options) (err error) {
	marker := restoreMarker(dir)
	unmark, err := lockBuild(marker)
	if err != nil {
		return err
	}
	defer func() {
		if err == nil {
			return
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if name := filepath.Join(dir, e.Name()); name != marker+".lock" {
				os.RemoveAll(name)
			}
		}
		unmark()
	}()
	if err := syncDir(dir); err != nil {
		return err
	}
	o.restoring = true
	if err := restoreInto(dir, layout, stream, o); err != nil {
		return err
	}
	unmark()
	return syncDir(dir)
}

// backupLayout reads the key layout a backup's header names, and the
// header's size. A layout newer than this release reads is refused; an
// older one is restored and migrated.
func backupLayout(head []byte) (layout, size int, err error) {
	rest := head[len(backupMagic):]
	line, _, ok := bytes.Cut(rest, []byte("\n"))
	v, isLayout := strings.CutPrefix(string(line), "layout ")
	n, aerr := strconv.Atoi(v)
	if !ok || !isLayout || aerr != nil || strconv.Itoa(n) != v || n < 1 {
		return 0, 0, fmt.Errorf("the backup's header names no key layout (%q); nothing was restored", line)
	}
	if n > LayoutVersion {
		return 0, 0, fmt.Errorf("the backup holds a store of key layout %d, newer than this emigraph reads (layout %d); nothing was restored: restore it with the release that made it, or a newer one", n, LayoutVersion)
	}
	return n, len(backupMagic) + len(line) + 1, nil
}

// loadBackup runs Badger's Load, which panics on some malformed input (a
// backup whose checksum holds is not malformed, unless it was made so).
func (s *Store) loadBackup(r io.Reader) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("the backup is malformed: %v", v)
		}
	}()
	return s.db.Load(r, 256)
}

// tailHasher hashes all it is given but the last keep bytes, which it holds.
type tailHasher struct {
	h    hash.Hash
	keep int
	tail []byte
}

func (t *tailHasher) Write(p []byte) (int, error) {
	t.tail = append(t.tail, p...)
	if over := len(t.tail) - t.keep; over > 0 {
		t.h.Write(t.tail[:over])
		t.tail = append(t.tail[:0], t.tail[over:]...)
	}
	return len(p), nil
}
