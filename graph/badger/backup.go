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
	if _, err := s.db.Backup(bw, 0); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, trailerPrefix+hex.EncodeToString(h.Sum(nil))+"\n")
	return err
}

// Restore makes a new store in dir from a backup read from r. dir must be
// new or empty. The whole input is first copied to a temporary file (beside
// dir, else in os.TempDir) while it is hashed; a backup whose checksum,
// header or layout version is wrong is refused before dir is touched, and a
// refused or failed restore leaves dir as it was (new: absent; empty:
// empty). o configures the store (its reserve must be free besides the
// backup's size).
func Restore(dir string, r io.Reader, o Options) (err error) {
	created := false
	switch entries, rerr := os.ReadDir(dir); {
	case errors.Is(rerr, os.ErrNotExist):
		created = true
	case rerr != nil:
		return rerr
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty (it holds %s): restore into a new or empty directory", dir, entries[0].Name())
	}
	tmpDir := filepath.Dir(filepath.Clean(dir))
	if _, err := os.Stat(tmpDir); err != nil {
		tmpDir = os.TempDir()
	}
	tmp, err := os.CreateTemp(tmpDir, ".emigraph-restore-*")
	if err != nil {
		return err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	th := &tailHasher{h: sha256.New(), keep: backupTrailerSz}
	size, err := io.Copy(io.MultiWriter(tmp, th), bufio.NewReaderSize(r, 1<<20))
	if err != nil {
		return fmt.Errorf("reading the backup: %w (nothing was restored)", err)
	}
	head := make([]byte, min(size, 64))
	if _, err := tmp.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	switch {
	case bytes.HasPrefix(head, []byte(backupMagicV1)):
		return errors.New("this backup is of format 1, which carries no checksum and so cannot be verified; nothing was restored: restore it with the emigraph release that made it, then back it up again with this one")
	case !bytes.HasPrefix(head, []byte(backupMagic)):
		return fmt.Errorf("the input is not an emigraph backup (it does not start with %q); nothing was restored", strings.TrimSpace(backupMagic))
	}
	tail := th.tail
	if int64(len(tail)) < int64(backupTrailerSz) || size < int64(len(backupHeader())+backupTrailerSz) ||
		!bytes.HasPrefix(tail, []byte(trailerPrefix)) || tail[len(tail)-1] != '\n' {
		return errors.New("the backup is corrupt or cut short: it does not end with its checksum; nothing was restored")
	}
	// compared as written (lower-case hex): a flipped letter case is a change too
	if string(tail[len(trailerPrefix):len(tail)-1]) != hex.EncodeToString(th.h.Sum(nil)) {
		return errors.New("the backup is corrupt: its SHA-256 does not match its content (a byte was changed or lost); nothing was restored")
	}
	// the checksum holds: the header is as written
	layout, headerSize, err := backupLayout(head)
	if err != nil {
		return err
	}
	stream := io.NewSectionReader(tmp, int64(headerSize), size-int64(headerSize)-int64(backupTrailerSz))
	if !o.InMemory && o.Reserve >= 0 {
		reserve, free := o.Reserve, o.FreeSpace
		if reserve == 0 {
			reserve = DefaultReserve
		}
		if free == nil {
			free = statfsFree
		}
		if n, err := free(tmpDir); err == nil && n < reserve+stream.Size() {
			return noSpace(n, reserve+stream.Size(), tmpDir)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	defer func() {
		if err == nil {
			return
		}
		// leave dir as it was: absent, or empty
		if created {
			os.RemoveAll(dir)
			return
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}()
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
	return syncDir(filepath.Dir(filepath.Clean(dir)))
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
