package badger

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger/internal/bulk"
)

// A load large beside the store it goes into is cheaper to write as a new
// store than through transactions: the bulk build (build.go) writes a
// million relations in about a seventh of the CPU time that Badger's write
// path, with its undo records, takes for them (README, Benchmarks). Rebuild
// reads what the store holds, plans the changeset over it as Load would
// plan it, builds the whole result beside the store, and swaps the two
// directories in one atomic rename (Linux's RENAME_EXCHANGE).

// RebuildOptions configures Rebuild.
type RebuildOptions struct {
	// Options are those the store is opened with.
	Options
	// Progress, if set, is called with the number of items written so far.
	Progress func(done int)
	// MemoryBudget bounds the memory of the build's keys, as
	// BuildOptions.MemoryBudget does.
	MemoryBudget int64
	// OnPlan, if set, is given the changeset's plan once, before Rebuild
	// returns (its warnings are what a Load of it would warn of).
	OnPlan func(*graph.Plan)
}

// Below rebuildMinItems items a load takes a few seconds at most through
// transactions (one transaction up to about 8,000 relations: some twelve
// keys a relation, MaxTxnKeys 100,000): not worth a second copy of the
// store on disk.
const rebuildMinItems = 10000

// rebuildRatio: a load of at least 1/rebuildRatio as many items as the
// store holds is rebuilt. A rebuild costs about what building the whole
// result costs, a journaled load about what its own items cost: on the
// project's 2-core machine (README, Benchmarks), 250,000 relations (275,000
// items) into a store of 1.1 million items took 20 to 25 s rebuilt and 67
// to 80 s journaled (0.27 ms a relation), with 2.0 GiB and 4.0 GiB max RSS;
// they break even near 15 items stored an item loaded. At 4 a rebuild is
// some 3 times faster, and its memory, which grows with the store (about 2
// GiB a million relations), stays below the journaled path's, which grows
// with the load (8 GiB a million relations).
const rebuildRatio = 4

// ShouldRebuild reports whether a load of c into s is better done by
// Rebuild than by Load: it is large (rebuildMinItems) and large beside what
// s holds (rebuildRatio), and Rebuild can swap a directory here (Linux; a
// store on disk, opened for writing). The caller must then close s, which
// Rebuild reopens itself.
func (s *Store) ShouldRebuild(c *graph.Changeset) (bool, error) {
	if !canExchange || s.opts.InMemory || s.readOnly != nil || c.Len() < rebuildMinItems {
		return false, nil
	}
	var held int64
	err := s.view(func(txn *bg.Txn) error {
		for _, name := range []string{"entities", "relations"} {
			n, err := readCount(txn, name)
			if err != nil {
				return err
			}
			held += n
		}
		return nil
	})
	return int64(c.Len())*rebuildRatio >= held, err
}

// errTablesRefused is build's error when Badger refuses the tables of a
// rebuild: Rebuild then loads through transactions.
var errTablesRefused = errors.New("badger refused the rebuilt tables")

// rebuildCrash, when set (tests), is called at each step of a rebuild; an
// error stops it there as a crash would: nothing after the step runs, and
// what it left is left (only the locks go, as they go with a process).
var rebuildCrash func(step string) error

// Rebuild loads a changeset into the store in dir by writing the store
// anew with it, and returns what it changed; it is checked as Load checks
// it, and refused as Load refuses it. dir must hold a store (it may be
// empty) that no other process holds: Rebuild takes the directory's lock
// before it opens the store, as Badger takes it, and keeps it until the
// end, so that nothing opens the store meanwhile (an Open gets ErrLocked).
//
// It reads what the store holds (one snapshot), plans the changeset over
// it, and builds the result in a directory beside dir, <dir>.bulk-<n>, as
// Build does (the same tables, counters and metadata, m:layout the current
// layout). That directory is synced and exchanged with dir in one rename
// (renameat2 with RENAME_EXCHANGE), the parent is synced, and the old
// store, now beside dir, is removed. All or nothing: until the exchange,
// dir is the store as it was; after it, the new one; whatever a crash
// leaves beside dir, the next Open removes. A changeset that fails its
// checks, a cancelled context, or a failure leaves dir as it was and
// nothing beside it.
//
// Where the directory cannot be swapped (another system, a file system
// without RENAME_EXCHANGE, dir a mount point), where there is not room for
// a second store beside it, or when Badger refuses the tables built, the
// changeset is loaded through transactions instead (Load), which is as
// all-or-nothing, and slower.
func Rebuild(ctx context.Context, dir string, c *graph.Changeset, o RebuildOptions) (sum graph.Summary, err error) {
	if o.InMemory || o.ReadOnly {
		return graph.Summary{}, fmt.Errorf("%w: a store in memory or read-only is not rebuilt", bulk.ErrOptions)
	}
	if !canExchange {
		// no directory swaps here: transactions, with the store held as usual
		st, err := Open(dir, o.Options)
		if err != nil {
			return graph.Summary{}, err
		}
		defer st.Close()
		return st.Load(ctx, c, LoadOptions{Progress: o.Progress, OnPlan: o.OnPlan})
	}
	// the directory itself, not a link to it, is swapped
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		return graph.Summary{}, err
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return graph.Summary{}, err
	}
	defer unlock()
	r := &rebuilder{ctx: ctx, dir: dir, c: c, o: o, held: o.Options}
	r.held.lockHeld = true
	if r.st, err = Open(dir, r.held); err != nil {
		return graph.Summary{}, err
	}
	r.open = true
	defer func() {
		if r.open {
			r.st.Close()
		}
	}()
	if r.st.readOnly != nil {
		return graph.Summary{}, r.st.readOnly
	}
	if err := r.step("opened"); err != nil {
		return graph.Summary{}, err
	}
	base, meta, why, err := r.st.contents(ctx)
	if err != nil {
		return graph.Summary{}, err
	}
	if why != "" {
		return r.transactional(why)
	}
	side, unlockSide, why, err := r.makeSide()
	if err != nil || why != "" {
		if err != nil {
			return graph.Summary{}, err
		}
		return r.transactional(why)
	}
	defer func() {
		if !r.crashed {
			os.RemoveAll(side)
		}
		unlockSide()
	}()
	return r.buildAndSwap(side, base, meta)
}

// rebuilder is one Rebuild of the store in dir, which it has locked.
type rebuilder struct {
	ctx  context.Context
	dir  string
	c    *graph.Changeset
	o    RebuildOptions
	held Options // o.Options, with the directory's lock held
	st   *Store  // the store, open while open is set
	open bool
	// crashed is set once a step stopped the rebuild as a crash would
	// (rebuildCrash): what it left is left.
	crashed bool
}

// step is a step of the rebuild, where a test may stop it (rebuildCrash).
func (r *rebuilder) step(name string) error {
	if rebuildCrash == nil {
		return nil
	}
	if err := rebuildCrash(name); err != nil {
		r.crashed = true
		return err
	}
	return nil
}

// transactional loads the changeset through transactions instead, into
// the store as it is, and says why in the log.
func (r *rebuilder) transactional(why string) (graph.Summary, error) {
	if r.o.Logger != nil {
		r.o.Logger.Warningf("rebuild of %s: %s; loading through transactions instead", r.dir, why)
	}
	if !r.open {
		st, err := Open(r.dir, r.held)
		if err != nil {
			return graph.Summary{}, err
		}
		r.st, r.open = st, true
	}
	return r.st.Load(r.ctx, r.c, LoadOptions{Progress: r.o.Progress, OnPlan: r.o.OnPlan})
}

// makeSide makes the directory beside dir that the store is built in, and
// locks it; or says why the store is not rebuilt there (why): not room for
// a second store beside it, or a directory that cannot be swapped.
func (r *rebuilder) makeSide() (side string, unlock func(), why string, err error) {
	size, err := dirSize(r.dir)
	if err != nil {
		return "", nil, "", err
	}
	if n, err := r.st.freeSpace(filepath.Dir(r.dir)); err == nil && r.st.reserve > 0 && n < r.st.reserve+size {
		return "", nil, fmt.Sprintf("%s free, not room for a second store of %s beside it and the reserve", FormatBytes(n), FormatBytes(size)), nil
	}
	side = r.dir + ".bulk-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := os.Mkdir(side, 0o755); err != nil {
		return "", nil, err.Error(), nil
	}
	// held until the end, as Build holds it: Open removes the side
	// directories whose lock nobody holds (what a crash left), not this one
	unlock, err = lockBuild(side)
	if err != nil {
		os.RemoveAll(side)
		return "", nil, err.Error(), nil
	}
	if err := checkExchange(side, r.dir); err != nil {
		unlock()
		os.RemoveAll(side)
		return "", nil, fmt.Sprintf("the directory cannot be swapped (%v)", err), nil
	}
	return side, unlock, "", nil
}

// buildAndSwap builds the store with the changeset in side, and exchanges
// it with dir: the commit point. side is then the old store.
func (r *rebuilder) buildAndSwap(side string, base *graph.Plan, meta map[string]string) (graph.Summary, error) {
	history, err := r.st.readHistory()
	if err != nil {
		return graph.Summary{}, err
	}
	// closed while building: its caches and memtables are memory the build uses
	if err := r.st.Close(); err != nil {
		return graph.Summary{}, err
	}
	r.open = false
	var plan *graph.Plan
	delete(meta, metaLayout)
	bo := BuildOptions{Options: r.o.Options, Progress: r.o.Progress, MemoryBudget: r.o.MemoryBudget, Meta: meta, base: base,
		plan: func(p *graph.Plan) { plan = p }, history: history}
	sum, err := build(r.ctx, side, r.c, bo)
	if errors.Is(err, errTablesRefused) {
		return r.transactional(err.Error())
	}
	if err != nil {
		return graph.Summary{}, err
	}
	if r.o.OnPlan != nil {
		r.o.OnPlan(plan)
	}
	if !sum.Changed() {
		return sum, nil // the store already holds it all: left as it is
	}
	if err := r.step("built"); err != nil {
		return graph.Summary{}, err
	}
	// the new store is locked as Badger locks it, so that nothing opens it
	// once it is in place before the parent is synced
	unlockNew, err := lockDir(side)
	if err != nil {
		return graph.Summary{}, err
	}
	defer unlockNew()
	if err := syncDir(side); err != nil {
		return graph.Summary{}, err
	}
	if err := r.step("synced"); err != nil {
		return graph.Summary{}, err
	}
	// the commit point
	if err := exchangeDirs(side, r.dir); err != nil {
		// nothing moved: the store is as it was
		return r.transactional(fmt.Sprintf("swapping the directories: %v", err))
	}
	if err := r.step("exchanged"); err != nil {
		return graph.Summary{}, err
	}
	parent := filepath.Dir(r.dir)
	if err := syncDir(parent); err != nil {
		return graph.Summary{}, fmt.Errorf("the rebuilt store is in place of the old one, but syncing %s failed, so a crash of the machine may yet bring the old one back: %w", parent, err)
	}
	if err := r.step("swapped"); err != nil {
		return graph.Summary{}, err
	}
	// side is now the old store, which Rebuild's deferred RemoveAll removes
	if r.o.Progress != nil {
		r.o.Progress(r.c.Len())
	}
	return sum, nil
}

// contents reads what the store holds, at one read timestamp, as a plan of
// additions to an empty store (predicates, entities and relations, in key
// order, as they are stored: not planned again), and its metadata; or,
// for a store holding keys of a family the bulk build does not write (which
// a rebuild would lose), why it is not rebuilt.
func (s *Store) contents(ctx context.Context) (_ *graph.Plan, meta map[string]string, why string, err error) {
	built := builtPrefixes()
	meta = map[string]string{}
	var unknown string
	err = s.view(func(txn *bg.Txn) error {
		// each family's first key, then a seek past the family
		it := txn.NewIterator(bg.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); {
			k := it.Item().Key()
			if len(k) < 2 || !built[string(k[:2])] {
				unknown = string(k[:min(len(k), 2)])
				return nil
			}
			next := []byte{k[0], k[1] + 1}
			if k[1] == 0xff {
				next = []byte{k[0] + 1}
			}
			it.Seek(next)
		}
		it = txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pMeta), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			meta[string(it.Item().Key()[len(pMeta):])] = string(v)
		}
		return nil
	})
	if err != nil {
		return nil, nil, "", err
	}
	if unknown != "" {
		return nil, nil, fmt.Sprintf("the store holds keys under %q, which a build does not write", unknown), nil
	}
	// Snapshot's own read: the lock held keeps the store as it was above
	c, err := s.Snapshot(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	p := &graph.Plan{
		Predicates: make([]graph.PredicateWrite, len(c.Predicates)),
		Entities:   make([]graph.EntityWrite, len(c.Entities)),
		Relations:  make([]graph.RelationWrite, len(c.Relations)),
		Sources:    make([]graph.SourceWrite, len(c.Sources)),
	}
	for i := range c.Sources {
		p.Sources[i].New = &c.Sources[i].Source
	}
	for i := range c.Predicates {
		p.Predicates[i].New = &c.Predicates[i].Predicate
	}
	for i := range c.Entities {
		p.Entities[i].New = &c.Entities[i].Entity
	}
	for i := range c.Relations {
		p.Relations[i].New = &c.Relations[i].Relation
	}
	return p, meta, "", nil
}

// builtPrefixes are the key families a build writes (those of its tasks,
// and the metadata): a store holding no others is rebuilt whole.
func builtPrefixes() map[string]bool {
	out := map[string]bool{pMeta: true}
	for _, p := range historyPrefixes {
		out[p] = true
	}
	entities, relations := bulkTasks(&graph.Plan{}, bulk.NewPool())
	for _, task := range append(entities, relations...) {
		for _, f := range task() {
			out[f.Prefix()[:2]] = true
		}
	}
	return out
}

// dirSize is the size of the files in dir (a store's tables and logs).
func dirSize(dir string) (int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
	}
	return n, nil
}
