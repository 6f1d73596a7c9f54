package badger

import bg "github.com/dgraph-io/badger/v4"

// ViewOf runs fn in a read transaction as the store's reads run (at its
// pinned timestamp, if it has one).
func ViewOf(s *Store, fn func(txn *bg.Txn) error) error { return s.view(fn) }
