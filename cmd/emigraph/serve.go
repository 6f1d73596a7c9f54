package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/schema"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/server"
)

// badgerLogger sends Badger's log lines to zerolog; its chatter is debug.
type badgerLogger struct{ log zerolog.Logger }

func (l badgerLogger) Errorf(f string, a ...any)   { l.log.Error().Msgf(strings.TrimSpace(f), a...) }
func (l badgerLogger) Warningf(f string, a ...any) { l.log.Warn().Msgf(strings.TrimSpace(f), a...) }
func (l badgerLogger) Infof(f string, a ...any)    { l.log.Debug().Msgf(strings.TrimSpace(f), a...) }
func (l badgerLogger) Debugf(f string, a ...any)   { l.log.Debug().Msgf(strings.TrimSpace(f), a...) }

var _ badger.Logger = badgerLogger{}

// openStore opens the store in dir, creating it. On a disk with less free
// than the reserve an existing store opens read-only (st.ReadOnly says so).
func (m *Main) openStore(dir string, log zerolog.Logger, f storeFlags) (*badger.Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	o := f.options(log)
	if m.storeOptions != nil {
		m.storeOptions(&o)
	}
	return badger.Open(dir, o)
}

// seedIfNew loads the embedded seed into a store that has never been seeded
// and holds no entities. A store that was seeded (or filled by a load) is
// left alone, so a restart never seeds twice and a retracted seed fact stays
// retracted.
func seedIfNew(ctx context.Context, st graph.Admin, log zerolog.Logger) error {
	done, err := st.Meta("seeded")
	if err != nil || done != "" {
		return err
	}
	fresh, err := isNew(ctx, st)
	if err != nil {
		return err
	}
	if !fresh {
		return st.SetMeta("seeded", "skipped: the store had data")
	}
	cs, err := seed.Default()
	if err != nil {
		return fmt.Errorf("the embedded seed is broken: %w", err)
	}
	start := time.Now()
	sum, err := st.Apply(ctx, cs, false)
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	if err := st.SetMeta("seeded", seedHash()); err != nil {
		return err
	}
	log.Info().Int("entities", sum.EntitiesAdded).Int("relations", sum.RelationsAdded).
		Int("predicates", sum.PredicatesAdded).Int64("took_ms", time.Since(start).Milliseconds()).Msg("seeded a new store from the embedded facts")
	return nil
}

// isNew reports whether a store was never seeded and holds no entities.
func isNew(ctx context.Context, st graph.Admin) (bool, error) {
	done, err := st.Meta("seeded")
	if err != nil || done != "" {
		return false, err
	}
	n, err := st.CountEntities(ctx, "")
	return n == 0, err
}

func seedHash() string {
	h := sha256.New()
	for _, name := range seed.Files() {
		h.Write([]byte(name))
	}
	return "seed:" + hex.EncodeToString(h.Sum(nil)[:8])
}

// readToken reads the write token from --token-file or EMIGRAPH_TOKEN.
func (m *Main) readToken(file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		t := strings.TrimSpace(string(b))
		if t == "" {
			return "", fmt.Errorf("--token-file %s is empty", file)
		}
		return t, nil
	}
	return strings.TrimSpace(m.Getenv("EMIGRAPH_TOKEN")), nil
}

func (m *Main) serve(ctx context.Context, args []string) error {
	fs := newFlags(m, "serve")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	data := fs.String("data", "data", "data directory (created and seeded if new)")
	tokenFile := fs.String("token-file", "", "file holding the bearer token that allows writes (or set EMIGRAPH_TOKEN); without one the server is read-only")
	cors := fs.String("cors", "", "comma-separated origins allowed to call /graphql from browsers (off by default)")
	maxBody := fs.Int64("max-body", 1<<20, "largest request body in bytes")
	maxImport := fs.Int64("max-import", 1<<30, "largest upload to /admin/import (load --server) in bytes")
	timeout := fs.Duration("timeout", 10*time.Second, "longest time one GraphQL request may run")
	limits := addLimitFlags(fs)
	maxExecutions := fs.Int("max-executions", 0, fmt.Sprintf("most GraphQL queries executing at once; the others wait their turn (0: four per CPU, at least 8, here %d; -1: no bound)", max(4*runtime.GOMAXPROCS(0), 8)))
	queueTimeout := fs.Duration("queue-timeout", 0, "longest wait of a query for its turn before it is answered 503 (0: half of --timeout)")
	readTimeout := fs.Duration("read-timeout", 15*time.Second, "longest time to read a request")
	writeTimeout := fs.Duration("write-timeout", 30*time.Second, "longest time to write a response")
	idleTimeout := fs.Duration("idle-timeout", 120*time.Second, "how long an idle keep-alive connection is kept (shorter from half of --max-conns on)")
	defaults := server.DefaultConnLimits(server.OpenFileLimit())
	maxConns := fs.Int("max-conns", 0, fmt.Sprintf("most connections open at once; past it an idle one is closed, or the new one answered 503 (0: from the open-file limit, here %d; -1: no cap)", defaults.Total))
	maxConnsPerClient := fs.Int("max-conns-per-client", 0, fmt.Sprintf("most connections open at once from one client address, an IPv4 address or an IPv6 /64 (0: a sixteenth of --max-conns, at least 8, here %d; -1: no cap, e.g. behind a proxy)", defaults.PerClient))
	verifyEvery := fs.Duration("verify-every", time.Hour, "how often to check every table of the store against its checksums (0: only when it opens); a table that fails makes /readyz fail and every request refused")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	storage := addStoreFlags(fs)
	if _, err := m.parse(fs, args); err != nil {
		return err
	}
	log, err := m.logger(*level)
	if err != nil {
		return err
	}
	if limits.MaxFirst < 50 || limits.MaxFirst > 500 {
		return &errUsage{fmt.Sprintf("--max-first %d: give 50 (the default page size) to 500", limits.MaxFirst)}
	}
	if *queueTimeout < 0 {
		return &errUsage{fmt.Sprintf("--queue-timeout %s: give a duration, e.g. 5s", *queueTimeout)}
	}
	token, err := m.readToken(*tokenFile)
	if err != nil {
		return err
	}
	// the address first: a mistyped one must not leave a seeded directory
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return &errUsage{fmt.Sprintf("--addr %s: %v", *addr, err)}
	}
	defer l.Close()
	st, err := m.openStore(*data, log, storage)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); errors.Is(err, badger.ErrFailed) {
			log.Warn().Msg("the store that failed was left as it is: its logs are replayed when it is opened again")
		} else if err != nil {
			log.Error().Err(err).Msg("closing the store")
		} else {
			log.Info().Msg("store closed")
		}
	}()
	if why := st.ReadOnly(); why != nil {
		// a full disk or a read-only mount: serve what is there, refuse
		// writes, seed nothing
		log.Warn().Str("data", *data).Str("reason", why.Error()).Msg("the store is open READ-ONLY: every write is refused until the server is restarted with room to write")
	} else if err := seedIfNew(ctx, st, log); err != nil {
		return err
	}
	api, err := schema.New(ctx, st, schema.Options{
		Parse:  seed.Parse,
		Limits: *limits,
		OnPanic: func(v any, stack []byte) {
			log.Error().Str("panic", fmt.Sprint(v)).Bytes("stack", stack).Msg("recovered from a panic in a resolver")
		},
	})
	if err != nil {
		return err
	}
	var origins []string
	for _, o := range strings.Split(*cors, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	srv := server.New(server.Config{
		API:               api,
		Logger:            log,
		Token:             token,
		CORSOrigins:       origins,
		MaxBodyBytes:      *maxBody,
		MaxImportBytes:    *maxImport,
		Operations:        operations(st),
		RequestTimeout:    *timeout,
		ReadTimeout:       *readTimeout,
		WriteTimeout:      *writeTimeout,
		IdleTimeout:       *idleTimeout,
		MaxExecutions:     *maxExecutions,
		QueueTimeout:      *queueTimeout,
		MaxConns:          *maxConns,
		MaxConnsPerClient: *maxConnsPerClient,
		// not ready once the store failed or was found corrupt
		Ready:     func(context.Context) error { return st.Check() },
		StoreSize: st.DiskUsage,
	})
	mode := "read-only (no token configured)"
	if token != "" {
		mode = "writes allowed with the bearer token"
	}
	if why := st.ReadOnly(); graph.ErrorCode(why) == graph.ENOSPACE {
		mode = "read-only (no space left)"
	} else if why != nil {
		mode = "read-only (the file system is read-only)"
	}
	caps := srv.ConnLimits()
	log.Info().Int("max_conns", caps.Total).Int("max_conns_per_client", caps.PerClient).Uint64("open_file_limit", server.OpenFileLimit()).
		Msg("connection caps (negative: none)")
	log.Info().Str("addr", "http://"+l.Addr().String()).Str("explorer", "http://"+l.Addr().String()+"/explore").Str("playground", "http://"+l.Addr().String()+"/graphiql").
		Str("data", *data).Str("mode", mode).Msg("serving")
	if m.Ready != nil {
		m.Ready(l.Addr().String())
	}
	serveCtx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	go watchStore(serveCtx, st, log, stopServing, *verifyEvery)
	err = srv.Serve(serveCtx, l)
	if failure := st.Err(); errors.Is(failure, badger.ErrFailed) {
		return fmt.Errorf("exiting: %w", failure)
	}
	switch {
	case errors.Is(err, server.ErrNotDrained):
		log.Error().Err(err).Msg("shut down: gave up waiting; the requests still running were cut off")
	case err == nil:
		log.Info().Msg("shut down: requests drained")
	}
	return err
}

// storeCheckEvery is how often a server reads its store to find it failed
// before a request does.
const storeCheckEvery = 5 * time.Second

// watchStore watches the server's store. Once it has failed internally
// (Badger lost its state: every request would panic) it logs why and calls
// stop, and serve exits non-zero, so that a supervisor restarts it; the
// store opens again whole. A failure is seen by the write that met it, by
// /readyz, or by the check every storeCheckEvery. Every verifyEvery (0:
// never) it checks the store's tables; a table that fails is logged, and
// the store refuses requests and /readyz fails from then on (a restart
// would not help: the store does not open).
func watchStore(ctx context.Context, st graph.Admin, log zerolog.Logger, stop func(), verifyEvery time.Duration) {
	tick := time.NewTicker(storeCheckEvery)
	defer tick.Stop()
	var verify <-chan time.Time
	if verifyEvery > 0 {
		t := time.NewTicker(verifyEvery)
		defer t.Stop()
		verify = t.C
	}
	corrupt := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			st.Check()
		case <-verify:
			start := time.Now()
			check, err := st.CheckTables()
			if err != nil {
				if !corrupt {
					log.Error().Err(err).Int("tables_corrupt", len(check.Problems)).Msg("a check of the store's tables failed")
				}
				corrupt = true
				continue
			}
			log.Info().Int("tables", check.Tables).Int64("bytes", check.Bytes).Int64("took_ms", time.Since(start).Milliseconds()).Msg("the store's tables were checked: every checksum holds")
		case <-st.Failed():
			log.Error().Err(st.Err()).Msg("the store failed and cannot serve until it is opened again: stopping the server, which exits non-zero so that a supervisor restarts it")
			stop()
			return
		}
	}
}

func formatNames() string {
	var names []string
	for _, f := range seed.Formats() {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}
