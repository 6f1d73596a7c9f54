package badger

import (
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
