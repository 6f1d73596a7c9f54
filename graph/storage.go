package graph

import (
	"context"
	"io"
)

// The storage boundary: what the commands and the server need of a store
// beyond the reads and writes of Store. A backend implements Admin for an
// open store and Importer for the store of a data directory; the commands
// wire them up and decide nothing about how a store is written.

// Snapshotter reads a whole store at one moment.
type Snapshotter interface {
	// Snapshot returns everything the store holds, read at one moment, as a
	// changeset that loads into an empty store as it is.
	Snapshot(ctx context.Context) (*Changeset, error)
}

// SnapshotStreamer reads a whole store at one moment, as Snapshotter does,
// and hands it over a node at a time, so that a reader (an export) holds
// one node at a time rather than the whole store.
type SnapshotStreamer interface {
	// StreamSnapshot calls v's functions, at one read timestamp, with the
	// predicates, then the entities, then the relations, each in id order;
	// a nil function skips its kind. What a call is given is the callee's
	// only during the call. The first error a function returns stops it.
	StreamSnapshot(ctx context.Context, v SnapshotVisitor) error
}

// SnapshotVisitor is what StreamSnapshot calls.
type SnapshotVisitor struct {
	Source    func(*SourceRecord) error
	Predicate func(*Predicate) error
	Entity    func(*Entity) error
	// Relation is also told whether an entity has the relation's id: a
	// store keeps them apart, a format that names both by the same IRI
	// (N-Quads) cannot.
	Relation func(r *Relation, idIsEntity bool) error
}

// TableCheck is what a check of a store's files against their checksums
// found.
type TableCheck struct {
	Tables int   // files checked
	Bytes  int64 // their size
	// Problems are the files that failed, each naming its file.
	Problems []error
}

// Admin is an open store as the commands and the server use it: its reads
// and writes, its metadata, whole copies of it, and its health.
type Admin interface {
	Store
	Snapshotter
	// Meta returns the metadata value recorded under name ("" if none).
	Meta(name string) (string, error)
	// SetMeta records a metadata value.
	SetMeta(name, value string) error
	// Backup writes a copy of the whole store, read at one moment, that
	// the backend's restore reads back.
	Backup(w io.Writer) error
	// ReadOnly is why the store refuses writes (a full disk, a read-only
	// file system), or nil.
	ReadOnly() error
	// DiskUsage is the size of the store's files.
	DiskUsage() int64
	// Check returns the store's failure, if it has failed or was found
	// corrupt, reading it if need be.
	Check() error
	// Err returns the failure, if any, without reading the store.
	Err() error
	// Failed is closed once the store has failed.
	Failed() <-chan struct{}
	// CheckTables checks every file of the store against its checksums,
	// as they are on disk now; a file that fails makes the store failed.
	CheckTables() (TableCheck, error)
}

// ImportSource is the facts of a load, as the documents the caller parses.
// Parse is required; Head and Relations, when both are set, let a load
// into a new store read the documents in two passes and hold no more than
// a piece of their relations at a time.
type ImportSource struct {
	// Parse parses every document whole into one changeset. A
	// *ValidationError names every problem of every document.
	Parse func() (*Changeset, error)
	// Head parses every item but the relations Relations streams (the
	// predicates, the entities, the retractions and any relation it
	// keeps), and counts those it leaves. A *ValidationError names every
	// problem it found.
	Head func() (head *Changeset, relations int, err error)
	// Relations calls piece with the relations Head left, a piece at a
	// time and in order, and returns the first error piece returns, or a
	// *ValidationError naming every problem of the relations read. A piece
	// is the caller's again once piece returns.
	Relations func(piece func([]RelationChange) error) error
}

// ImportOptions configures Importer.Import.
type ImportOptions struct {
	// DryRun checks the facts and plans them, and writes nothing.
	DryRun bool
	// Seed, if set, gives what a new store holds before the facts: a store
	// built for them is built with it, planned first and the facts over it.
	// It is called only when a store is built.
	Seed func() (*Changeset, error)
	// NewMeta is metadata a store built for the facts records.
	NewMeta map[string]string
	// ChangedMeta is metadata a load that changed an existing store
	// records, under the names not yet recorded.
	ChangedMeta map[string]string
	// MemoryBudget, if positive, bounds the memory a build's keys take
	// while they are sorted; beyond it they spill to disk.
	MemoryBudget int64
	// Progress, if set, is given the number of items a write will make
	// and returns what is then called with the number written so far (or
	// nil).
	Progress func(items int) func(done int)
	// Opened, if set, is called with the existing store the facts go into
	// once it is open, before they are planned (after a build, with the
	// store built), and returns the store a dry run plans them against:
	// st, or another that the caller closes after Import returns.
	Opened func(ctx context.Context, st Admin) (Store, error)
	// Report, if set, is told how the load goes: a message and its fields,
	// as key and value pairs.
	Report func(msg string, fields ...any)
}

// ImportMethod is how a load was written.
type ImportMethod string

// The methods of a load: a new store built whole, a new store built from
// streamed relations, an existing store written anew with the facts and
// swapped in, or the facts written into an existing store in transactions
// (one, or journaled batches that a crash rolls back); a dry run writes
// nothing.
const (
	ImportBuilt     ImportMethod = "built"
	ImportStreamed  ImportMethod = "streamed"
	ImportRebuilt   ImportMethod = "rebuilt"
	ImportJournaled ImportMethod = "journaled"
	ImportDryRun    ImportMethod = "dry-run"
)

// ImportResult is what a load did.
type ImportResult struct {
	Summary Summary
	// Plan is the facts' plan against the store, with the changes a dry
	// run lists and the warnings of a load; nil for a build into a new
	// directory.
	Plan   *Plan
	Method ImportMethod
}

// Importer loads facts of any size into a store all or nothing, and
// chooses how: a build into a new directory, the store written anew with
// a load large beside it, or transactions.
type Importer interface {
	Import(ctx context.Context, src ImportSource, o ImportOptions) (ImportResult, error)
}
