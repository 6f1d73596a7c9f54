package badger

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// Key prefixes. See the package documentation for the whole layout.
const (
	pEntity    = "e:"
	pRelation  = "r:"
	pPredicate = "p:"
	pOut       = "o:"
	pIn        = "i:"
	pByPred    = "x:"
	pByType    = "t:"
	pName      = "n:"
	pWord      = "w:"
	pTrigram   = "g:"
	pDate      = "d:"
	pEntDate   = "D:"
	pPeriod    = "q:"
	pEntPeriod = "Q:"
	pCount     = "c:"
	pMeta      = "m:"
	sep        = "\x00"
)

// LayoutVersion numbers the key layout (see the package documentation); it
// changes when a store written before would read wrong or slowly. Every
// store records it in m:layout and every backup in its header; Open refuses
// a newer or unknown one and migrates an older one (layout.go).
//
//	1: a pair index under l: keys
//	2: no pair index (l:)
//	3: adjacency counters (c:adj:)
//	4: trigram postings ordered by the length of the name (g:<trigram>␀<len>␀…)
//	5: the figures index and its summaries (f:, F:; figures.go)
//	6: trigram postings packed in blocks (g:<trigram>␀<len>␀<end>; postings.go)
//	7: counters of dated relations (c:timeline:), figures with their timing
const LayoutVersion = 7

var _ graph.Store = (*Store)(nil)

// Store is the Badger implementation of graph.Store.
type Store struct {
	db   *bg.DB
	dir  string
	opts bg.Options
	// writeMu serialises writers so that a changeset is planned against the
	// state it will be applied to.
	writeMu sync.Mutex
	// reserve and freeSpace guard writes (see checkSpace).
	reserve   int64
	freeSpace FreeSpace
	// readOnly, when set, is the error every write gets: the store was
	// opened read-only (asked for, or for want of free space).
	readOnly error
	// lock is the directory's lock, held from before Badger opens the
	// store until Close (nil in memory, or when the caller holds it).
	lock *storeLock
	// health: an internal failure, or corruption, seen (health.go)
	health health
	// readTs, when set, is the timestamp every read is made at: a store
	// opened read-only with a load a crash left unfinished is read as it
	// was before it (pinned.go).
	readTs uint64
	// searches keeps recent searches' answers (searchcache.go)
	searches searchCache
}

// Logger receives Badger's own log lines (Badger's Logger, named here so
// that callers need not import Badger).
type Logger interface {
	Errorf(format string, args ...any)
	Warningf(format string, args ...any)
	Infof(format string, args ...any)
	Debugf(format string, args ...any)
}

var _ bg.Logger = Logger(nil)

// Options configures Open.
type Options struct {
	// Logger receives Badger's own log lines; nil silences them.
	Logger Logger
	// InMemory keeps everything in memory (dir is ignored); for tests and benchmarks.
	InMemory bool
	// ReadOnly opens the store without writing anything into it (Badger's
	// read-only mode, which other read-only opens may share); writes are
	// refused. The store must exist.
	ReadOnly bool
	// NoSync acknowledges a write once Badger has it in memory, without
	// waiting for it to reach the disk: faster, but a power loss or a crash
	// of the machine can lose acknowledged writes. By default every commit
	// is synced (Badger's SyncWrites) before the write returns.
	NoSync bool
	// Reserve is the free space the directory keeps (see MinReserve): a
	// write is refused when less is free, and a store opened with less free
	// is opened read-only. 0 means MinReserve at these options; less than
	// that is refused by Open; negative, none (for tests, and callers that
	// watch the space themselves).
	Reserve int64
	// FreeSpace reports the free space of the directory; nil reads the
	// file system's (statfs).
	FreeSpace FreeSpace
	// MemTableSize is Badger's memtable size in bytes (0: Badger's default,
	// 64 MiB); it also bounds one transaction (15% of it). For tests.
	MemTableSize int64
	// CacheSize is the memory of Badger's block cache in bytes, which keeps
	// blocks of the tables decompressed between reads (0 or less:
	// DefaultCacheSize; Badger reads its compressed tables through it and
	// cannot do without). The tables' indexes and Bloom filters are read in
	// place from the memory-mapped tables and need no cache of their own.
	CacheSize int64
	// Checksums is when Badger checks the checksums of the table blocks it
	// reads, besides the store's own check of every table when it opens:
	// "" is the store's choice (see blockChecksums), else "none", "table"
	// (each table when Badger opens it), "block" (each block read from
	// disk) or "table+block". For benchmarks (cmd/emigraph/BENCHMARKS.md).
	Checksums string
	// NoTableCheck skips the store's own check of every table when it opens
	// (a store with a corrupt table then opens, and may answer wrong); for
	// benchmarks.
	NoTableCheck bool
	// restoring: Restore opens the directory it restores into in place,
	// which its marker makes Open refuse to anyone else (leftovers.go).
	restoring bool
	// lockHeld: the caller holds the directory's lock, as Badger takes it
	// (Rebuild, which holds it from before it opens the store until it has
	// swapped the rebuilt one in), so Badger does not take it again.
	lockHeld bool
}

// DefaultCacheSize is the block cache of a store opened without
// Options.CacheSize: enough for the blocks a server reads again and again
// (the hubs', the index pages of search), small enough that a server over a
// million relations stays under 300 MiB (cmd/emigraph/BENCHMARKS.md has the figures).
const DefaultCacheSize = 64 << 20

// Open opens or creates the store in dir. When the directory's file system
// has less free than the reserve, an existing store is opened read-only
// (ReadOnly reports why) and a new one is refused.
//
// Open takes the directory's lock (storeLock: exclusive to write, shared to
// read) before it reads or changes any file of the store, and holds it until
// Close: a store another process holds is refused with ErrLocked, having
// been neither read nor changed.
func Open(dir string, o Options) (*Store, error) {
	reserve, err := reserveOf(o)
	if err != nil {
		return nil, err
	}
	st := &Store{dir: dir, reserve: reserve, freeSpace: o.FreeSpace}
	if st.freeSpace == nil {
		st.freeSpace = statfsFree
	}
	readOnly, err := st.openMode(o)
	if err != nil {
		return nil, err
	}
	opts := badgerOptions(dir, o)
	if o.InMemory {
		opts = opts.WithDir("").WithValueDir("")
	} else if !o.lockHeld {
		if st.lock, err = lockForOpen(dir, readOnly); err != nil {
			return nil, err
		}
		// held here, and until Close: Badger must not take it again
		opts = opts.WithBypassLockGuard(st.lock != nil)
	}
	if readOnly {
		opts = opts.WithReadOnly(true)
	}
	if !o.InMemory {
		// what a killed process left, looked at under the lock: a restore
		// not finished is refused, empty logs removed (leftovers.go)
		if err := checkLeftovers(dir, Options{ReadOnly: readOnly, restoring: o.restoring}); err != nil {
			st.lock.release()
			return nil, err
		}
		opts = memtableForLogs(dir, opts)
	}
	if !o.InMemory && !o.NoTableCheck {
		// before Badger reads a table (see blockChecksums)
		if err := checkTablesAtOpen(dir, opts); err != nil {
			st.lock.release()
			return nil, err
		}
	}
	db, err := bg.Open(opts)
	if err != nil {
		st.lock.release()
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, fmt.Errorf("%w: %s (is `emigraph serve` running on it?)", ErrLocked, dir)
		}
		return nil, err
	}
	st.db, st.opts = db, opts
	if err := st.prepare(readOnly, o.InMemory); err != nil {
		if st.db != nil {
			st.db.Close()
		}
		st.lock.release()
		return nil, err
	}
	if !readOnly && !o.InMemory {
		// the directory is held: no build of it runs but one that holds its side's lock
		removeBulkLeftovers(dir)
	}
	return st, nil
}

// openMode decides whether the store opens read-only (asked for, or for want
// of free space, which st.readOnly then says), from what it can learn
// without opening a file of the store.
func (st *Store) openMode(o Options) (readOnly bool, err error) {
	if o.InMemory {
		return false, nil
	}
	dir := st.dir
	_, noManifest := os.Stat(filepath.Join(dir, bg.ManifestFilename))
	readOnly = o.ReadOnly
	if !readOnly {
		// a read-only mount is served read-only, and says so (not "full")
		if readOnly, err = st.onReadOnlyMount(dir); err != nil {
			return false, err
		}
	}
	if !readOnly && st.reserve > 0 {
		if free, err := st.freeSpace(dir); err == nil && free < st.reserve {
			full := noSpace(free, st.reserve, dir)
			if noManifest != nil {
				return false, graph.Errorf(graph.ENOSPACE, "%s: a new store cannot be created", full.Message)
			}
			readOnly = true
			st.readOnly = graph.Errorf(graph.ENOSPACE, "%s; the store was opened read-only: free space and restart", full.Message)
		}
	}
	if readOnly {
		if st.readOnly == nil {
			st.readOnly = graph.Errorf(graph.EINVALID, "the store is open read-only")
		}
		if noManifest != nil {
			return false, fmt.Errorf("%s holds no store to open read-only", dir)
		}
	}
	return readOnly, nil
}

// lockForOpen takes the lock of the store in dir for Open: exclusive to
// write (creating dir, as Badger would), shared to read. A store a crash
// left unclosed has memtable logs that Badger's read-only mode refuses
// until they are cut (trimMemtableLogs); another reader may have them
// mapped, so a read-only open cuts them only under the exclusive lock, and
// goes on with the shared one, or is refused having changed nothing.
func lockForOpen(dir string, readOnly bool) (*storeLock, error) {
	if !readOnly {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
	}
	lock, err := lockStore(dir, !readOnly)
	if err != nil || lock == nil || !readOnly {
		return lock, err
	}
	cut, err := memtableLogsToCut(dir)
	if err == nil && cut {
		if err = lock.flock(true); err != nil {
			err = fmt.Errorf("%w; besides, the store was left unclosed (a crash?) and a read-only open must cut its memtable logs, which it does only when no other process has it open", err)
		} else if err = trimMemtableLogs(dir); err == nil {
			err = lock.flock(false)
		}
	}
	if err != nil {
		lock.release()
		return nil, err
	}
	return lock, nil
}

// prepare reads the layout of a store Badger has opened: read-only, it must
// be current and no load unfinished; for writing, an unfinished load is
// rolled back and an older layout migrated.
func (st *Store) prepare(readOnly, inMemory bool) error {
	// the layout first: a store of a layout this release does not read is
	// refused before anything is written into it
	layout, err := readLayout(st.db, st.dir)
	switch {
	case err != nil:
		return err
	case readOnly:
		if err := st.checkReadOnlyLayout(layout); err != nil {
			return err
		}
		return st.pinBeforeUnfinishedLoad(st.opts)
	}
	// a rollback of a load into an empty store empties it, m:layout too
	if err := st.recover(); err != nil {
		return err
	}
	if layout, err = readLayout(st.db, st.dir); err != nil {
		return err
	}
	if err := st.upgradeLayout(layout); err != nil {
		return err
	}
	if layout.version < LayoutVersion && !inMemory && !layout.empty {
		// a migration leaves Badger holding what it wrote (memtables,
		// tables being compacted: hundreds of MiB for a million
		// relations), which a server would carry while it serves:
		// closed and opened again, it starts as a store that was not
		// migrated, and the memory goes back to the system. A new store
		// has nothing to migrate (its layout is only recorded): opening
		// it twice would double its open for nothing.
		err := st.db.Close()
		st.db = nil
		if err != nil {
			return err
		}
		db, err := bg.Open(st.opts)
		if err != nil {
			return err
		}
		st.db = db
		debug.FreeOSMemory()
	}
	return nil
}

// badgerOptions are the Badger options of a store in dir (Open's, and those
// Build writes for): whatever o asks of Badger is here, so that a build
// sees, and refuses, what it cannot honour.
func badgerOptions(dir string, o Options) bg.Options {
	var logger bg.Logger // nil, not an interface holding nil
	if o.Logger != nil {
		logger = o.Logger
	}
	opts := bg.DefaultOptions(dir).WithLogger(logger).WithInMemory(o.InMemory).WithSyncWrites(!o.NoSync).WithBypassLockGuard(o.lockHeld).
		WithChecksumVerificationMode(checksumMode(o.Checksums)).WithVerifyValueChecksum(true)
	if o.CacheSize > 0 {
		opts = opts.WithBlockCacheSize(o.CacheSize)
	} else {
		opts = opts.WithBlockCacheSize(DefaultCacheSize)
	}
	if o.MemTableSize > 0 {
		// Badger refuses a value threshold above its batch size (15% of the memtable)
		opts = opts.WithMemTableSize(o.MemTableSize).WithValueThreshold(min(opts.ValueThreshold, o.MemTableSize*15/100/2))
	}
	return opts
}

// ErrLocked is returned by Open when another process holds the directory.
var ErrLocked = errors.New("the data directory is in use by another process")

// ReadOnly returns why writes are refused (an error with code
// graph.ENOSPACE when the store was opened read-only for want of free
// space), or nil when the store takes writes.
func (s *Store) ReadOnly() error { return s.readOnly }

// Size returns the bytes the store takes on disk (Badger's estimate,
// updated every minute).
func (s *Store) Size() int64 {
	lsm, vlog := s.db.Size()
	return lsm + vlog
}

// Close closes the database, flushing everything to disk, and lets the
// directory's lock go. A store that failed (Failed) is not closed: Badger
// could wait for ever on a flush it cannot make, and its goroutines may
// still write, so the lock stays held until the process exits (what was
// acknowledged is in the logs, which the next open replays); Close returns
// the failure.
func (s *Store) Close() error {
	if err := s.failure(); err != nil {
		return err
	}
	err := s.db.Close()
	if lerr := s.lock.release(); err == nil {
		err = lerr
	}
	return err
}

// --- encoding -------------------------------------------------------------

func key(parts ...string) []byte { return []byte(strings.Join(parts, "")) }

func entityKey(id string) []byte    { return key(pEntity, id) }
func relationKey(id string) []byte  { return key(pRelation, id) }
func predicateKey(id string) []byte { return key(pPredicate, id) }
func countKey(name string) []byte   { return key(pCount, name) }

func getJSON(txn *bg.Txn, k []byte, v any) (bool, error) {
	item, err := txn.Get(k)
	if errors.Is(err, bg.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, item.Value(func(b []byte) error { return json.Unmarshal(b, v) })
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // our own types always marshal
	}
	return b
}

func encodeCursor(k []byte) string { return base64.RawURLEncoding.EncodeToString(k) }

func decodeCursor(c string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 2 {
		return nil, graph.Errorf(graph.EINVALID, "after: %q is not a cursor returned by this API", c)
	}
	return b, nil
}

// entityIndexKeys lists the index keys of an entity (see entityIndex).
func entityIndexKeys(e *graph.Entity) map[string][]byte {
	keys := map[string][]byte{}
	entityIndex(e, true, true, func(prefix, a, b, c string) {
		k := prefix + a + sep + b
		if c != "" {
			k += sep + c
		}
		keys[k] = nil
	})
	return keys
}

// entityIndex calls put with the index keys of an entity, as a prefix and
// two or three parts joined by 0x00 (no values): with names, its type, names,
// and words of names; with trigrams, the trigrams of names. A key can come
// more than once (a word in the name and in an alias).
func entityIndex(e *graph.Entity, names, trigrams bool, put func(prefix, a, b, c string)) {
	if names {
		put(pByType, string(e.Type), e.ID, "")
	}
	for _, n := range e.Names() {
		norm := graph.Normalize(n)
		if norm == "" {
			continue
		}
		if names {
			put(pName, norm, e.ID, "")
			for _, w := range graph.Words(norm) {
				put(pWord, w, e.ID, norm)
			}
		}
		if trigrams {
			// the length of the name orders the postings, so that fuzzy search
			// reads only the names short enough to reach its floor (search.go)
			idAfterLen := trigramLen(norm) + sep + e.ID
			for _, g := range graph.Trigrams(norm) {
				// the matched name rides in the posting so that fuzzy scoring reads
				// nothing else; the store packs these postings in blocks (postings.go)
				put(pTrigram, g, idAfterLen, norm)
			}
		}
	}
}

// relationIndexKeys lists the index keys of a relation (see relationIndex).
func relationIndexKeys(r *graph.Relation) map[string][]byte {
	keys := map[string][]byte{}
	relationIndex(r, func(prefix, v, a, b, c string) {
		k := prefix + a
		if b != "" {
			k += sep + b
			if c != "" {
				k += sep + c
			}
		}
		if v == "" {
			keys[k] = nil
		} else {
			keys[k] = []byte(v)
		}
	})
	return keys
}

// relationIndex calls put with every index key of a relation, as a prefix
// and up to three parts joined by 0x00 (an empty part ends the key):
// adjacency both ways, by predicate, by date, by date per entity, the
// figures index (figures.go), and the source records cited (sources.go).
// Adjacency values hold the other end, so that walking the graph (paths,
// neighbourhoods) reads keys and values of the index alone.
func relationIndex(r *graph.Relation, put func(prefix, v, a, b, c string)) {
	put(pOut, r.Object, r.Subject, r.Predicate, r.ID)
	put(pByPred, "", r.Predicate, r.ID, "")
	if r.Object != "" {
		put(pIn, r.Subject, r.Object, r.Predicate, r.ID)
	}
	if r.Date != "" {
		put(pDate, "", r.Date, r.ID, "")
		put(pEntDate, "", r.Subject, r.Date, r.ID)
		if r.Object != "" && r.Object != r.Subject {
			put(pEntDate, "", r.Object, r.Date, r.ID)
		}
		if isPeriod(r) {
			// periods again, by start, for ranges that begin after they do
			put(pPeriod, "", r.Date, r.ID, "")
			put(pEntPeriod, "", r.Subject, r.Date, r.ID)
			if r.Object != "" && r.Object != r.Subject {
				put(pEntPeriod, "", r.Object, r.Date, r.ID)
			}
		}
	}
	if fig, ok := graph.FigureOf(r); ok {
		a, b := groupOf(fig).indexParts()
		put(pFigure, figureValue(fig), a, b, r.ID)
	}
	for _, id := range r.SourceIDs() {
		put(pCites, "", id, r.ID, "")
	}
}

// --- writes ---------------------------------------------------------------

// txnView reads a Badger transaction for graph.PlanChangeset.
type txnView struct{ txn *bg.Txn }

func (v txnView) Predicate(id string) (*graph.Predicate, error) {
	var p graph.Predicate
	ok, err := getJSON(v.txn, predicateKey(id), &p)
	if !ok || err != nil {
		return nil, err
	}
	return &p, nil
}

func (v txnView) Entity(id string) (*graph.Entity, error) {
	var e graph.Entity
	ok, err := getJSON(v.txn, entityKey(id), &e)
	if !ok || err != nil {
		return nil, err
	}
	return &e, nil
}

func (v txnView) Relation(id string) (*graph.Relation, error) {
	var r graph.Relation
	ok, err := getJSON(v.txn, relationKey(id), &r)
	if !ok || err != nil {
		return nil, err
	}
	return &r, nil
}

func (v txnView) EntityIDsByName(norm string) ([]string, error) {
	return idsByName(v.txn, norm)
}

func idsByName(txn *bg.Txn, norm string) ([]string, error) {
	prefix := key(pName, norm, sep)
	it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var ids []string
	for it.Rewind(); it.Valid(); it.Next() {
		ids = append(ids, string(it.Item().Key()[len(prefix):]))
	}
	return ids, nil
}

// Apply implements graph.Store: Load without progress reports.
func (s *Store) Apply(ctx context.Context, c *graph.Changeset, dryRun bool) (graph.Summary, error) {
	return s.Load(ctx, c, LoadOptions{DryRun: dryRun})
}

// mutation is what one plan writes: key operations and counter deltas. The
// keys of different plan items never collide (they contain the item's id),
// so the operations need no de-duplication.
type mutation struct {
	ops     []op
	counts  map[string]int64
	figures map[figureGroup]*figureDelta // what the write does to the summaries of figures (F:)
	// postings are the trigram postings the write adds (true) and removes,
	// as entityIndex lists them; resolvePostings writes the blocks that
	// hold them (postings.go)
	postings map[string]bool
}

type op struct {
	key   string
	value []byte
	del   bool
}

// writeTo adds the operation to a write batch.
func (o op) writeTo(wb *bg.WriteBatch) error {
	if o.del {
		return wb.Delete([]byte(o.key))
	}
	return wb.Set([]byte(o.key), o.value)
}

func newMutation() *mutation { return &mutation{counts: map[string]int64{}} }

func (m *mutation) put(k string, v []byte) { m.ops = append(m.ops, op{key: k, value: v}) }
func (m *mutation) remove(k string)        { m.ops = append(m.ops, op{key: k, del: true}) }

// moveIndex deletes the keys only in old and sets the keys new adds or
// changes; trigram postings, which are stored packed, are recorded for
// resolvePostings instead.
func (m *mutation) moveIndex(old, new map[string][]byte) {
	for k := range old {
		if _, keep := new[k]; !keep {
			if strings.HasPrefix(k, pTrigram) {
				m.posting(k, false)
			} else {
				m.remove(k)
			}
			m.countTerm(k, -1)
		}
	}
	for k, v := range new {
		if was, ok := old[k]; !ok || !bytes.Equal(was, v) {
			if strings.HasPrefix(k, pTrigram) {
				m.posting(k, true)
			} else {
				m.put(k, v)
			}
			if !ok {
				m.countTerm(k, 1)
			}
		}
	}
}

// countTerm keeps the number of postings of each word and trigram (c:df:w:<word>,
// c:df:g:<trigram>), so that search can read the rarest terms first.
func (m *mutation) countTerm(k string, delta int64) {
	if strings.HasPrefix(k, pWord) || strings.HasPrefix(k, pTrigram) {
		m.counts["df:"+k[:strings.IndexByte(k, 0)]] += delta
	}
}

func buildMutation(plan *graph.Plan) *mutation {
	m := newMutation()
	// room for every key up front: growing a slice of millions of ops copies it again and again
	m.ops = make([]op, 0, len(plan.Predicates)+24*len(plan.Entities)+12*len(plan.Relations))
	for _, w := range plan.Predicates {
		m.put(string(predicateKey(w.New.ID)), mustJSON(w.New))
	}
	for _, w := range plan.Entities {
		var oldKeys map[string][]byte
		if w.Old != nil {
			oldKeys = entityIndexKeys(w.Old)
		} else {
			m.counts["type:"+string(w.New.Type)]++
			m.counts["entities"]++
		}
		m.moveIndex(oldKeys, entityIndexKeys(w.New))
		m.put(string(entityKey(w.New.ID)), mustJSON(w.New))
	}
	for _, w := range plan.Relations {
		var oldKeys, newKeys map[string][]byte
		if w.Old != nil {
			oldKeys = relationIndexKeys(w.Old)
			m.counts["pred:"+w.Old.Predicate]--
			m.counts["relations"]--
			m.countDated(w.Old, -1)
			m.countDegree(w.Old, -1)
			m.countAdjacent(w.Old, -1)
			m.countCitations(w.Old, -1)
		}
		if w.New != nil {
			newKeys = relationIndexKeys(w.New)
			m.counts["pred:"+w.New.Predicate]++
			m.counts["relations"]++
			m.countDated(w.New, 1)
			m.countDegree(w.New, 1)
			m.countAdjacent(w.New, 1)
			m.countCitations(w.New, 1)
			m.put(string(relationKey(w.New.ID)), relationJSON(w.New))
		} else {
			m.remove(string(relationKey(w.Old.ID)))
		}
		m.countFigures(w.Old, w.New)
		m.moveIndex(oldKeys, newKeys)
	}
	m.putSources(plan.Sources)
	return m
}

// isPeriod reports whether a relation is in the periods index (q:, Q:): a
// period with an end date, or one open at its end, which a range that
// begins after its start still overlaps.
func isPeriod(r *graph.Relation) bool {
	return r.Date != "" && (r.EndDate != "" || r.Timing == graph.Since)
}

// cDated names the counters of dated relations (layout 7): c:timeline: in all,
// c:timeline:<predicate> of each, so that a timeline of the whole
// graph counts what it lists, not every relation.
const cDated = "timeline:"

// countDated keeps the counters of dated relations (cDated).
func (m *mutation) countDated(r *graph.Relation, delta int64) {
	if r.Date != "" {
		m.counts[cDated] += delta
		m.counts[cDated+r.Predicate] += delta
	}
}

// countDegree keeps the number of relations of each entity (c:deg:<id>),
// which path search uses to widen the cheaper side first.
func (m *mutation) countDegree(r *graph.Relation, delta int64) {
	m.counts["deg:"+r.Subject] += delta
	if r.Object != "" && r.Object != r.Subject {
		m.counts["deg:"+r.Object] += delta
	}
}

// The kinds of adjacency counters (c:adj:<entity>␀<kind>[␀<predicate>]):
// the relations of which the entity is the subject, the object, both (a
// relation from the entity to itself, listed as OUT and as IN), and the
// dated relations that touch it, each counted once (its timeline). Each is
// kept per predicate and, without the predicate, in total.
const (
	adjOut   = "o"
	adjIn    = "i"
	adjLoop  = "l"
	adjDated = "d"
)

// adjKinds calls count with each adjacency counter a relation adds to: the
// entity, the kind, and the predicate ("" for the entity's total).
func adjKinds(r *graph.Relation, count func(entity, kind string)) {
	count(r.Subject, adjOut)
	if r.Object != "" {
		count(r.Object, adjIn)
		if r.Object == r.Subject {
			count(r.Subject, adjLoop)
		}
	}
	if r.Date != "" {
		count(r.Subject, adjDated)
		if r.Object != "" && r.Object != r.Subject {
			count(r.Object, adjDated)
		}
	}
}

// adjName is the name of an adjacency counter (without c:); pred "" names
// the total of the kind.
func adjName(entity, kind, pred string) string {
	if pred == "" {
		return pAdjCount + entity + sep + kind
	}
	return pAdjCount + entity + sep + kind + sep + pred
}

// pAdjCount starts the names of the adjacency counters.
const pAdjCount = "adj:"

// countAdjacent keeps the adjacency counters (c:adj:), so that counting
// an entity's relations reads a counter per predicate asked, not every
// relation.
func (m *mutation) countAdjacent(r *graph.Relation, delta int64) {
	adjKinds(r, func(entity, kind string) {
		m.counts[adjName(entity, kind, "")] += delta
		m.counts[adjName(entity, kind, r.Predicate)] += delta
	})
}

func encodeCount(n int64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(n))
	return b
}

func readCount(txn *bg.Txn, name string) (int64, error) {
	item, err := txn.Get(countKey(name))
	if errors.Is(err, bg.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n int64
	err = item.Value(func(b []byte) error {
		if len(b) != 8 {
			return fmt.Errorf("counter %s is corrupt", name)
		}
		n = int64(binary.BigEndian.Uint64(b))
		return nil
	})
	return n, err
}

// --- meta -----------------------------------------------------------------

// Meta returns a metadata value ("" when unset).
func (s *Store) Meta(name string) (string, error) {
	var v string
	err := s.view(func(txn *bg.Txn) error {
		item, err := txn.Get(key(pMeta, name))
		if errors.Is(err, bg.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		b, err := item.ValueCopy(nil)
		v = string(b)
		return err
	})
	return v, err
}

// SetMeta sets a metadata value.
func (s *Store) SetMeta(name, value string) error {
	if err := s.checkSpace(); err != nil {
		return err
	}
	return s.storeError(s.db.Update(func(txn *bg.Txn) error { return txn.Set(key(pMeta, name), []byte(value)) }))
}

// --- reads ----------------------------------------------------------------

// Entity implements graph.Store. This read and every other of a stored
// record or index entry is charged to the request's budget (cost.go).
func (s *Store) Entity(ctx context.Context, id string) (*graph.Entity, error) {
	return readOne(s, ctx, id, txnView.Entity)
}

// EntitiesByID implements graph.Store.
func (s *Store) EntitiesByID(ctx context.Context, ids []string) (map[string]*graph.Entity, error) {
	return readByID(s, ctx, ids, txnView.Entity)
}

// readOne reads one stored record by id with read, charged to the
// request's budget; a record that is not there is graph.ErrNotFound.
func readOne[T any](s *Store, ctx context.Context, id string, read func(txnView, string) (*T, error)) (*T, error) {
	if err := graph.BudgetOf(ctx).Records(1); err != nil {
		return nil, err
	}
	var v *T
	err := s.view(func(txn *bg.Txn) error {
		var err error
		v, err = read(txnView{txn}, id)
		return err
	})
	if err == nil && v == nil {
		return nil, graph.ErrNotFound
	}
	return v, err
}

// readByID reads the stored records among ids with read, keyed by id, in
// one transaction, each distinct id charged to the request's budget once.
func readByID[T any](s *Store, ctx context.Context, ids []string, read func(txnView, string) (*T, error)) (map[string]*T, error) {
	out := make(map[string]*T, len(ids))
	budget := graph.BudgetOf(ctx)
	err := s.view(func(txn *bg.Txn) error {
		for _, id := range ids {
			if _, done := out[id]; done {
				continue
			}
			if err := budget.Records(1); err != nil {
				return err
			}
			v, err := read(txnView{txn}, id)
			if err != nil {
				return err
			}
			if v != nil {
				out[id] = v
			}
		}
		return nil
	})
	return out, err
}

// EntitiesByName implements graph.Store: the name index's keys are
// counted, and only the first limit entities read.
func (s *Store) EntitiesByName(ctx context.Context, name string, limit int) ([]*graph.Entity, int, error) {
	norm := graph.Normalize(name)
	if norm == "" {
		return nil, 0, nil
	}
	var out []*graph.Entity
	total := 0
	budget := graph.BudgetOf(ctx)
	err := s.view(func(txn *bg.Txn) error {
		prefix := key(pName, norm, sep)
		it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if total++; total%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := budget.Keys(1); err != nil {
				return err
			}
			if limit > 0 && total > limit {
				continue // counted, not read
			}
			if err := budget.Records(1); err != nil {
				return err
			}
			e, err := txnView{txn}.Entity(string(it.Item().Key()[len(prefix):]))
			if err != nil {
				return err
			}
			if e != nil {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, total, err
}

func checkFirst(first int) error {
	if first < 0 {
		return graph.Errorf(graph.EINVALID, "first: %d is negative", first)
	}
	if first > graph.MaxPageSize {
		return graph.Errorf(graph.EINVALID, "first: %d is above the cap of %d", first, graph.MaxPageSize)
	}
	return nil
}

// Entities implements graph.Store.
func (s *Store) Entities(ctx context.Context, f graph.EntityFilter) (*graph.EntityPage, error) {
	if err := checkFirst(f.First); err != nil {
		return nil, err
	}
	if f.Type != "" && !f.Type.Valid() {
		return nil, graph.Errorf(graph.EINVALID, "type: %q is not an entity type", f.Type)
	}
	prefix := key(pEntity)
	if f.Type != "" {
		prefix = key(pByType, string(f.Type), sep)
	}
	start := prefix
	if f.After != "" {
		c, err := decodeCursor(f.After)
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(c, prefix) {
			return nil, graph.Errorf(graph.EINVALID, "after: the cursor belongs to another list")
		}
		start = append(c, 0)
	}
	page := &graph.EntityPage{}
	budget := graph.BudgetOf(ctx)
	err := s.view(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix, PrefetchValues: f.Type == ""})
		defer it.Close()
		for it.Seek(start); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			if len(page.Entities) == f.First {
				page.HasNextPage = true
				break
			}
			if err := budget.Records(1); err != nil {
				return err
			}
			k := it.Item().KeyCopy(nil)
			var e *graph.Entity
			if f.Type == "" {
				e = &graph.Entity{}
				if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, e) }); err != nil {
					return err
				}
			} else {
				var err error
				if e, err = (txnView{txn}).Entity(string(k[len(prefix):])); err != nil {
					return err
				}
				if e == nil {
					continue
				}
			}
			page.Entities = append(page.Entities, e)
			page.Cursors = append(page.Cursors, encodeCursor(k))
		}
		return nil
	})
	return page, err
}

// CountEntities implements graph.Store.
func (s *Store) CountEntities(ctx context.Context, t graph.EntityType) (int, error) {
	name := "entities"
	if t != "" {
		name = "type:" + string(t)
	}
	var n int64
	err := s.view(func(txn *bg.Txn) error {
		var err error
		n, err = readCount(txn, name)
		return err
	})
	return int(n), err
}

// Stats implements graph.Store.
func (s *Store) Stats(ctx context.Context) (*graph.Stats, error) {
	st := &graph.Stats{Entities: map[graph.EntityType]int{}, Relations: map[string]int{}}
	err := s.view(func(txn *bg.Txn) error {
		// only the per-type and per-predicate counters, not the per-entity
		// and per-term ones beside them
		for _, group := range []string{"type:", "pred:"} {
			prefix := key(pCount, group)
			it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix, PrefetchValues: true})
			for it.Rewind(); it.Valid(); it.Next() {
				name := string(it.Item().Key()[len(prefix):])
				var n int64
				if err := it.Item().Value(func(b []byte) error {
					if len(b) == 8 {
						n = int64(binary.BigEndian.Uint64(b))
					}
					return nil
				}); err != nil {
					it.Close()
					return err
				}
				if n == 0 {
					continue
				}
				if group == "type:" {
					st.Entities[graph.EntityType(name)] = int(n)
				} else {
					st.Relations[name] = int(n)
				}
			}
			it.Close()
		}
		return nil
	})
	return st, err
}

// Relation implements graph.Store.
func (s *Store) Relation(ctx context.Context, id string) (*graph.Relation, error) {
	return readOne(s, ctx, id, txnView.Relation)
}

// RelationsByID implements graph.Store.
func (s *Store) RelationsByID(ctx context.Context, ids []string) (map[string]*graph.Relation, error) {
	out := make(map[string]*graph.Relation, len(ids))
	budget := graph.BudgetOf(ctx)
	err := s.view(func(txn *bg.Txn) error {
		for _, id := range ids {
			if err := budget.Records(1); err != nil {
				return err
			}
			r, err := txnView{txn}.Relation(id)
			if err != nil {
				return err
			}
			if r != nil {
				out[id] = r
			}
		}
		return nil
	})
	return out, err
}

// Predicates implements graph.Store.
func (s *Store) Predicates(ctx context.Context) ([]*graph.Predicate, error) {
	var out []*graph.Predicate
	err := s.view(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{Prefix: key(pPredicate), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			p := &graph.Predicate{}
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, p) }); err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}
