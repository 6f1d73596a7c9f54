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
	// Relations, if set, streams more relations of the changeset, which
	// then holds predicates and entities alone (stream.go): they are
	// checked and their keys built a piece at a time, and no more than a
	// piece is held. RelationCount is about how many will come. A relation
	// stated twice fails the build with graph.ErrRestated, before anything
	// is in place; the caller then builds the changeset whole. Not with
	// Rebuild.
	Relations     RelationSource
	RelationCount int
	// base, set by Rebuild, is what the store being rebuilt holds, as a plan
	// of additions to an empty store: the changeset is planned against it,
	// as against Seed's plan, and laid over it (Seed is then nil).
	base *graph.Plan
	// plan, set by Rebuild, receives the changeset's plan.
	plan func(*graph.Plan)
	// history, set by Rebuild, is the history of the store rebuilt
	// (history.go); nil for a new store.
	history *buildHistory
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
	reserve, err := reserveOf(o.Options)
	if err != nil {
		return graph.Summary{}, err
	}
	free := o.FreeSpace
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
	if o.Progress != nil && o.Relations == nil {
		o.Progress(c.Len())
	}
	return sum, nil
}

// build fills side, a new directory: with tables, or, if Badger refuses
// them, through transactions.
func build(ctx context.Context, side string, c *graph.Changeset, o BuildOptions) (graph.Summary, error) {
	opts := badgerOptions(side, o.Options)
	var sum graph.Summary
	var err error
	if o.Relations != nil {
		sum, err = buildStreamed(ctx, side, opts, c, o)
	} else {
		sum, err = buildTables(ctx, side, opts, c, o)
	}
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
	if o.base != nil || o.Relations != nil {
		// a rebuild loads through transactions into the store it rebuilds;
		// a streamed build's relations are gone
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
	b.Add(metaTask(pool, o.Meta))
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
	b.Add(historyTask(pool, o.history, graph.ChangeInfoOf(ctx), plan.Summary, o.historyItems(plan)))
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
		if isPeriod(w.New) {
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
			if trigrams {
				// one posting a key here, packed into blocks once sorted (postings.go)
				byPrefix[pTrigram].Pack = packPostings()
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
	// the longest first, so that no core waits for one at the end
	relationTasks := []bulk.Task{sourcesTask(pool, plan.Sources)}
	for _, sink := range relationSinks(pool, n, periods, rels, plan.Entities) {
		relationTasks = append(relationTasks, func() []*bulk.Family {
			s := sink()
			s.add(rels)
			return s.done()
		})
	}
	return []bulk.Task{namesTask(true), namesTask(false)}, relationTasks
}

// A relationSink fills some families from relations given a piece at a
// time (add), and hands them over when they are all in (done). The bulk
// build gives every sink the whole plan at once; a streamed build
// (stream.go) gives each piece as it is planned, and drops the piece.
type relationSink struct {
	add  func(ws []graph.RelationWrite)
	done func() []*bulk.Family
}

// relationSinks make the sinks of every family the relations' keys go in
// (each family is taken from the pool when its sink is made), the longest
// first, so that no core waits for one at the end; n and
// periods are about how many relations, and of them periods (with an
// endDate), will come, for sizing. With all, the whole plan, the relations
// family keeps an index into it and encodes each relation only as it is
// written; without (streamed), it keeps their JSON, and every string the
// sinks keep beyond a piece is copied, as a piece's point into the file.
// The totals of entities (c:entities, c:type:) are counted from entities
// and written with those of relations: they sort among them.
func relationSinks(pool *bulk.Pool, n, periods int, all []graph.RelationWrite, entities []graph.EntityWrite) []func() relationSink {
	k := &sinkMaker{pool: pool, n: n, periods: periods, all: all, entities: entities, streamed: all == nil}
	return []func() relationSink{k.relations, func() relationSink { return k.index(pOut, pIn) },
		func() relationSink { return k.index(pEntDate, pEntPeriod) },
		func() relationSink { return k.index(pByPred, pDate, pPeriod, pFigure, pCites) }, k.counters, k.adjacency, k.figureSummary}
}

// sinkMaker makes the sinks of relationSinks, from what they share.
type sinkMaker struct {
	pool       *bulk.Pool
	n, periods int
	all        []graph.RelationWrite
	entities   []graph.EntityWrite
	streamed   bool
}

// fam takes a family from the pool, with room for about n keys.
func (k *sinkMaker) fam(prefix string, n int) *bulk.Family { return k.pool.Family(prefix, n) }

// own is s, copied when it points into a streamed piece.
func (k *sinkMaker) own(s string) string {
	if k.streamed {
		return strings.Clone(s)
	}
	return s
}

// sizeHint is about how many keys a family of relations' keys will hold.
func (k *sinkMaker) sizeHint(prefix string) int {
	return map[string]int{pOut: k.n, pIn: k.n, pByPred: k.n, pDate: k.n, pEntDate: 2 * k.n,
		pPeriod: k.periods, pEntPeriod: 2 * k.periods, pFigure: k.n / 4, pCites: k.n}[prefix]
}

// counters is the sink of the other counters: degrees, and the totals
// (c:entities, c:pred:<p>, c:relations, c:type:<T>), which sort apart from
// the degrees and the term counts.
func (k *sinkMaker) counters() relationSink {
	degree := map[string]int64{}
	totals := map[string]int64{"entities": int64(len(k.entities))}
	for _, w := range k.entities {
		totals["type:"+string(w.New.Type)]++
	}
	relations := int64(0)
	count := func(m map[string]int64, key string) {
		if _, ok := m[key]; !ok {
			key = k.own(key)
		}
		m[key]++
	}
	return relationSink{
		add: func(ws []graph.RelationWrite) {
			for _, w := range ws {
				count(degree, w.New.Subject)
				if o := w.New.Object; o != "" && o != w.New.Subject {
					count(degree, o)
				}
				count(totals, "pred:"+w.New.Predicate)
				for _, id := range w.New.SourceIDs() {
					count(totals, cSource+id)
				}
				if w.New.Date != "" {
					count(totals, cDated)
					count(totals, cDated+w.New.Predicate)
				}
			}
			relations += int64(len(ws))
		},
		done: func() []*bulk.Family {
			degrees := k.fam(pCount+"deg:", len(degree))
			for id, n := range degree {
				degrees.Put(string(encodeCount(n)), id, "", "")
			}
			totals["relations"] = relations
			rest := k.fam(pCount, len(totals))
			for name, n := range totals {
				if n != 0 {
					rest.Put(string(encodeCount(n)), name, "", "")
				}
			}
			return []*bulk.Family{degrees, rest}
		},
	}
}

// adjacency is the sink of the adjacency counters (c:adj:), as
// countAdjacent keeps them.
func (k *sinkMaker) adjacency() relationSink {
	counts := newAdjacencyCounts(k.n / 8)
	counts.own = k.own
	return relationSink{
		add: func(ws []graph.RelationWrite) {
			for _, w := range ws {
				counts.add(w.New)
			}
		},
		done: func() []*bulk.Family {
			f := k.fam(pCount+pAdjCount, 2*len(counts.counts))
			counts.each(func(entity, kind, pred string, n int64) error {
				f.Put(string(encodeCount(n)), entity, kind, pred)
				return nil
			})
			return []*bulk.Family{f}
		},
	}
}

// figureSummary is the sink of the summaries of figures (F:), as
// resolveFigures keeps them.
func (k *sinkMaker) figureSummary() relationSink {
	sums := figureSummaries{}
	return relationSink{
		add: func(ws []graph.RelationWrite) {
			for _, w := range ws {
				fig, ok := graph.FigureOf(w.New)
				if !ok {
					continue
				}
				if g := groupOf(fig); sums[g] == nil {
					sums[figureGroup{k.own(g.object), k.own(g.predicate), k.own(g.unit)}] = &graph.FigureSummary{Object: k.own(g.object), Predicate: k.own(g.predicate), Unit: k.own(g.unit)}
				}
				sum := sums.add(fig)
				if k.streamed { // the figures it holds, if this is one, point into the piece
					if sum.Largest.Relation == fig.Relation {
						sum.Largest = ownFigure(fig)
					}
					if sum.Latest.Relation == fig.Relation {
						sum.Latest = ownFigure(fig)
					}
				}
			}
		},
		done: func() []*bulk.Family {
			f := k.fam(pFigureSummary, len(sums))
			for g, sum := range sums {
				a, b := g.indexParts()
				f.Put(string(summaryValue(sum)), a, b, "")
			}
			return []*bulk.Family{f}
		},
	}
}

// relations is the sink of the relations themselves (r:): their JSON when
// streamed, else an index into the plan, encoded as each is written.
func (k *sinkMaker) relations() relationSink {
	f := k.fam(pRelation, k.n)
	if k.streamed {
		var buf []byte
		return relationSink{
			add: func(ws []graph.RelationWrite) {
				for _, w := range ws {
					var ok bool
					if buf, ok = appendRelationJSON(buf[:0], w.New); !ok {
						buf = mustJSON(w.New)
					}
					f.Put(string(buf), w.New.ID, "", "")
				}
			},
			done: func() []*bulk.Family { return []*bulk.Family{f} },
		}
	}
	all := k.all
	f.Expand = func(dst, stored []byte) []byte {
		r := all[binary.BigEndian.Uint32(stored)].New
		if b, ok := appendRelationJSON(dst, r); ok {
			return b
		}
		return append(dst, mustJSON(r)...)
	}
	next := 0
	return relationSink{
		add: func(ws []graph.RelationWrite) {
			var index [4]byte
			for _, w := range ws {
				binary.BigEndian.PutUint32(index[:], uint32(next))
				next++
				f.Put(string(index[:]), w.New.ID, "", "")
			}
		},
		done: func() []*bulk.Family { return []*bulk.Family{f} },
	}
}

// index is the sink of some of the index families of relations
// (relationIndex), split into sinks of similar size.
func (k *sinkMaker) index(prefixes ...string) relationSink {
	byPrefix := map[string]*bulk.Family{}
	out := make([]*bulk.Family, 0, len(prefixes))
	for _, p := range prefixes {
		byPrefix[p] = k.fam(p, k.sizeHint(p))
		out = append(out, byPrefix[p])
	}
	return relationSink{
		add: func(ws []graph.RelationWrite) {
			for _, w := range ws {
				relationIndex(w.New, func(prefix, v, a, b, c string) {
					if f := byPrefix[prefix]; f != nil {
						f.Put(v, a, b, c)
					}
				})
			}
		},
		done: func() []*bulk.Family { return out },
	}
}

// ownFigure is a copy of f whose strings are its own.
func ownFigure(f graph.Figure) graph.Figure {
	f.Relation, f.Subject, f.Predicate, f.Object = strings.Clone(f.Relation), strings.Clone(f.Subject), strings.Clone(f.Predicate), strings.Clone(f.Object)
	f.Unit, f.Date, f.EndDate = strings.Clone(f.Unit), strings.Clone(f.Date), strings.Clone(f.EndDate)
	return f
}
