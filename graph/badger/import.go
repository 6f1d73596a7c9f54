package badger

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/emigraph/emigraph/graph"
)

// Directory is the store of a data directory, as a load sees it: Import
// builds it when the directory is new, and loads into it otherwise.
type Directory struct {
	// Path is the data directory.
	Path string
	// Options are those a store built or rebuilt here is written for.
	Options Options
	// Open opens the store in Path for a load into it (by default Open
	// with Options).
	Open func() (*Store, error)
}

// Import loads the facts of src into the directory's store all or
// nothing, and chooses how. Into a new or empty directory the store is
// built whole (Build), with o.Seed first; from streamed relations when src
// can stream them, and from the whole changeset when it cannot or when the
// facts need it (they retract relations, or state one twice). Into an
// existing store, the facts are written anew with it and swapped in
// (Rebuild) when they are large beside it (ShouldRebuild), and in
// transactions (Load) otherwise. The store is then opened (o.Opened), and
// closed before Import returns.
func (d *Directory) Import(ctx context.Context, src graph.ImportSource, o graph.ImportOptions) (graph.ImportResult, error) {
	if !o.DryRun && emptyDir(d.Path) && src.Head != nil && src.Relations != nil {
		if o.MemoryBudget > 0 {
			// The collector lets the heap grow to twice what is live before
			// it collects, and what is live here is mostly the budget's
			// keys: a soft limit keeps the heap near the budget and what the
			// build holds beyond it (the entities, the counters), collecting
			// more often as it nears it rather than doubling.
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(o.MemoryBudget + o.MemoryBudget/4 + 2<<30))
		}
		sum, ok, err := d.streamedBuild(ctx, src, o)
		if err != nil {
			return graph.ImportResult{}, err
		}
		if ok {
			return d.afterBuild(ctx, sum, graph.ImportStreamed, o)
		}
	}
	c, err := src.Parse()
	if err != nil {
		return graph.ImportResult{}, err
	}
	if !o.DryRun && emptyDir(d.Path) {
		bo, err := d.buildOptions(c.Len(), o)
		if err != nil {
			return graph.ImportResult{}, err
		}
		sum, err := Build(ctx, d.Path, c, bo)
		if err != nil {
			return graph.ImportResult{}, err
		}
		return d.afterBuild(ctx, sum, graph.ImportBuilt, o)
	}
	return d.importInto(ctx, c, o)
}

// emptyDir reports whether dir does not exist or is an empty directory.
func emptyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	return errors.Is(err, os.ErrNotExist) || (err == nil && len(entries) == 0)
}

// buildOptions are the options of a build of items into the directory.
func (d *Directory) buildOptions(items int, o graph.ImportOptions) (BuildOptions, error) {
	bo := BuildOptions{Options: d.Options, MemoryBudget: o.MemoryBudget, Meta: o.NewMeta}
	if o.Seed != nil {
		var err error
		if bo.Seed, err = o.Seed(); err != nil {
			return bo, err
		}
	}
	if o.Progress != nil {
		bo.Progress = o.Progress(items)
	}
	return bo, nil
}

// open opens the directory's store.
func (d *Directory) open() (*Store, error) {
	if d.Open != nil {
		return d.Open()
	}
	return Open(d.Path, d.Options)
}

// afterBuild opens the store a build made, as a load into it would (so
// that o.Opened sees it), and closes it.
func (d *Directory) afterBuild(ctx context.Context, sum graph.Summary, method graph.ImportMethod, o graph.ImportOptions) (graph.ImportResult, error) {
	st, err := d.open()
	if err != nil {
		return graph.ImportResult{}, err
	}
	defer st.Close()
	if o.Opened != nil {
		if _, err := o.Opened(ctx, st); err != nil {
			return graph.ImportResult{}, err
		}
	}
	recordChanged(st, sum, o)
	return graph.ImportResult{Summary: sum, Method: method}, nil
}

// recordChanged records o.ChangedMeta in a store that a load changed,
// under the names not yet recorded.
func recordChanged(st *Store, sum graph.Summary, o graph.ImportOptions) {
	if !sum.Changed() {
		return
	}
	for name, value := range o.ChangedMeta {
		if done, _ := st.Meta(name); done == "" {
			st.SetMeta(name, value)
		}
	}
}

// importInto loads c into the existing store: rebuilt with it when it is
// large beside the store, in transactions otherwise; or, in a dry run,
// planned against the store o.Opened gives.
func (d *Directory) importInto(ctx context.Context, c *graph.Changeset, o graph.ImportOptions) (graph.ImportResult, error) {
	st, err := d.open()
	if err != nil {
		return graph.ImportResult{}, err
	}
	held := st // closed at the end (a rebuild reopens it)
	defer func() {
		if held != nil {
			held.Close()
		}
	}()
	var target graph.Store = st
	if o.Opened != nil {
		if target, err = o.Opened(ctx, st); err != nil {
			return graph.ImportResult{}, err
		}
	}
	res := graph.ImportResult{Method: graph.ImportJournaled}
	onPlan := func(p *graph.Plan) { res.Plan = p }
	progress := func() func(int) {
		if o.Progress == nil {
			return nil
		}
		return o.Progress(c.Len())
	}
	if o.DryRun {
		res.Method = graph.ImportDryRun
		res.Summary, err = planOnly(ctx, target, c, onPlan)
		return res, err
	}
	rebuild, err := st.ShouldRebuild(c)
	if err != nil {
		return graph.ImportResult{}, err
	}
	if rebuild {
		// large beside what the store holds: written anew with it, as a
		// load into a new directory is, and swapped in (Rebuild takes the
		// directory for itself, so this process lets go of it meanwhile)
		if o.Report != nil {
			o.Report("rebuilding the store with the load beside it", "items", c.Len())
		}
		res.Method = graph.ImportRebuilt
		held = nil
		if err := st.Close(); err != nil {
			return graph.ImportResult{}, err
		}
		res.Summary, err = Rebuild(ctx, d.Path, c, RebuildOptions{Options: d.Options, Progress: progress(), MemoryBudget: o.MemoryBudget, OnPlan: onPlan})
		if err != nil {
			return graph.ImportResult{}, err
		}
		if st, err = d.open(); err != nil {
			return graph.ImportResult{}, err
		}
		held = st
	} else if res.Summary, err = st.Load(ctx, c, LoadOptions{Progress: progress(), OnPlan: onPlan}); err != nil {
		return graph.ImportResult{}, err
	}
	recordChanged(st, res.Summary, o)
	return res, nil
}

// planOnly plans c against st as a dry run of a load into it, and writes
// nothing.
func planOnly(ctx context.Context, st graph.Store, c *graph.Changeset, onPlan func(*graph.Plan)) (graph.Summary, error) {
	if s, ok := st.(*Store); ok {
		return s.Load(ctx, c, LoadOptions{DryRun: true, OnPlan: onPlan})
	}
	p, ok := st.(graph.Planner)
	if !ok {
		return graph.Summary{}, fmt.Errorf("a dry run cannot plan against a %T", st)
	}
	plan, err := p.Plan(ctx, c)
	if err != nil {
		return graph.Summary{}, err
	}
	plan.Summary.DryRun = true
	onPlan(plan)
	return plan.Summary, nil
}

// streamedBuild builds a new store from src holding no more than a piece
// of its relations at a time (BuildOptions.Relations): a first pass
// (src.Head) parses every item but the plain relations, a second
// (src.Relations) streams those. ok is false, with nothing written, when
// the facts need a whole build: they retract relations (a retraction is
// checked against every relation), or state a relation twice
// (graph.ErrRestated: the two are merged).
func (d *Directory) streamedBuild(ctx context.Context, src graph.ImportSource, o graph.ImportOptions) (sum graph.Summary, ok bool, err error) {
	start := time.Now()
	head, relations, err := src.Head()
	var headProblems *graph.ValidationError
	if err != nil && !errors.As(err, &headProblems) {
		return sum, false, err
	}
	if head == nil {
		head = &graph.Changeset{}
	}
	if len(head.Retractions) > 0 {
		return sum, false, nil
	}
	if headProblems != nil {
		// the items of the first pass have problems: the relations are
		// parsed for theirs, and not checked against entities that failed
		err := src.Relations(func([]graph.RelationChange) error { return nil })
		var ve *graph.ValidationError
		if errors.As(err, &ve) {
			return sum, false, &graph.ValidationError{Items: append(headProblems.Items, ve.Items...)}
		}
		if err != nil {
			return sum, false, err
		}
		return sum, false, headProblems
	}
	// the relations of the first pass (not streamed) come first
	early := head.Relations
	head.Relations = nil
	relations += len(early)
	if o.Report != nil {
		o.Report("parsed all but the relations; streaming them", "items", head.Len(), "relations", relations,
			"took_ms", time.Since(start).Milliseconds())
	}
	bo, err := d.buildOptions(head.Len()+relations, o)
	if err != nil {
		return sum, false, err
	}
	bo.RelationCount = relations
	bo.Relations = func(piece func([]graph.RelationChange) error) error {
		if len(early) > 0 {
			if err := piece(early); err != nil {
				return err
			}
		}
		return src.Relations(piece)
	}
	if p := bo.Progress; p != nil {
		entities := head.Len()
		bo.Progress = func(done int) { p(entities + done) }
	}
	sum, err = Build(ctx, d.Path, head, bo)
	if errors.Is(err, graph.ErrRestated) {
		if o.Report != nil {
			o.Report("a relation is stated twice: building the files whole")
		}
		return sum, false, nil
	}
	if err != nil {
		return sum, false, err
	}
	return sum, true, nil
}
