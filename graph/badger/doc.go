// Package badger is the Badger implementation of graph.Store.
//
// # Key layout
//
// Every key starts with a two-byte prefix; parts are separated by 0x00 (ids
// and normalised names never contain it). Values are JSON where there is one.
//
//	e:<id>                        entity
//	r:<rel>                       relation
//	p:<predicate>                 predicate
//	o:<subject>␀<pred>␀<rel>      forward adjacency: "where did X go" is a prefix scan
//	i:<object>␀<pred>␀<rel>       reverse adjacency: "who came to Y" is a prefix scan
//	x:<pred>␀<rel>                relations by predicate
//	t:<type>␀<id>                 entities by type
//	n:<normalised name>␀<id>      names and aliases (graph.Normalize), for exact and prefix lookups
//	w:<word>␀<id>␀<name>          words of names and aliases (with the normalised name they are in)
//	g:<trigram>␀<len>␀<end>       trigrams of names and aliases, for fuzzy search: postings (id,
//	                              name and a signature of its trigrams) packed in blocks of about 8,
//	                              cut where the ids say (postings.go); <len> is the name's letters
//	                              (its trigrams) in two bytes, base 255 plus one, so that a
//	                              trigram's postings run from the shortest name
//	h:<trigram>␀<len>␀<id>␀<name> the same postings one a key, only while a migration packs them
//	d:<date>␀<rel>                relations by date ("2022" sorts before "2022-01")
//	D:<entity>␀<date>␀<rel>       relations of one entity by date, for timelines
//	q:<date>␀<rel>, Q:<entity>␀…  periods (relations with an endDate, or open at the end:
//	                              timing SINCE) by start date, so that a range finds the
//	                              periods that began before it
//	f:<object>␀<pred>␀<unit>␀<rel> relations with a quantity (figures): amount, subject, dates
//	F:<object>␀<pred>␀<unit>      summary of those figures: how many, the largest, the latest
//	c:<counter>                   counts (8-byte big-endian): entities, type:<T>, relations, pred:<P>,
//	                              deg:<entity> (relations of an entity), df:w:<word> and df:g:<trigram>
//	                              (postings, so that search reads the rarest terms first), and
//	                              adj:<entity>␀<kind>[␀<pred>] (see below), and timeline: and
//	                              timeline:<pred> (dated relations, for the whole graph's timeline), and
//	                              src:<source> (the relations citing a source record; dropped at zero)
//	s:<source>                    source record (graph.SourceRecord; sources.go)
//	k:<url>                       the id of the source record with this URL
//	S:<source>␀<rel>              the relations citing a source record, each once
//	m:<name>                      metadata: m:layout (the key layout, see below), m:seeded
//	j:<load>, u:<load>␀<key>      journal and undo records of a load in progress (see Load)
//	H:, T:, v:, W:                the history: changes, changes by time, what each change did to
//	                              an item (its value before), an entity's relations before a
//	                              change (history.go)
//
// The adjacency counters c:adj:<entity>␀<kind>␀<pred> count an entity's
// relations of one predicate, and c:adj:<entity>␀<kind> those of every
// predicate, by kind: o (the entity is the subject), i (the object), l (both:
// a relation from the entity to itself, listed as OUT and as IN) and d (the
// dated relations that touch it, each once: its timeline). They are written
// in the same transaction as the relations (a counter that falls to zero is
// deleted), so that totalCount of an entity's relations, in a direction,
// with or without predicates, and of its timeline without a date range reads
// a counter or three per predicate asked (BOTH is o + i - l) whatever the
// entity's degree. Counts with other filters scan, and the counters say
// first how many relations the scan reads; a count with a date range
// counts the keys of the date index over the range, and reads relations
// only for filters the keys cannot answer (cost.go).
//
// # The cost of a read
//
// Every read charges the request's graph.Budget, carried by its context:
// a relation or an entity decoded, an index entry read without its record,
// a key counted (cost.go). A read past the budget stops with an ELIMIT
// error; a count that the counters say would read more than is left is
// refused before it reads.
//
// The figures index (figures.go) holds what grouping and ranking figures
// needs, so that a figures query reads neither the relations nor every
// relation: its key ends in the relation id (a slug), so the unit before it
// may hold any byte. Its summaries are kept like the counters, in the write's
// transaction, from the figures added and removed; a summary whose largest or
// latest figure goes is summed up again from its part of the index. Figures
// of the whole graph or of an object, grouped by object, read the summaries
// alone (one per object, predicate and unit); a subject or a date range reads
// the index (a subject, its relations).
//
// # Layout versions
//
// LayoutVersion numbers this layout; every store records it in m:layout
// (Open writes it into a new store, Build into the one it builds) and every
// backup carries it in its header. Open refuses a store that records a newer
// layout, or a value that is not a layout, with ErrLayout and a message that
// says what to do, before it writes anything. An older layout is migrated
// when the store is opened for writing (and refused read-only, which cannot
// migrate). Restore refuses a backup of a newer layout, and restores one of an
// older layout and migrates it (a backup taken before an upgrade stays one).
//
//	1  a pair index, l:<a>␀<b>␀<rel> both ways; migrated by deleting it
//	2  no pair index
//	3  adjacency counters (c:adj:); migrated by counting them in one read of
//	   the relations (r:), written in batches (those of an interrupted
//	   migration are dropped first)
//	4  trigram postings ordered by the length of the name, g:<trigram>␀<len>␀<id>␀<name>
//	   (3 had g:<trigram>␀<id>␀<name>); migrated as for 6
//	5  the figures index and its summaries (f:, F:); migrated by dropping both
//	   and writing them from one read of the relations
//	6  trigram postings packed in blocks, g:<trigram>␀<len>␀<end> (4 and 5 had a
//	   key a posting); migrated by dropping g: and writing it again from the entities:
//	   the postings one a key under h: (Badger sorts them), then packed in key order into
//	   g:, and h: dropped; an interrupted run starts again (the counts c:df:g:, of
//	   postings, are unchanged)
//	7  counters of dated relations (c:timeline:, c:timeline:<pred>), and figures whose
//	   values end with their timing and whose summaries rank "latest" by the end of
//	   a period (graph.Figure.AsOf); migrated by counting the dated relations and
//	   writing the figures index and its summaries again, from one read of the
//	   relations each
//
// A store written before layouts were recorded has no m:layout. It was
// written by layout 1 or 2: one holding l: keys is taken for layout 1, any
// other for layout 2; either is migrated, and the result is recorded.
//
// # Writes
//
// Store.Apply and Store.Load plan a changeset with graph.PlanChangeset and
// write the plan's keys, moving index entries from the old state to the new.
// A write that fits in one transaction is one transaction; a larger one is
// applied in journaled batches and is still all or nothing: a failure rolls it
// back at once, a crash rolls it back when the store is next opened. Into a
// store that holds data the batches go through one WriteBatch, each with one
// undo record of its keys' old values (undo.go).
//
// Every commit is synced before a write returns (Options.NoSync turns that
// off). Writes are refused with graph.ENOSPACE while the directory has less
// free than a reserve (space.go: Badger writes through memory maps, which a
// full disk answers with SIGBUS), and a store opened with less free is opened
// read-only. The reserve is at least MinReserve, computed from Badger's
// options (what it may still write once writes stop: the rest of a memtable
// and its flush, and a compaction of level 0); a journaled load checks it
// before each batch and every 15% of the memtable's bytes. A file system
// mounted read-only opens the store read-only, and says so. Backup and
// Restore (backup.go) write and check a backup that ends with the SHA-256 of
// the rest; Restore builds the store beside its directory and renames it
// into place, as Build does.
//
// # Faults
//
// Every long operation (Build, Rebuild, journaled loads, Restore, Backup,
// the migrations of Open) ends, wherever a kill or an I/O error stops it, in
// the old state or the new one: the fault-injection tests of cmd/emigraph
// (faults_test.go) kill or fail each at its writes, syncs and renames. What
// a killed operation leaves, the next Open removes or refuses
// (leftovers.go): side directories of builds and restores, Badger's
// memtable and value logs of 0 bytes (which Badger itself would refuse for
// ever), undo records whose load had ended, and a restore written in place
// (RESTORE-UNFINISHED.lock), which is refused. A store opened read-only with
// a journaled load left unfinished is read as it was before that load
// (pinned.go: Badger's managed mode, reads at the timestamp before the
// journal's), so that a server restarted on a full disk serves reads; the
// load is rolled back at the next open for writing. One fault ends badly, in
// Badger itself (v4.9.6): an EIO from the sync of the MANIFEST after it
// records a new level-0 table makes Badger delete the table's file but keep
// the record, and the store is refused at every open after ("file does not
// exist for table N"); the data is in the table Badger flushed again.
//
// # The directory's lock
//
// Open takes the lock of the store's directory before it reads or changes a
// file of it, and holds it until Close (dirlock_unix.go): a flock of the
// directory itself, exclusive to write and shared to read, which is the
// lock Badger takes (Open hands Badger the store with its own lock
// bypassed), so that earlier releases, which let Badger lock, and Rebuild,
// which takes it before it opens the store, exclude the same processes. A
// store held elsewhere is refused with ErrLocked, untouched. A writer writes
// its pid into LOCK, as Badger does. A read-only open of a store a crash
// left unclosed must cut its memtable logs (trimMemtableLogs), which it does
// under the exclusive lock (another reader could have them mapped) before
// going on with the shared one.
//
// # Corruption and failures
//
// Badger leaves checksums unchecked by default, and what it does with a
// table that fails one hides it (verify.go), so the store checks its tables
// itself: every table's index and blocks against their checksums, read
// from disk outside Badger, before Badger opens the store (Open refuses a
// store with a table that fails, naming it: a *CorruptError), and again on
// demand (Store.VerifyTables: before every Backup, which then refuses to
// copy it; by a server every so often). Badger checks each block it reads
// (OnBlockRead) and each value it reads from the value log. Verify checks a
// closed store whole: the tables, then every key (verifystore.go). Once a
// store has found a table corrupt it refuses reads and writes (Err).
//
// When Badger loses its state (it could not create a memtable, out of file
// descriptors: from then on every read panics inside it), the store records
// a failure (health.go): the write that met it, a read that panics, or
// Check, finds it; Err wraps ErrFailed, Failed is closed, every later read
// and write is refused with it, and Close leaves Badger as it is, for the
// process to exit (a server does) and the next open to replay the logs.
//
// # Loading a data directory
//
// Directory.Import (graph.Importer) is how a load goes into a data
// directory, whatever its size, and chooses among the ways below: into a new
// or empty directory, Build (streamed when the source can stream its
// relations, whole otherwise); into a store large beside the load, a
// transactional Load; into one small beside it, Rebuild. The caller (emigraph
// load) gives it the parsing of its files and the seeding, and decides
// nothing about how the store is written.
//
// # Building a store
//
// Build makes a new store from a changeset in a new or empty directory,
// which the caller then opens (Directory.Import does, into a new directory,
// with the seed as BuildOptions.Seed: planned first, the changeset over it):
// the keys of each prefix are built in memory, sorted (in runs spilled to
// disk and merged beyond BuildOptions.MemoryBudget), and written straight
// into SSTables with Badger's table builder, and a MANIFEST
// names them (package internal/bulk sorts and spills the families;
// internal/badgerfmt, the one package that leans on Badger's private
// formats, writes the tables and the MANIFEST, and its tests read them back
// with Badger). The result is built in a directory beside the target, opened and
// checked by Badger, synced, renamed into place and the parent synced; if
// Badger refuses it, the same changeset is loaded through transactions
// instead. A Store never closes or replaces its own database: Build writes
// where nothing holds a store, and Open removes what a killed Build left.
//
// A build may stream the relations (BuildOptions.Relations, stream.go;
// Directory.Import does when its source can, as emigraph load's JSON Lines
// can): the predicates and entities are planned whole
// (graph.PlanStream), since every relation is checked against them, and the
// relations come a piece at a time, are checked, put into the families of
// their keys by the same sinks the whole build uses (relationSinks, over
// relationIndex), and dropped. What the build holds is then the entities,
// the budget's keys, counters by entity and predicate, and a 64-bit hash of
// each relation id, to find a relation stated twice; that stops the build
// (graph.ErrRestated), and the caller builds the changeset whole, since the
// two statements are merged. Badger refusing a streamed build's tables is an
// error: its relations are gone.
//
// # Rebuilding a store
//
// A load large beside the store it goes into (Store.ShouldRebuild: at least
// 10,000 items, and at least a quarter of the entities and relations the
// store holds) is cheaper written anew than through Badger's write path:
// Rebuild (rebuild.go; Directory.Import calls it once it has let go of the
// directory)
// takes the directory's lock as Badger takes it and keeps it to the end,
// reads the store (one snapshot, taken as it is, not planned again), plans
// the changeset over it as Load would (a planView, as for the seed), and
// builds the result with Build's tasks into <dir>.bulk-<n> beside it. The
// two directories are then exchanged in one atomic rename (Linux's
// renameat2 with RENAME_EXCHANGE), the parent is synced, and the old store,
// now the side directory, is removed; a crash before the exchange leaves the
// old store, after it the new one, and Open removes the other. Where it
// cannot swap (not Linux, a file system without RENAME_EXCHANGE, the
// directory a mount point), where there is no room for a second store, when
// Badger refuses the tables, or when the store holds keys of a family the
// build does not write, Rebuild loads through transactions instead. A
// rebuilt store holds what Load writes for the same changeset, key for key,
// but for counters: Load keeps a counter that falls to zero (c:pred:, c:df:,
// ...), a build counts from the facts and writes none.
package badger
