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
		// every format and every way of loading reads the bytes from here:
		// a UTF-16 file is refused once, before any parser misreads it
		if err := seed.CheckEncoding(name, raw); err != nil {
			return nil, m.reportProblems(err)
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
	format := fs.String("format", "", "format of the files ("+formatNames()+"); by default from each file's extension")
	dryRun := fs.Bool("dry-run", false, "validate and show what would be added, changed and retracted; write nothing")
	jsonOut := fs.Bool("json", false, "with --dry-run: print the summary and every change as JSON, for programs")
	server := fs.String("server", "", "send the facts to a running server (its address, e.g. http://127.0.0.1:8080) instead of opening the data directory: streamed, all or nothing, of any size up to the server's --max-import")
	tokenFile := fs.String("token-file", "", "file holding the server's bearer token (or set EMIGRAPH_TOKEN), with --server")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the load to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile of the load to this file, taken when the heap is largest")
	noSeed := fs.Bool("no-seed", false, "load into a new store as it is, without first seeding it with the embedded facts (and their predicates)")
	memory := fs.String("memory", "2GiB", "memory for sorting the keys of a load into a new directory, or of a store rebuilt with a load large beside it (e.g. 512MiB, 4GiB; 0 for no bound); beyond it they are sorted in runs spilled to disk beside the store and merged")
	message := addMessageFlag(fs)
	storage := addStoreFlags(fs)
	files, err := m.parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return &errUsage{"load needs at least one FILE (or - for standard input)"}
	}
	if err := graph.CheckChangeMessage(*message); err != nil {
		return &errUsage{"--" + err.Error()}
	}
	ctx = graph.WithChangeInfo(ctx, graph.ChangeInfo{Message: *message})
	budget, err := badger.ParseBytes(*memory)
	if err != nil {
		return &errUsage{"--memory: " + err.Error()}
	}
	log, err := m.logger(*level)
	if err != nil {
		return err
	}
	stop, err := profile(*cpuProfile, *memProfile)
	if err != nil {
		return err
	}
	defer stop()
	if *server != "" {
		return m.loadRemote(ctx, *server, *tokenFile, files, *format, *dryRun, *jsonOut)
	}
	docs, err := m.readDocuments(files, *format)
	if err != nil {
		return err
	}
	ctx = withDocumentFiles(ctx, docs)
	start := time.Now()
	o, closeBase := m.importOptions(log, *dryRun, *noSeed, budget)
	defer closeBase()
	dir := &badger.Directory{Path: *data, Options: storage.options(log),
		Open: func() (*badger.Store, error) { return m.openStore(*data, log, storage) }}
	res, err := dir.Import(ctx, m.importSource(docs, log, start), o)
	if errors.Is(err, badger.ErrLocked) {
		return fmt.Errorf("%w\n  the server holds %s; load through it instead:\n  emigraph load %s --server http://127.0.0.1:8080 --token-file FILE", err, *data, strings.Join(files, " "))
	}
	if err != nil {
		return m.reportProblems(err)
	}
	return m.reportLoad(res, docs, start, *dryRun, *jsonOut, log)
}

// profile starts the profiles --cpuprofile and --memprofile ask for; stop
// ends them.
func profile(cpu, mem string) (stop func(), err error) {
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if cpu != "" {
		f, err := os.Create(cpu)
		if err != nil {
			return stop, err
		}
		stops = append(stops, func() { f.Close() })
		if err := pprof.StartCPUProfile(f); err != nil {
			stop()
			return func() {}, err
		}
		stops = append(stops, pprof.StopCPUProfile)
	}
	if mem != "" {
		stops = append(stops, heapProfileAtPeak(mem))
	}
	return stop, nil
}

// loadRemote sends the files to a running server (--server).
func (m *Main) loadRemote(ctx context.Context, server, tokenFile string, files []string, format string, dryRun, asJSON bool) error {
	base, err := serverURL(server)
	if err != nil {
		return err
	}
	for _, name := range files {
		if _, err := documentFormat(name, format); err != nil {
			return err
		}
	}
	token, err := m.readToken(tokenFile)
	if err != nil {
		return err
	}
	return m.importRemote(ctx, base, token, files, format, dryRun, asJSON)
}

// importOptions are the options of a load into the data directory: the
// seed a new store gets first (unless noSeed), and the store a dry run
// checks the files against, which closeBase closes once the load is done.
func (m *Main) importOptions(log zerolog.Logger, dryRun, noSeed bool, budget int64) (o graph.ImportOptions, closeBase func()) {
	var base graph.Store
	closeBase = func() {
		if base != nil {
			base.Close()
		}
	}
	o = graph.ImportOptions{
		DryRun:       dryRun,
		MemoryBudget: budget,
		Progress:     func(items int) func(int) { return m.progress(log, items) },
		// a store filled by load is not a new store: serve must not seed it
		ChangedMeta: map[string]string{"seeded": "skipped: filled by load"},
		Report:      func(msg string, fields ...any) { log.Info().Fields(fields).Msg(msg) },
	}
	if noSeed {
		return o, closeBase
	}
	// into a new or empty directory the store is built whole, with the
	// seed planned first and the files over it, and records that it was
	// seeded as serve does
	o.Seed = func() (*graph.Changeset, error) {
		c, err := seed.Default()
		if err != nil {
			return nil, fmt.Errorf("the embedded seed is broken: %w", err)
		}
		return c, nil
	}
	o.NewMeta = map[string]string{"seeded": seedHash()}
	o.Opened = func(ctx context.Context, st graph.Admin) (graph.Store, error) {
		if !dryRun {
			// a new store gets the article and the predicate vocabulary first, as serve does
			return st, seedIfNew(ctx, st, log)
		}
		// a dry run writes nothing, so it checks the file against the seed a
		// new store would get
		fresh, err := isNew(ctx, st)
		if err != nil || !fresh {
			return st, err
		}
		// check against the seed the store would get first, held in
		// memory, so that the diff is the files' alone
		if base, err = seededInMemory(ctx); err != nil {
			return nil, err
		}
		fmt.Fprintln(m.Stderr, "emigraph: the store is new: checked against the seed it would get first")
		return base, nil
	}
	return o, closeBase
}

// importSource parses docs for a load: whole, and, when every one is JSON
// Lines, in two passes that stream the relations.
func (m *Main) importSource(docs []document, log zerolog.Logger, start time.Time) graph.ImportSource {
	src := graph.ImportSource{Parse: func() (*graph.Changeset, error) { return parseWhole(docs, log, start) }}
	if streamable(docs) {
		src.Head = func() (*graph.Changeset, int, error) { return parseHead(docs) }
		src.Relations = func(piece func([]graph.RelationChange) error) error { return streamRelations(docs, piece) }
	}
	return src
}

// parseWhole parses every document into one changeset, with every
// document's problems.
func parseWhole(docs []document, log zerolog.Logger, start time.Time) (*graph.Changeset, error) {
	all := &graph.Changeset{}
	var problems []graph.ItemError
	// Parsing builds what the load then keeps: collecting while the heap
	// is still small (the collector's goal follows the live heap) would find
	// little to free, many times over.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	for _, d := range docs {
		c, err := d.format.ParseData(d.name, d.raw)
		if err != nil {
			var ve *graph.ValidationError
			if errors.As(err, &ve) {
				problems = append(problems, ve.Items...)
				continue
			}
			return nil, fmt.Errorf("%s: %w", d.name, err)
		}
		if len(docs) == 1 {
			all = c // not copied
		} else {
			all.Append(c)
		}
	}
	if len(problems) > 0 {
		return nil, &graph.ValidationError{Items: problems}
	}
	log.Info().Int("files", len(docs)).Int("items", all.Len()).Int64("took_ms", time.Since(start).Milliseconds()).Msg("parsed")
	return all, nil
}

// reportLoad prints what a load did: a dry run's diff, or the summary and
// the plan's warnings.
func (m *Main) reportLoad(res graph.ImportResult, docs []document, start time.Time, dryRun, asJSON bool, log zerolog.Logger) error {
	sum := res.Summary
	if dryRun {
		plan := res.Plan
		if plan == nil {
			plan = &graph.Plan{}
		}
		return m.printDiff(sum, plan.Changes(), plan.Warnings, asJSON)
	}
	if res.Plan != nil {
		for _, w := range res.Plan.Warnings {
			fmt.Fprintln(m.Stderr, w)
		}
	}
	elapsed := time.Since(start)
	fmt.Fprintln(m.Stdout, sum.String())
	var bytesRead int
	for _, d := range docs {
		bytesRead += len(d.raw)
	}
	items := sum.RelationsAdded + sum.RelationsUpdated + sum.RelationsUnchanged
	log.Info().Int64("took_ms", elapsed.Milliseconds()).Int("relations_per_s", int(float64(items)/elapsed.Seconds())).
		Int("bytes", bytesRead).Msg("loaded")
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

// streamPieceBytes is how much of a JSON Lines file a streamed load parses
// at a time.
const streamPieceBytes = 32 << 20

// parseHead is the first pass of a streamed load: every line of docs but
// the plain relations (jsonl.IsPlainRelation: predicates, entities, and
// anything else), and how many plain relations it left.
func parseHead(docs []document) (*graph.Changeset, int, error) {
	head := &graph.Changeset{}
	var problems []graph.ItemError
	relations := 0
	for _, d := range docs {
		n, err := jsonl.ParsePieces(d.name, d.raw, streamPieceBytes, func(line []byte) bool { return !jsonl.IsPlainRelation(line) },
			func(c *graph.Changeset, raw []byte) error {
				head.Append(c)
				if d.mapped {
					dropPages(raw)
				}
				return nil
			})
		var ve *graph.ValidationError
		if errors.As(err, &ve) {
			problems = append(problems, ve.Items...)
		} else if err != nil {
			return head, 0, fmt.Errorf("%s: %w", d.name, err)
		}
		relations += n
	}
	if len(problems) > 0 {
		return head, relations, &graph.ValidationError{Items: problems}
	}
	return head, relations, nil
}

// streamRelations is the second pass: the plain relations of docs, a piece
// at a time; once a line has problems the rest are only parsed, for
// theirs.
func streamRelations(docs []document, piece func([]graph.RelationChange) error) error {
	var problems []graph.ItemError
	for _, d := range docs {
		_, err := jsonl.ParsePieces(d.name, d.raw, streamPieceBytes, jsonl.IsPlainRelation, func(c *graph.Changeset, raw []byte) error {
			if len(problems) > 0 {
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
			problems = append(problems, ve.Items...)
		} else if err != nil {
			return err
		}
	}
	if len(problems) > 0 {
		return &graph.ValidationError{Items: problems}
	}
	return nil
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
