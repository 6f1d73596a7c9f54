// Package badgerfmt is the one package of emigraph that reads or writes
// Badger's private formats, the ones Badger's VERSIONING.md lets change
// between minor versions; the rest of the store uses Badger's public API
// alone. It holds:
//
//   - the scan of a memtable log (*.mem) to the end of its last complete
//     transaction (MemtableLogEnd), with which a store that a crash left
//     unclosed is cut as Badger's writable open would cut it, so that its
//     read-only open can read it, and the header size of Badger's logs;
//   - the check of a table's checksums as it is on disk (CheckTable), which
//     the store runs where Badger would hide a failure;
//   - the writer of a new database's SSTables and MANIFEST (Tables), which
//     package bulk feeds with sorted families of keys.
//
// It is a package of its own, rather than part of bulk, because bulk's
// families, sorting and spilling know nothing of Badger's formats and need
// no re-reading when Badger changes, while everything here does: the
// version this was written against, and what to re-check before moving to
// another, are in BadgerVersion, which TestBadgerVersion holds to the
// Badger in the build. Only this package imports Badger's table, y and pb
// packages.
//
// # Why not Badger's StreamWriter
//
// Badger's public StreamWriter also writes sorted keys straight into
// tables at the last level, and is what Dgraph's bulk loader uses. It was
// measured against Tables on the million-relation load (alternating runs,
// cmd/emigraph/BENCHMARKS.md, "Badger's StreamWriter against the private
// writer"): the whole load took 1.6 times the CPU with StreamWriter and 1.8
// times the peak memory, and longer wall time in every pair of runs.
// StreamWriter takes keys as protocol buffers, which are marshalled into
// its buffer, unmarshalled again and copied into entries, a key at a time;
// and it builds tables of 64 MiB, up to sixteen at once. So the private
// writer stays, at the price of this package's version check. A build
// whose tables Badger refuses falls back to transactions
// (graph/badger.Build), so a format change that the tests missed costs a
// slow load, not a store.
package badgerfmt
