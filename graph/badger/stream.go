package badger

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger/internal/bulk"
)

// A streamed build (BuildOptions.Relations) holds the predicates and
// entities whole, as every relation is checked against them, and takes the
// relations a piece at a time: each piece is checked (graph.RelationStream),
// its keys go into the families of the relations' sinks (relationSinks),
// which spill to disk beyond the memory budget, and the piece is dropped.
// What grows with the relations is then the budget, the counters (by
// entity and predicate) and eight bytes a relation to find one stated
// twice; a relation stated twice (graph.ErrRestated) stops the build, and
// the caller builds the changeset whole.

// RelationSource calls piece with the relations of a changeset, a piece at
// a time and in order, and returns the first error piece returns. A piece
// is the caller's again once piece returns.
type RelationSource func(piece func([]graph.RelationChange) error) error

// buildStreamed is buildTables for a changeset whose relations come from
// o.Relations.
func buildStreamed(ctx context.Context, side string, opts bg.Options, c *graph.Changeset, o BuildOptions) (graph.Summary, error) {
	var base *graph.Plan
	var view graph.View = emptyView{}
	if o.Seed != nil {
		var err error
		if base, err = graph.PlanChangeset(o.Seed, emptyView{}); err != nil {
			return graph.Summary{}, fmt.Errorf("the seed: %w", err)
		}
		view = newPlanView(base)
	}
	entities, stream, err := graph.PlanStream(c, view, o.RelationCount)
	if err != nil {
		return graph.Summary{}, err
	}
	b, err := bulk.Start(ctx, side, opts, nil)
	if err != nil {
		return graph.Summary{}, err
	}
	b.SetMemoryBudget(o.MemoryBudget)
	pool := b.Pool()
	b.Add(metaTask(pool, o.Meta))
	whole := onto(base, entities)
	if !stream.Failed() {
		tasks, _ := bulkTasks(whole, pool)
		b.Add(tasks...)
	}
	var sinks []relationSink
	for _, mk := range relationSinks(pool, o.RelationCount, o.RelationCount/8, nil, whole.Entities) {
		sinks = append(sinks, mk())
	}
	// every sink fills its own families, on as many cores as there are
	fill := func(ws []graph.RelationWrite) {
		var wg sync.WaitGroup
		for _, s := range sinks {
			wg.Go(func() { s.add(ws) })
		}
		wg.Wait()
	}
	restated := map[string]bool{} // relations of base that the changeset states again
	var ws []graph.RelationWrite
	done := 0
	err = o.Relations(func(piece []graph.RelationChange) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		ws = ws[:0]
		err := stream.Add(piece, func(w graph.RelationWrite) {
			if w.Old != nil {
				restated[w.Old.ID] = true
			}
			ws = append(ws, w)
		})
		if err != nil {
			return err
		}
		if !stream.Failed() {
			fill(ws)
		}
		clear(ws) // what they point to is the caller's again
		if done += len(piece); o.Progress != nil {
			o.Progress(done)
		}
		return nil
	})
	if err == nil && base != nil && !stream.Failed() {
		ws = ws[:0]
		for _, w := range base.Relations {
			if !restated[w.New.ID] {
				ws = append(ws, w)
			}
		}
		fill(ws)
	}
	sum, ferr := stream.Finish()
	var ve, fe *graph.ValidationError
	switch {
	case errors.As(err, &ve) && errors.As(ferr, &fe):
		// the source's problems (the file's shape), and the checks'
		err = &graph.ValidationError{Items: append(ve.Items, fe.Items...)}
	case err == nil:
		err = ferr
	}
	if err != nil {
		b.Abort()
		return graph.Summary{}, err
	}
	for _, s := range sinks {
		b.Add(func() []*bulk.Family { return s.done() })
	}
	b.Add(historyTask(pool, nil, graph.ChangeInfoOf(ctx), sum, nil))
	// the records the seed and the changeset state, and those the
	// relations' citations made (known once every piece is planned)
	b.Add(sourcesTask(pool, onto(base, entities).Sources))
	if err := b.Wait(); err != nil {
		return graph.Summary{}, err
	}
	return sum, nil
}

// metaTask writes the metadata: the layout (see layout.go) and meta.
func metaTask(pool *bulk.Pool, meta map[string]string) bulk.Task {
	return func() []*bulk.Family {
		f := pool.Family(pMeta, 1)
		f.Put(strconv.Itoa(LayoutVersion), metaLayout, "", "")
		for name, v := range meta {
			if name != metaLayout {
				f.Put(v, name, "", "")
			}
		}
		return []*bulk.Family{f}
	}
}
