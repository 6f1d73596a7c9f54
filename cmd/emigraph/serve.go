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
func openStore(dir string, log zerolog.Logger, f storeFlags) (*badger.Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return badger.Open(dir, f.options(log))
}

// seedIfNew loads the embedded seed into a store that has never been seeded
// and holds no entities. A store that was seeded (or filled by a load) is
// left alone, so a restart never seeds twice and a retracted seed fact stays
// retracted.
func seedIfNew(ctx context.Context, st *badger.Store, log zerolog.Logger) error {
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
func isNew(ctx context.Context, st *badger.Store) (bool, error) {
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
	readTimeout := fs.Duration("read-timeout", 15*time.Second, "longest time to read a request")
	writeTimeout := fs.Duration("write-timeout", 30*time.Second, "longest time to write a response")
	idleTimeout := fs.Duration("idle-timeout", 120*time.Second, "how long an idle keep-alive connection is kept")
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
	st, err := openStore(*data, log, storage)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
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
		API:            api,
		Logger:         log,
		Token:          token,
		CORSOrigins:    origins,
		MaxBodyBytes:   *maxBody,
		MaxImportBytes: *maxImport,
		Operations:     operations(st),
		RequestTimeout: *timeout,
		ReadTimeout:    *readTimeout,
		WriteTimeout:   *writeTimeout,
		IdleTimeout:    *idleTimeout,
		Ready: func(ctx context.Context) error {
			_, err := st.CountEntities(ctx, "")
			return err
		},
		StoreSize: st.Size,
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
	log.Info().Str("addr", "http://"+l.Addr().String()).Str("explorer", "http://"+l.Addr().String()+"/explore").Str("playground", "http://"+l.Addr().String()+"/graphiql").
		Str("data", *data).Str("mode", mode).Msg("serving")
	if m.Ready != nil {
		m.Ready(l.Addr().String())
	}
	err = srv.Serve(ctx, l)
	switch {
	case errors.Is(err, server.ErrNotDrained):
		log.Error().Err(err).Msg("shut down: gave up waiting; the requests still running were cut off")
	case err == nil:
		log.Info().Msg("shut down: requests drained")
	}
	return err
}

func formatNames() string {
	var names []string
	for _, f := range seed.Formats() {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}
