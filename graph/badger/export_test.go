package badger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"

	bg "github.com/dgraph-io/badger/v4"
)

// DBOf exposes the Badger database to the external tests (bulk_test.go's
// key-by-key comparison).
func DBOf(s *Store) *bg.DB { return s.db }

// BackupTrailer is the trailer a backup of body ends with.
func BackupTrailer(body []byte) string {
	sum := sha256.Sum256(body)
	return trailerPrefix + hex.EncodeToString(sum[:]) + "\n"
}

// SetBuildFallback makes Build take its built tables for refused by Badger
// when refuse returns an error, until the test ends.
func SetBuildFallback(t interface{ Cleanup(func()) }, refuse func(dir string) error) {
	buildFallback = refuse
	t.Cleanup(func() { buildFallback = nil })
}

// SetRebuildCrash makes Rebuild call crash at each of its steps until the
// test ends; an error stops the rebuild there as a crash would.
func SetRebuildCrash(t interface{ Cleanup(func()) }, crash func(step string) error) {
	rebuildCrash = crash
	t.Cleanup(func() { rebuildCrash = nil })
}

// IsHistoryKey reports whether k is a key of the history (history.go).
func IsHistoryKey(k []byte) bool {
	for _, p := range historyPrefixes {
		if bytes.HasPrefix(k, []byte(p)) {
			return true
		}
	}
	return false
}
