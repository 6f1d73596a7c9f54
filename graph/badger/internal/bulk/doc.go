// Package bulk writes a new Badger database without Badger's write path:
// keys grouped in families (the keys of one prefix) are packed into chunks
// of memory, sorted there and written straight into SSTables with Badger's
// table builder, several families at a time, then a MANIFEST in Badger's
// own format names the tables, all at the last level, as Badger's
// StreamWriter records sorted data. On this machine it is about three times
// faster per key than StreamWriter.
//
// It is the one place that leans on what Badger's VERSIONING.md lets change
// between minor versions: the table, y and pb packages, the key version
// suffix and the MANIFEST's layout (version 8, that of the Badger in
// go.mod). Its tests read the MANIFEST back with Badger's exported
// ReplayManifestFile, then open the database with Badger, write, flatten and
// reopen it, so that a Badger that changes any of these fails them rather
// than a user's load.
//
// # Contract
//
//   - Start refuses options it cannot honour (CheckOptions): encryption, an
//     in-memory or read-only database, a value log in another directory.
//   - The directory is new and empty, and the caller's alone while the build
//     runs. Every file is synced as it is written; the MANIFEST is written
//     last, by Wait, so a directory without one was not finished.
//   - Keys are distinct within a family, and families do not overlap (Wait
//     checks; tables out of order fail the build rather than read wrong).
//     Every key is written at version 1 with its value inline.
//   - The caller opens the result with Badger, which checks it, before it
//     relies on it; renames it into place and syncs the parent directory.
package bulk
