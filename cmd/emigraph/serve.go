package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
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
	// the history says what the store's first change was
	sum, err := st.Apply(graph.WithChangeInfo(ctx, graph.ChangeInfo{Message: "the embedded seed"}), cs, false)
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

// serveFlags are serve's flags. The server's sizes and durations are bound
// to a server.Config that starts as server.DefaultConfig, and the request
// limits to schema.DefaultLimits, so that each default is stated once.
type serveFlags struct {
	addr, data, tokenFile, cors, logLevel string
	tokenName, cpuProfile                 string
	verifyEvery                           time.Duration
	config                                server.Config
	limits                                *schema.Limits
	storage                               storeFlags
}

// parseServeFlags reads serve's flags and checks those that the server
// would otherwise refuse later, or take in silence.
func (m *Main) parseServeFlags(args []string) (*serveFlags, error) {
	fs := newFlags(m, "serve")
	f := &serveFlags{config: server.DefaultConfig()}
	c := &f.config
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&f.data, "data", "data", "data directory (created and seeded if new)")
	fs.StringVar(&f.tokenFile, "token-file", "", "file holding the bearer token that allows writes (or set EMIGRAPH_TOKEN); without one the server is read-only")
	fs.StringVar(&f.tokenName, "token-name", "", "the name the history records of the writes the token allows, never the token (default: the --token-file's name, or EMIGRAPH_TOKEN)")
	fs.StringVar(&f.cors, "cors", "", "comma-separated origins allowed to call /graphql from browsers (off by default)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body", c.MaxBodyBytes, "largest request body in bytes")
	fs.Int64Var(&c.MaxImportBytes, "max-import", c.MaxImportBytes, "largest upload to /admin/import (load --server) in bytes")
	fs.DurationVar(&c.RequestTimeout, "timeout", c.RequestTimeout, "longest time one GraphQL request may run")
	f.limits = addLimitFlags(fs)
	fs.IntVar(&c.MaxExecutions, "max-executions", 0, fmt.Sprintf("most GraphQL queries executing at once; the others wait their turn (0: four per CPU, at least 8, here %d; -1: no bound)", server.DefaultMaxExecutions()))
	fs.DurationVar(&c.QueueTimeout, "queue-timeout", 0, "longest wait of a query for its turn before it is answered 503 (0: half of --timeout)")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "longest time to read a request")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "longest time to write a response")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "how long an idle keep-alive connection is kept (shorter from half of --max-conns on)")
	conns := server.DefaultConnLimits(server.OpenFileLimit())
	fs.IntVar(&c.MaxConns, "max-conns", 0, fmt.Sprintf("most connections open at once; past it an idle one is closed, or the new one answered 503 (0: from the open-file limit, here %d; -1: no cap)", conns.Total))
	fs.IntVar(&c.MaxConnsPerClient, "max-conns-per-client", 0, fmt.Sprintf("most connections open at once from one client address, an IPv4 address or an IPv6 /64 (0: a sixteenth of --max-conns, at least 8, here %d; -1: no cap, e.g. behind a proxy)", conns.PerClient))
	fs.DurationVar(&f.verifyEvery, "verify-every", time.Hour, "how often to check every table of the store against its checksums (0: only when it opens); a table that fails makes /readyz fail and every request refused")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file, ended when the server stops")
	f.storage = addStoreFlags(fs)
	if _, err := m.parse(fs, args); err != nil {
		return nil, err
	}
	return f, nil
}

// check refuses flags the server would take in silence.
func (f *serveFlags) check() error {
	if f.limits.MaxFirst < 50 || f.limits.MaxFirst > graph.MaxPageSize {
		return &errUsage{fmt.Sprintf("--max-first %d: give 50 (the default page size) to %d", f.limits.MaxFirst, graph.MaxPageSize)}
	}
	if f.config.QueueTimeout < 0 {
		return &errUsage{fmt.Sprintf("--queue-timeout %s: give a duration, e.g. 5s", f.config.QueueTimeout)}
	}
	return nil
}

// origins reads --cors.
func (f *serveFlags) origins() []string {
	var origins []string
	for _, o := range strings.Split(f.cors, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	return origins
}

func (m *Main) serve(ctx context.Context, args []string) error {
	f, err := m.parseServeFlags(args)
	if err != nil {
		return err
	}
	// the access log (a line per request) is buffered, so that it does
	// not cost a write per request; warnings and errors go out at once
	logs := newLogBuffer(m.Stderr)
	defer logs.Close()
	log, err := m.levelLogger(logs, f.logLevel)
	if err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	stopProfile, err := profile(f.cpuProfile, "")
	if err != nil {
		return err
	}
	defer stopProfile()
	token, err := m.readToken(f.tokenFile)
	if err != nil {
		return err
	}
	// the address first: a mistyped one must not leave a seeded directory
	l, err := net.Listen("tcp", f.addr)
	if err != nil {
		return &errUsage{fmt.Sprintf("--addr %s: %v", f.addr, err)}
	}
	defer l.Close()
	st, err := m.openStore(f.data, log, f.storage)
	if err != nil {
		return err
	}
	defer closeServedStore(st, log)
	if why := st.ReadOnly(); why != nil {
		// a full disk or a read-only mount: serve what is there, refuse
		// writes, seed nothing
		log.Warn().Str("data", f.data).Str("reason", why.Error()).Msg("the store is open READ-ONLY: every write is refused until the server is restarted with room to write")
	} else if err := seedIfNew(ctx, st, log); err != nil {
		return err
	}
	srv, err := newServer(ctx, st, f, token, log)
	if err != nil {
		return err
	}
	logServing(log, srv, st, l.Addr().String(), f.data, token)
	if m.Ready != nil {
		m.Ready(l.Addr().String())
	}
	return runServer(ctx, srv, st, l, log, f.verifyEvery)
}

// closeServedStore closes the store when serve ends, saying how it left it.
func closeServedStore(st graph.Admin, log zerolog.Logger) {
	if err := st.Close(); errors.Is(err, badger.ErrFailed) {
		log.Warn().Msg("the store that failed was left as it is: its logs are replayed when it is opened again")
	} else if err != nil {
		log.Error().Err(err).Msg("closing the store")
	} else {
		log.Info().Msg("store closed")
	}
}

// newServer makes the GraphQL API over st and the HTTP server in front of
// it, configured by serve's flags.
func newServer(ctx context.Context, st graph.Admin, f *serveFlags, token string, log zerolog.Logger) (*server.Server, error) {
	api, err := schema.New(ctx, st, schema.Options{
		Parse:   seed.Parse,
		Formats: formatNameList(),
		Limits:  *f.limits,
		OnPanic: func(v any, stack []byte) {
			log.Error().Str("panic", fmt.Sprint(v)).Bytes("stack", stack).Msg("recovered from a panic in a resolver")
		},
	})
	if err != nil {
		return nil, err
	}
	cfg := f.config
	cfg.API = api
	cfg.Logger = log
	cfg.Token = token
	cfg.TokenName = f.historyTokenName()
	cfg.CORSOrigins = f.origins()
	cfg.Operations = operations(st)
	// not ready once the store failed or was found corrupt
	cfg.Ready = func(context.Context) error { return st.Check() }
	cfg.StoreSize = st.DiskUsage
	return server.New(cfg), nil
}

// logServing says where the server listens, what it allows and its caps.
func logServing(log zerolog.Logger, srv *server.Server, st graph.Admin, addr, data, token string) {
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
	log.Info().Str("addr", "http://"+addr).Str("explorer", "http://"+addr+"/explore").Str("playground", "http://"+addr+"/graphiql").
		Str("data", data).Str("mode", mode).Msg("serving")
}

// runServer serves on l until ctx ends or the store fails (watchStore),
// then drains the requests in flight.
func runServer(ctx context.Context, srv *server.Server, st graph.Admin, l net.Listener, log zerolog.Logger, verifyEvery time.Duration) error {
	serveCtx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	go watchStore(serveCtx, st, log, stopServing, verifyEvery)
	err := srv.Serve(serveCtx, l)
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
