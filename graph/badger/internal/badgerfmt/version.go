package badgerfmt

// BadgerVersion is the version of github.com/dgraph-io/badger/v4 this
// package was written against and checked with; TestBadgerVersion fails
// when the build has another, so that a bump of Badger in go.mod is a
// decision to re-read what this package copies from it, not an accident.
//
// When bumping, re-check against the new Badger's source, then set this:
//   - the memtable log (memlog.go): the 20-byte header of *.mem and *.vlog
//     files (logFile.bootstrap), the entry header (meta, user meta, uvarint
//     lengths and expiry: header.Encode), the CRC-32 after each entry, the
//     transaction bits bitTxn and bitFinTxn and the commit timestamp in the
//     bitFinTxn entry's value (value.go, logFile.iterate, safeRead.Entry);
//   - a table's layout as table.OpenTable and VerifyChecksum read it
//     (checktable.go), and the table file names (table.NewFilename);
//   - the tables and the MANIFEST that Tables writes (tables.go): the key
//     version suffix (y.KeyWithTs), the MANIFEST's magic and version
//     (manifest.go: badgerManifestVersion) and its change sets;
//   - VERSIONING.md and the CHANGELOG, for what else changed in these.
//
// The tests of this package and of internal/bulk, and graph/badger's
// TestReadOnlyOpenAfterCrash and TestBulkBuildWritesWhatTransactionsWrite,
// must pass with the new version before this is changed.
const BadgerVersion = "v4.9.6"

// badgerModule is Badger's module path.
const badgerModule = "github.com/dgraph-io/badger/v4"
