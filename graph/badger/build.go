package badger

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger/internal/bulk"
)

// BuildOptions configures Build.
type BuildOptions struct {
	// Options are those the store will be opened with: the build writes
	// what Open reads with them, and refuses them if it cannot (in memory,
	// read-only).
	Options
	// Progress, if set, is called with the number of items written so far.
	Progress func(done int)
	// Seed, if set, is planned first and the changeset on top of it, as a
	// load of the changeset into a store seeded with Seed would plan it (it
	// may correct the seed's predicates and entities and retract its
	// relations); one build writes both (buildseed.go). The summary is the
	// changeset's.
	Seed *graph.Changeset
	// Meta is metadata the store records (m:<name>), as Store.SetMeta would.
	Meta map[string]string
	// MemoryBudget, if positive, bounds the memory the build's keys take
	// while they are sorted: beyond it they are sorted in runs spilled to a
	// directory inside the one being built, and merged as the tables are
	// written (package bulk). The changeset and its plan are not counted.
	MemoryBudget int64
	// base, set by Rebuild, is what the store being rebuilt holds, as a plan
	// of additions to an empty store: the changeset is planned against it,
	// as against Seed's plan, and laid over it (Seed is then nil).
	base *graph.Plan
	// plan, set by Rebuild, receives the changeset's plan.
	plan func(*graph.Plan)
}

// buildFallback, when set, makes Build treat the database it built as
// refused by Badger (tests).
var buildFallback func(dir string) error

// Build makes a new store in dir holding the changeset, checked as Load
// checks it, and returns what it added; the caller then opens it. dir must
// not exist or be an empty directory, and nothing else may use it meanwhile.
//
// The keys are written straight into SSTables (package bulk) in a directory
// beside dir, <dir>.bulk-<n>, which Badger opens and checks; if Badger
// refuses it, the same directory is filled through transactions instead.
// It is then synced and renamed to dir, and dir's parent is synced, so that
// a store Build reports built survives a crash of the machine. All or
// nothing: until the rename dir is as it was, and Open removes what a crash
// left beside it. A changeset that fails its checks, a cancelled context, or
// a failure leaves dir as it was and nothing beside it.
func Build(ctx context.Context, dir string, c *graph.Changeset, o BuildOptions) (graph.Summary, error) {
	dir = filepath.Clean(dir)
	if o.InMemory || o.ReadOnly {
		return graph.Summary{}, fmt.Errorf("%w: a store in memory or read-only is not built", bulk.ErrOptions)
	}
	switch entries, err := os.ReadDir(dir); {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return graph.Summary{}, err
	case len(entries) > 0:
		return graph.Summary{}, fmt.Errorf("%s is not empty (it holds %s): a store is built into a new or empty directory", dir, entries[0].Name())
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return graph.Summary{}, err
	}
	reserve, free := o.Reserve, o.FreeSpace
	if reserve == 0 {
		reserve = DefaultReserve
	}
	if free == nil {
		free = statfsFree
	}
	if n, err := free(parent); err == nil && reserve > 0 && n < reserve {
		return graph.Summary{}, graph.Errorf(graph.ENOSPACE, "%s: a new store cannot be built", noSpace(n, reserve, parent).Message)
	}
	side := dir + ".bulk-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := os.Mkdir(side, 0o755); err != nil {
		return graph.Summary{}, err
	}
	// held until the end, so that an Open of dir meanwhile leaves side alone
	unlock, err := lockBuild(side)
	if err != nil {
		os.RemoveAll(side)
		return graph.Summary{}, err
	}
	defer unlock()
	sum, err := build(ctx, side, c, o)
	if err == nil {
		err = install(side, dir)
	}
	if err != nil {
		os.RemoveAll(side)
		return graph.Summary{}, err
	}
	if o.Progress != nil {
		o.Progress(c.Len())
	}
	return sum, nil
}

// build fills side, a new directory: with tables, or, if Badger refuses
// them, through transactions.
func build(ctx context.Context, side string, c *graph.Changeset, o BuildOptions) (graph.Summary, error) {
	opts := badgerOptions(side, o.Options)
	sum, err := buildTables(ctx, side, opts, c, o)
	if err != nil {
		return graph.Summary{}, err
	}
	// Badger opens what was built, and checks it, before it is used
	if buildFallback != nil {
		err = buildFallback(side)
	}
	if err == nil {
		var db *bg.DB
		if db, err = bg.Open(opts); err == nil {
			err = db.Close()
		}
	}
	if err == nil {
		return sum, nil
	}
	if o.base != nil {
		// a rebuild loads through transactions into the store it rebuilds
		return graph.Summary{}, fmt.Errorf("%w: %v", errTablesRefused, err)
	}
	// refused: the transactional path, into the same directory emptied
	if o.Logger != nil {
		o.Logger.Warningf("bulk build: Badger refused the tables it was given (%v); loading through transactions instead", err)
	}
	entries, err := os.ReadDir(side)
	if err != nil {
		return graph.Summary{}, err
	}
	for _, e := range entries { // emptied, not removed: it stays locked
		if err := os.RemoveAll(filepath.Join(side, e.Name())); err != nil {
			return graph.Summary{}, err
		}
	}
	st, err := Open(side, o.Options)
	if err != nil {
		return graph.Summary{}, err
	}
	if o.Seed != nil {
		if _, err = st.Load(ctx, o.Seed, LoadOptions{}); err != nil {
			st.Close()
			return graph.Summary{}, err
		}
	}
	if sum, err = st.Load(ctx, c, LoadOptions{Progress: o.Progress}); err == nil {
		for name, v := range o.Meta {
			if err = st.SetMeta(name, v); err != nil {
				break
			}
		}
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	return sum, err
}

// buildTables writes the store's keys into side as tables (package bulk).
// The entities are checked first and their keys built while the whole
// changeset is checked on another core; a changeset that fails its checks
// stops the build.
func buildTables(ctx context.Context, side string, opts bg.Options, c *graph.Changeset, o BuildOptions) (graph.Summary, error) {
	progress := o.Progress
	// with a seed, the changeset is planned against the planned seed (in a
	// rebuild, against what the store holds)
	base := o.base
	var view graph.View = emptyView{}
	if base == nil && o.Seed != nil {
		var err error
		if base, err = graph.PlanChangeset(o.Seed, emptyView{}); err != nil {
			return graph.Summary{}, fmt.Errorf("the seed: %w", err)
		}
	}
	if base != nil {
		view = newPlanView(base)
	}
	entityTasks, relationTasks := bulkTasks(&graph.Plan{}, nil)
	total, items := len(entityTasks)+len(relationTasks)+1, c.Len()
	var report func(done int)
	if progress != nil {
		var mu sync.Mutex
		report = func(done int) {
			mu.Lock()
			defer mu.Unlock()
			progress(items * done / total)
		}
	}
	b, err := bulk.Start(ctx, side, opts, report)
	if err != nil {
		return graph.Summary{}, err
	}
	b.SetMemoryBudget(o.MemoryBudget)
	pool := b.Pool()
	// the metadata: the layout (see layout.go)
	b.Add(func() []*bulk.Family {
		meta := pool.Family(pMeta, 1)
		meta.Put(strconv.Itoa(LayoutVersion), metaLayout, "", "")
		for name, v := range o.Meta {
			if name != metaLayout {
				meta.Put(v, name, "", "")
			}
		}
		return []*bulk.Family{meta}
	})
	// the entities alone, on the side: the whole plan below checks them again
	// (and, if they fail, names every problem)
	var entitiesAdded sync.WaitGroup
	entitiesAdded.Go(func() {
		entities, err := graph.PlanChangeset(&graph.Changeset{Predicates: c.Predicates, Entities: c.Entities}, view)
		if err == nil {
			tasks, _ := bulkTasks(onto(base, entities), pool)
			b.Add(tasks...)
		}
	})
	plan, err := graph.PlanChangeset(c, view)
	entitiesAdded.Wait()
	if err != nil {
		b.Abort()
		return graph.Summary{}, err
	}
	if o.plan != nil {
		o.plan(plan)
	}
	_, tasks := bulkTasks(onto(base, plan), pool)
	b.Add(tasks...)
	if err := b.Wait(); err != nil {
		return graph.Summary{}, err
	}
	return plan.Summary, nil
}

// install syncs the built directory and renames it to dir (new, or empty),
// then syncs the parent, so that the rename survives a crash.
func install(side, dir string) error {
	if err := syncDir(side); err != nil {
		return err
	}
	if err := os.Rename(side, dir); err != nil {
		// an empty directory in the way (POSIX renames over one; others do not)
		if rmErr := os.Remove(dir); rmErr != nil {
			return err
		}
		if err := os.Rename(side, dir); err != nil {
			return err
		}
	}
	return syncDir(filepath.Dir(dir))
}

// syncDir syncs a directory, so that the files created or renamed in it
// stay after a crash of the machine.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeBulkLeftovers removes what a build killed part-way left beside the
// directory (<dir>.bulk-<n> and its .lock); a build still running holds its
// lock, and what it has is left alone.
func removeBulkLeftovers(dir string) {
	matches, _ := filepath.Glob(filepath.Clean(dir) + ".bulk-*")
	for _, m := range matches {
		side := strings.TrimSuffix(m, ".lock")
		if !buildRunning(side) {
			os.RemoveAll(m)
		}
	}
}

// bulkTasks splits the building of a plan's keys into tasks that each fill
// some families; the tasks run in parallel.
func bulkTasks(plan *graph.Plan, pool *bulk.Pool) (entities, relations []bulk.Task) {
	fam := func(prefix string, n int) *bulk.Family { return pool.Family(prefix, n) }
	rels := plan.Relations
	periods := 0
	for _, w := range rels {
		if w.New.EndDate != "" {
			periods++
		}
	}
	// entries to make room for up front (a guess for names: growing is dearer than space never touched)
	n, e := len(rels), len(plan.Entities)
	sizeHint := map[string]int{pOut: n, pIn: n, pByPred: n, pDate: n, pEntDate: 2 * n,
		pPeriod: periods, pEntPeriod: 2 * periods, pFigure: n / 4, pEntity: e, pByType: e, pName: 2 * e, pWord: 4 * e, pTrigram: 24 * e}
	// The keys of entities: entityIndexKeys, written straight into the
	// families. The words and the trigrams of names are two tasks, each with
	// the document frequencies of its terms (c:df:w:, c:df:g:), so that
	// neither is the one the other core waits for.
	type indexKey struct{ prefix, a, b, c string }
	namesTask := func(trigrams bool) func() []*bulk.Family {
		return func() []*bulk.Family {
			byPrefix := map[string]*bulk.Family{}
			var out []*bulk.Family
			for _, p := range map[bool][]string{true: {pTrigram}, false: {pByType, pName, pWord}}[trigrams] {
				byPrefix[p] = fam(p, sizeHint[p])
				out = append(out, byPrefix[p])
			}
			if !trigrams {
				predicates, entities := fam(pPredicate, len(plan.Predicates)), fam(pEntity, e)
				for _, w := range plan.Predicates {
					predicates.PutKey(string(predicateKey(w.New.ID)), mustJSON(w.New))
				}
				for _, w := range plan.Entities {
					entities.PutKey(string(entityKey(w.New.ID)), mustJSON(w.New))
				}
				out = append(out, predicates, entities)
			}
			terms := byPrefix[map[bool]string{true: pTrigram, false: pWord}[trigrams]]
			df := map[string]int64{} // postings of each term, as countTerm keeps them
			seen := map[indexKey]struct{}{}
			for _, w := range plan.Entities {
				clear(seen)
				entityIndex(w.New, !trigrams, trigrams, func(prefix, a, b, c string) {
					k := indexKey{prefix, a, b, c}
					if _, dup := seen[k]; dup {
						return
					}
					seen[k] = struct{}{}
					byPrefix[prefix].Put("", a, b, c)
					if byPrefix[prefix] == terms {
						df[a]++
					}
				})
			}
			counts := fam(pCount+"df:"+terms.Prefix(), len(df))
			for t, n := range df {
				counts.Put(string(encodeCount(n)), t, "", "")
			}
			return append(out, counts)
		}
	}
	// The other counters: degrees, and the totals (c:entities,
	// c:pred:<p>, c:relations, c:type:<T>), which sort apart from the
	// degrees and the term counts.
	countersTask := func() []*bulk.Family {
		degree := map[string]int64{}
		for _, w := range rels {
			degree[w.New.Subject]++
			if o := w.New.Object; o != "" && o != w.New.Subject {
				degree[o]++
			}
		}
		degrees := fam(pCount+"deg:", len(degree))
		for id, n := range degree {
			degrees.Put(string(encodeCount(n)), id, "", "")
		}
		totals := map[string]int64{"entities": int64(len(plan.Entities)), "relations": int64(len(rels))}
		for _, w := range plan.Entities {
			totals["type:"+string(w.New.Type)]++
		}
		for _, w := range rels {
			totals["pred:"+w.New.Predicate]++
		}
		rest := fam(pCount, len(totals))
		for name, n := range totals {
			if n != 0 {
				rest.Put(string(encodeCount(n)), name, "", "")
			}
		}
		return []*bulk.Family{degrees, rest}
	}
	// The adjacency counters (c:adj:), as countAdjacent keeps them.
	adjacencyTask := func() []*bulk.Family {
		counts := newAdjacencyCounts(len(plan.Entities))
		for _, w := range rels {
			counts.add(w.New)
		}
		f := fam(pCount+pAdjCount, 2*len(counts.counts))
		counts.each(func(entity, kind, pred string, n int64) error {
			f.Put(string(encodeCount(n)), entity, kind, pred)
			return nil
		})
		return []*bulk.Family{f}
	}
	// The summaries of figures (F:), as resolveFigures keeps them.
	figureSummaryTask := func() []*bulk.Family {
		sums := figureSummaries{}
		for _, w := range rels {
			if fig, ok := graph.FigureOf(w.New); ok {
				sums.add(fig)
			}
		}
		f := fam(pFigureSummary, len(sums))
		for g, sum := range sums {
			a, b := g.indexParts()
			f.Put(string(summaryValue(sum)), a, b, "")
		}
		return []*bulk.Family{f}
	}
	relationTask := func() []*bulk.Family {
		f := fam(pRelation, len(rels))
		var index [4]byte
		for i, w := range rels {
			binary.BigEndian.PutUint32(index[:], uint32(i))
			f.Put(string(index[:]), w.New.ID, "", "")
		}
		f.Expand = func(dst, stored []byte) []byte {
			r := rels[binary.BigEndian.Uint32(stored)].New
			if b, ok := appendRelationJSON(dst, r); ok {
				return b
			}
			return append(dst, mustJSON(r)...)
		}
		return []*bulk.Family{f}
	}
	// the index families of relations, split into tasks of similar size
	indexTask := func(prefixes ...string) func() []*bulk.Family {
		return func() []*bulk.Family {
			byPrefix := map[string]*bulk.Family{}
			for _, p := range prefixes {
				byPrefix[p] = fam(p, sizeHint[p])
			}
			for _, w := range rels {
				relationIndex(w.New, func(prefix, v, a, b, c string) {
					if f := byPrefix[prefix]; f != nil {
						f.Put(v, a, b, c)
					}
				})
			}
			out := make([]*bulk.Family, 0, len(prefixes))
			for _, p := range prefixes {
				out = append(out, byPrefix[p])
			}
			return out
		}
	}
	// the longest first, so that no core waits for one at the end
	return []bulk.Task{namesTask(true), namesTask(false)},
		[]bulk.Task{relationTask, indexTask(pOut, pIn), indexTask(pEntDate, pEntPeriod),
			indexTask(pByPred, pDate, pPeriod, pFigure), countersTask, adjacencyTask, figureSummaryTask}
}
