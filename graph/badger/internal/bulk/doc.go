// Package bulk builds a new Badger database without Badger's write path:
// keys grouped in families (the keys of one prefix) are packed into chunks
// of memory, sorted there (or, past a memory budget, in runs spilled to
// disk and merged), and handed in key order, several families at a time,
// to package badgerfmt, which writes them straight into SSTables and then
// a MANIFEST that names the tables, all at the last level, as Badger's
// StreamWriter records sorted data. Why not StreamWriter itself is in
// badgerfmt's documentation.
//
// bulk knows nothing of Badger's formats: everything that does is in
// badgerfmt. Its tests read the MANIFEST back with Badger's exported
// ReplayManifestFile, then open the database with Badger, write, flatten and
// reopen it, so that a Badger that changes what badgerfmt writes fails them
// rather than a user's load.
//
// # Contract
//
//   - Start refuses options it cannot honour (CheckOptions): encryption, an
//     in-memory or read-only database, a value log in another directory.
//   - The directory is new and empty, and the caller's alone while the build
//     runs. Every file is synced as it is written; the MANIFEST is written
//     last, by Wait, so a directory without one was not finished.
//   - Keys are distinct within a family, and families do not overlap (Wait
//     checks; keys out of order fail the build rather than read wrong).
//     Every key is written at version 1 with its value inline.
//   - The caller opens the result with Badger, which checks it, before it
//     relies on it; renames it into place and syncs the parent directory.
package bulk
