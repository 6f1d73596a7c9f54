package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/seed/format/jsonl"
)

// document is one input file, read and parsed.
type document struct {
	name   string
	format seed.Format
	raw    []byte
	mapped bool // raw is a mapped file (readFile)
}

// documentFormat is the format of a file: --format when given, else the
// file's extension.
func documentFormat(name, format string) (seed.Format, error) {
	switch {
	case format != "":
		return formatFlag(format)
	case name == "-":
		return seed.Format{}, &errUsage{"reading standard input (-) needs --format"}
	}
	f, err := seed.FormatForFile(name)
	if err != nil {
		return f, &errUsage{err.Error()}
	}
	return f, nil
}

func (m *Main) readDocuments(files []string, format string) ([]document, error) {
	var docs []document
	for _, name := range files {
		f, err := documentFormat(name, format)
		if err != nil {
			return nil, err
		}
		var raw []byte
		mapped := false
		if name == "-" {
			raw, err = io.ReadAll(m.Stdin)
			name = "stdin"
		} else {
			raw, mapped, err = readFile(name)
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, document{name: name, format: f, raw: raw, mapped: mapped})
	}
	return docs, nil
}

// reportProblems prints every problem as "file:line: field: problem".
func (m *Main) reportProblems(err error) error {
	var ve *graph.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	fmt.Fprintln(m.Stderr, ve.Error())
	fmt.Fprintf(m.Stderr, "emigraph: refused: %s; nothing was written\n", plural(ve.Count(), "problem"))
	return errReported
}

func (m *Main) load(ctx context.Context, args []string) error {
	fs := newFlags(m, "load")
	data := fs.String("data", "data", "data directory")
	format := fs.String("format", "", "format of the files (native, csv, jsonl, nquads); by default from each file's extension")
	dryRun := fs.Bool("dry-run", false, "validate and show what would be added, changed and retracted; write nothing")
	jsonOut := fs.Bool("json", false, "with --dry-run: print the summary and every change as JSON, for programs")
	server := fs.String("server", "", "send the facts to a running server (its address, e.g. http://127.0.0.1:8080) instead of opening the data directory: streamed, all or nothing, of any size up to the server's --max-import")
	tokenFile := fs.String("token-file", "", "file holding the server's bearer token (or set EMIGRAPH_TOKEN), with --server")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the load to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile of the load to this file, taken when the heap is largest")
	noSeed := fs.Bool("no-seed", false, "load into a new store as it is, without first seeding it with the embedded facts (and their predicates)")
	memory := fs.String("memory", "2GiB", "memory for sorting the keys of a load into a new directory, or of a store rebuilt with a load large beside it (e.g. 512MiB, 4GiB; 0 for no bound); beyond it they are sorted in runs spilled to disk beside the store and merged")
	storage := addStoreFlags(fs)
	files, err := m.parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return &errUsage{"load needs at least one FILE (or - for standard input)"}
	}
	budget, err := badger.ParseBytes(*memory)
	if err != nil {
		return &errUsage{"--memory: " + err.Error()}
	}
	log, err := m.logger(*level)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *memProfile != "" {
		stop := heapProfileAtPeak(*memProfile)
		defer stop()
	}
	if *server != "" {
		base, err := serverURL(*server)
		if err != nil {
			return err
		}
		for _, name := range files {
			if _, err := documentFormat(name, *format); err != nil {
				return err
			}
		}
		token, err := m.readToken(*tokenFile)
		if err != nil {
			return err
		}
		return m.importRemote(ctx, base, token, files, *format, *dryRun, *jsonOut)
	}
	docs, err := m.readDocuments(files, *format)
	if err != nil {
		return err
	}
	start := time.Now()
	var bytesRead int
	for _, d := range docs {
		bytesRead += len(d.raw)
	}
	// into a new or empty directory: the store is built there whole (tables
	// written directly, far less work than transactions), then opened; the
	// seed, unless --no-seed, is planned first and the files over it, in the
	// same build, and the store records that it was seeded as serve does
	var built *graph.Summary
	buildOptions := func(items int) (badger.BuildOptions, error) {
		bo := badger.BuildOptions{Options: storage.options(log), Progress: m.progress(log, items), MemoryBudget: budget}
		if !*noSeed {
			if bo.Seed, err = seed.Default(); err != nil {
				return bo, fmt.Errorf("the embedded seed is broken: %w", err)
			}
			bo.Meta = map[string]string{"seeded": seedHash()}
		}
		return bo, nil
	}
	if !*dryRun && emptyDir(*data) && streamable(docs) {
		if budget > 0 {
			// The collector lets the heap grow to twice what is live before
			// it collects, and what is live here is mostly the budget's
			// keys: a soft limit keeps the heap near the budget and what the
			// build holds beyond it (the entities, the counters), collecting
			// more often as it nears it rather than doubling.
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(budget + budget/4 + 2<<30))
		}
		sum, ok, err := m.buildStreamed(ctx, *data, docs, log, buildOptions)
		if err != nil {
			return err
		}
		if ok {
			built = &sum
		}
	}
	all := &graph.Changeset{}
	if built == nil {
		var problems []graph.ItemError
		// Parsing builds what the load then keeps: collecting while the heap
		// is still small (the collector's goal follows the live heap) would find
		// little to free, many times over.
		gcPercent := debug.SetGCPercent(400)
		for _, d := range docs {
			c, err := d.format.ParseData(d.name, d.raw)
			if err != nil {
				var ve *graph.ValidationError
				if errors.As(err, &ve) {
					problems = append(problems, ve.Items...)
					continue
				}
				return fmt.Errorf("%s: %w", d.name, err)
			}
			if len(docs) == 1 {
				all = c // not copied
			} else {
				all.Append(c)
			}
		}
		debug.SetGCPercent(gcPercent)
		if len(problems) > 0 {
			return m.reportProblems(&graph.ValidationError{Items: problems})
		}
		log.Info().Int("files", len(docs)).Int("items", all.Len()).Int64("took_ms", time.Since(start).Milliseconds()).Msg("parsed")
		if !*dryRun && emptyDir(*data) {
			bo, err := buildOptions(all.Len())
			if err != nil {
				return err
			}
			sum, err := badger.Build(ctx, *data, all, bo)
			if err != nil {
				return m.reportProblems(err)
			}
			built = &sum
		}
	}
	st, err := openStore(*data, log, storage)
	if err != nil {
		if errors.Is(err, badger.ErrLocked) {
			return fmt.Errorf("%w\n  the server holds %s; load through it instead:\n  emigraph load %s --server http://127.0.0.1:8080 --token-file FILE", err, *data, strings.Join(files, " "))
		}
		return err
	}
	held := st // closed at the end (a dry run may read another st, and a rebuild reopens it)
	defer func() {
		if held != nil {
			held.Close()
		}
	}()
	if !*noSeed {
		if *dryRun {
			// a dry run writes nothing, so it checks the file against the seed a
			// new store would get
			fresh, err := isNew(ctx, st)
			if err != nil {
				return err
			}
			if fresh {
				// check against the seed the store would get first, held in
				// memory, so that the diff is the files' alone
				mem, err := seededInMemory(ctx)
				if err != nil {
					return err
				}
				defer mem.Close()
				st = mem
				fmt.Fprintln(m.Stderr, "emigraph: the store is new: checked against the seed it would get first")
			}
		} else if err := seedIfNew(ctx, st, log); err != nil {
			// a new store gets the article and the predicate vocabulary first, as serve does
			return err
		}
	}
	var sum graph.Summary
	if built != nil {
		sum = *built
	} else {
		var plan *graph.Plan
		onPlan := func(p *graph.Plan) { plan = p }
		rebuild := false
		if !*dryRun {
			if rebuild, err = st.ShouldRebuild(all); err != nil {
				return err
			}
		}
		if rebuild {
			// large beside what the store holds: written anew with it, as a
			// load into a new directory is, and swapped in (Rebuild takes the
			// directory for itself, so this process lets go of it meanwhile)
			log.Info().Int("items", all.Len()).Msg("rebuilding the store with the load beside it")
			held = nil
			if err := st.Close(); err != nil {
				return err
			}
			sum, err = badger.Rebuild(ctx, *data, all, badger.RebuildOptions{Options: storage.options(log),
				Progress: m.progress(log, all.Len()), MemoryBudget: budget, OnPlan: onPlan})
			if err != nil {
				return m.reportProblems(err)
			}
			if st, err = openStore(*data, log, storage); err != nil {
				return err
			}
			held = st
		} else {
			sum, err = st.Load(ctx, all, badger.LoadOptions{DryRun: *dryRun, Progress: m.progress(log, all.Len()), OnPlan: onPlan})
			if err != nil {
				return m.reportProblems(err)
			}
		}
		if *dryRun {
			if plan == nil {
				plan = &graph.Plan{}
			}
			return m.printDiff(sum, plan.Changes(), plan.Warnings, *jsonOut)
		}
		if plan != nil {
			for _, w := range plan.Warnings {
				fmt.Fprintln(m.Stderr, w)
			}
		}
	}
	// a store filled by load is not a new store: serve must not seed it
	if !*dryRun && sum.Changed() {
		if done, _ := st.Meta("seeded"); done == "" {
			st.SetMeta("seeded", "skipped: filled by load")
		}
	}
	elapsed := time.Since(start)
	fmt.Fprintln(m.Stdout, sum.String())
	items := sum.RelationsAdded + sum.RelationsUpdated + sum.RelationsUnchanged
	verb := "loaded"
	if *dryRun {
		verb = "checked (dry run: nothing written)"
	}
	log.Info().Int64("took_ms", elapsed.Milliseconds()).Int("relations_per_s", int(float64(items)/elapsed.Seconds())).
		Int("bytes", bytesRead).Msg(verb)
	return nil
}

// streamable reports whether a load of docs into a new directory can
// stream their relations: JSON Lines, parsed a piece at a time.
func streamable(docs []document) bool {
	for _, d := range docs {
		if d.format.Name != jsonl.Format.Name {
			return false
		}
	}
	return len(docs) > 0
}

// buildStreamed builds a new store from JSON Lines files holding no more
// than a piece of their relations at a time (badger.BuildOptions.Relations):
// a first pass parses every line but the plain relations (jsonl.IsPlainRelation:
// predicates, entities, and anything else), a second streams those. ok is
// false, with nothing written, when the files need a whole build: they
// retract relations (a retraction is checked against every relation), or
// state a relation twice (graph.ErrRestated: the two are merged).
func (m *Main) buildStreamed(ctx context.Context, dir string, docs []document, log zerolog.Logger, options func(items int) (badger.BuildOptions, error)) (sum graph.Summary, ok bool, err error) {
	const pieceBytes = 32 << 20
	start := time.Now()
	head := &graph.Changeset{}
	var problems []graph.ItemError
	relations := 0
	collect := func(err error) error {
		var ve *graph.ValidationError
		if errors.As(err, &ve) {
			problems = append(problems, ve.Items...)
			return nil
		}
		return err
	}
	for _, d := range docs {
		n, err := jsonl.ParsePieces(d.name, d.raw, pieceBytes, func(line []byte) bool { return !jsonl.IsPlainRelation(line) },
			func(c *graph.Changeset, raw []byte) error {
				head.Append(c)
				if d.mapped {
					dropPages(raw)
				}
				return nil
			})
		if err = collect(err); err != nil {
			return sum, false, fmt.Errorf("%s: %w", d.name, err)
		}
		relations += n
	}
	if len(head.Retractions) > 0 {
		return sum, false, nil
	}
	// the relations of the first pass (not plain) come first
	early := head.Relations
	head.Relations = nil
	relations += len(early)
	source := func(piece func([]graph.RelationChange) error) error {
		if len(early) > 0 {
			if err := piece(early); err != nil {
				return err
			}
		}
		var parseProblems []graph.ItemError
		for _, d := range docs {
			_, err := jsonl.ParsePieces(d.name, d.raw, pieceBytes, jsonl.IsPlainRelation, func(c *graph.Changeset, raw []byte) error {
				if len(problems)+len(parseProblems) > 0 {
					return nil // only parsed, for their problems: nothing will be written
				}
				err := piece(c.Relations)
				if d.mapped {
					dropPages(raw)
				}
				return err
			})
			var ve *graph.ValidationError
			if errors.As(err, &ve) {
				parseProblems = append(parseProblems, ve.Items...)
			} else if err != nil {
				return err
			}
		}
		if len(parseProblems) > 0 {
			return &graph.ValidationError{Items: parseProblems}
		}
		return nil
	}
	if len(problems) > 0 {
		// the lines of the first pass have problems: the relations are
		// parsed for theirs, and not checked against entities that failed
		err := source(func([]graph.RelationChange) error { return nil })
		if err = collect(err); err != nil {
			return sum, false, err
		}
		return sum, false, m.reportProblems(&graph.ValidationError{Items: problems})
	}
	log.Info().Int("files", len(docs)).Int("items", head.Len()).Int("relations", relations).Int64("took_ms", time.Since(start).Milliseconds()).
		Msg("parsed all but the relations; streaming them")
	bo, err := options(head.Len() + relations)
	if err != nil {
		return sum, false, err
	}
	bo.Relations, bo.RelationCount = source, relations
	if p := bo.Progress; p != nil {
		entities := head.Len()
		bo.Progress = func(done int) { p(entities + done) }
	}
	sum, err = badger.Build(ctx, dir, head, bo)
	if errors.Is(err, graph.ErrRestated) {
		log.Info().Msg("a relation is stated twice: building the files whole")
		return sum, false, nil
	}
	if err != nil {
		return sum, false, m.reportProblems(err)
	}
	return sum, true, nil
}

// emptyDir reports whether dir does not exist or is an empty directory.
func emptyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	return errors.Is(err, os.ErrNotExist) || (err == nil && len(entries) == 0)
}

// progress reports a long load: a bar on a terminal, a log line every few
// seconds otherwise.
func (m *Main) progress(log zerolog.Logger, total int) func(done int) {
	if total < 10000 {
		return nil
	}
	start, last := time.Now(), time.Time{}
	tty := isTerminal(m.Stderr)
	return func(done int) {
		now := time.Now()
		if done < total && now.Sub(last) < map[bool]time.Duration{true: 200 * time.Millisecond, false: time.Second}[tty] {
			return
		}
		last = now
		rate := float64(done) / now.Sub(start).Seconds()
		if tty {
			const width = 30
			filled := width * done / total
			fmt.Fprintf(m.Stderr, "\r[%s%s] %3d%% %d/%d items, %.0f/s ", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), 100*done/total, done, total, rate)
			if done >= total {
				fmt.Fprintln(m.Stderr)
			}
			return
		}
		log.Info().Int("done", done).Int("total", total).Int("relations_per_s", int(rate)).Msg("loading")
	}
}

// heapProfileAtPeak writes a heap profile to name whenever the live heap has
// grown a tenth past the largest seen (sampled every 200 ms), so that what
// is left at the end is the profile of the peak: a profile taken at the end
// of a load would show what is still held then, not what the load needed.
func heapProfileAtPeak(name string) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc < peak+peak/10 {
				continue
			}
			peak = ms.HeapAlloc
			if f, err := os.Create(name); err == nil {
				pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		}
	}()
	return func() { close(done); <-finished }
}
