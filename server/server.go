package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/schema"
	"github.com/emigraph/emigraph/server/explorer"
	"github.com/emigraph/emigraph/server/playground"
)

// Config configures a Server. Zero durations and sizes take the defaults
// that DefaultConfig documents.
type Config struct {
	// API executes GraphQL requests.
	API *schema.API
	// Ready reports whether the store is open and answering (for /readyz).
	Ready func(ctx context.Context) error
	// StoreSize reports the space the store takes on disk in bytes, the
	// blocks allocated to its files (for /metrics).
	StoreSize func() int64
	// Logger receives one line per request and every recovered panic.
	Logger zerolog.Logger
	// Token allows writes with "Authorization: Bearer <Token>". Empty makes
	// the server read-only.
	Token string
	// TokenName is what the history records of the writes Token allows,
	// never the token itself (default "token").
	TokenName string
	// CORSOrigins lists origins allowed to call /graphql from a browser;
	// empty turns CORS off. "*" allows any origin (reads only: credentials
	// are never allowed).
	CORSOrigins []string
	// MaxBodyBytes bounds a request body (default 1 MiB).
	MaxBodyBytes int64
	// RequestTimeout bounds the execution of one GraphQL request (default 10s).
	RequestTimeout time.Duration
	// ReadTimeout, WriteTimeout and IdleTimeout configure the HTTP server
	// (defaults 15s, 30s, 120s).
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// Operations are the backup, export and import endpoints under /admin/
	// (each needs the token); a nil function turns its endpoint off.
	Operations Operations
	// MaxImportBytes bounds an upload to /admin/import (default 1 GiB).
	MaxImportBytes int64
	// ShutdownTimeout bounds how long shutdown waits for requests in flight (default 20s).
	ShutdownTimeout time.Duration
	// MaxConns bounds the connections Serve keeps open at once, and
	// MaxConnsPerClient those from one client address (an IPv4 address,
	// an IPv6 /64). 0 takes DefaultConnLimits of the open-file limit;
	// negative means no cap. Past a cap, a connection doing nothing is
	// closed to make room, or the new one is answered 503 and closed.
	MaxConns, MaxConnsPerClient int
	// MaxExecutions bounds how many GraphQL queries execute at once
	// (default four per CPU, at least 8; negative: no bound), three
	// quarters of them kept for documents that ran fast last time (at
	// least one slot is for the others); a query waits for its
	// turn up to QueueTimeout (default half the RequestTimeout), then gets
	// 503 with Retry-After.
	MaxExecutions int
	QueueTimeout  time.Duration
	// MaxOperationLabels bounds how many distinct GraphQL operation names
	// /metrics counts apart (default 100; negative: none); later names, and
	// strings that are not GraphQL names, are counted as "other".
	MaxOperationLabels int
}

// DefaultConfig holds the defaults of Config's sizes and durations: a zero
// field takes its value here, and `emigraph serve`'s flags default to them.
// The bounds that depend on the machine or on other fields stay zero, and
// are worked out when the server is made: MaxExecutions
// (DefaultMaxExecutions), QueueTimeout (half the RequestTimeout), and
// MaxConns and MaxConnsPerClient (DefaultConnLimits).
func DefaultConfig() Config {
	return Config{
		MaxBodyBytes:       1 << 20,
		MaxImportBytes:     1 << 30,
		RequestTimeout:     10 * time.Second,
		ReadTimeout:        15 * time.Second,
		WriteTimeout:       30 * time.Second,
		IdleTimeout:        120 * time.Second,
		ShutdownTimeout:    20 * time.Second,
		MaxOperationLabels: 100,
	}
}

// orDefault sets a zero *v to d.
func orDefault[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}

func (c *Config) defaults() {
	d := DefaultConfig()
	orDefault(&c.MaxBodyBytes, d.MaxBodyBytes)
	orDefault(&c.MaxImportBytes, d.MaxImportBytes)
	orDefault(&c.RequestTimeout, d.RequestTimeout)
	orDefault(&c.ReadTimeout, d.ReadTimeout)
	orDefault(&c.WriteTimeout, d.WriteTimeout)
	orDefault(&c.IdleTimeout, d.IdleTimeout)
	orDefault(&c.ShutdownTimeout, d.ShutdownTimeout)
	orDefault(&c.MaxOperationLabels, d.MaxOperationLabels)
	if c.MaxExecutions == 0 {
		c.MaxExecutions = DefaultMaxExecutions()
	}
	if c.QueueTimeout == 0 {
		c.QueueTimeout = c.RequestTimeout / 2
	}
	if c.MaxConns == 0 || c.MaxConnsPerClient == 0 {
		d := DefaultConnLimits(OpenFileLimit())
		if c.MaxConns == 0 {
			c.MaxConns = d.Total
		}
		if c.MaxConnsPerClient == 0 {
			c.MaxConnsPerClient = d.PerClient
			if c.MaxConns > 0 {
				c.MaxConnsPerClient = perClientOf(c.MaxConns)
			}
		}
	}
}

// ConnLimits returns the connection caps the server applies (negative:
// none), with the refusals it answers at once.
func (s *Server) ConnLimits() ConnLimits {
	refusing := DefaultConnLimits(OpenFileLimit()).Refusing
	return ConnLimits{Total: s.cfg.MaxConns, PerClient: s.cfg.MaxConnsPerClient, Refusing: refusing}
}

// Server is the HTTP front of emigraph.
type Server struct {
	cfg     Config
	metrics *metrics
	handler http.Handler
	// inFlight counts the requests being handled.
	inFlight atomic.Int64
	// executions bounds the queries executing at once (nil: no bound).
	executions *executions
	// conns is the listener of Serve, which counts connections.
	conns atomic.Pointer[connLimiter]
}

// New returns a server for cfg.
func New(cfg Config) *Server {
	cfg.defaults()
	s := &Server{cfg: cfg, metrics: newMetrics(cfg.MaxOperationLabels), executions: newExecutions(cfg.MaxExecutions, cfg.QueueTimeout)}
	mux := http.NewServeMux()
	mux.HandleFunc("/graphql", s.withCORS(s.serveGraphQL))
	mux.Handle("/graphiql", playground.Handler())
	mux.Handle("/graphiql/", playground.Handler())
	mux.Handle(explorer.Path, explorer.Handler())
	mux.Handle(explorer.Path+"/", explorer.Handler())
	mux.HandleFunc("/healthz", s.serveHealth)
	mux.HandleFunc("/readyz", s.serveReady)
	mux.HandleFunc("/metrics", s.serveMetrics)
	s.routeAdmin(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, explorer.Path, http.StatusFound)
	})
	s.handler = s.observe(mux)
	return s
}

// Handler returns the server's HTTP handler, with request IDs, logging,
// metrics and panic recovery around every route.
func (s *Server) Handler() http.Handler { return s.handler }

// ErrNotDrained is what Serve's error wraps when shutdown gave up waiting
// (ShutdownTimeout passed) with requests still running. The error wraps
// context.DeadlineExceeded too.
var ErrNotDrained = errors.New("requests still running")

// Serve serves on l until ctx is cancelled, then stops accepting, lets the
// requests in flight finish (up to ShutdownTimeout) and returns nil once they
// have. If ShutdownTimeout passes first, it closes the connections of the
// requests still running (which cancels their contexts) and returns an error
// wrapping ErrNotDrained and context.DeadlineExceeded: the requests were not
// drained.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadTimeout:       s.cfg.ReadTimeout,
		ReadHeaderTimeout: s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	if limits := s.ConnLimits(); limits.Total > 0 || limits.PerClient > 0 {
		cl := newConnLimiter(l, limits, s.cfg.IdleTimeout)
		defer cl.Close()
		s.conns.Store(cl)
		hs.ConnState = cl.connState
		l = cl
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(shutdownCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		n := s.inFlight.Load()
		hs.Close()
		err = fmt.Errorf("shutdown gave up after %s with %w (%d in flight): %w", s.cfg.ShutdownTimeout, ErrNotDrained, n, err)
	}
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

type infoKey struct{}

// reqInfo is what the handlers learn about a request for its log line.
type reqInfo struct {
	id        string
	operation string
	kind      string
	errorKind string
	// errorCode is the domain code of a refusal (invalid, no_space, ...).
	errorCode string
}

func requestInfo(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(infoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (the admin
// endpoints lift its deadlines and flush their streams).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// observe wraps every request: a request ID (X-Request-ID, kept if the client
// sent a sane one), panic recovery, one log line, and metrics.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		id := r.Header.Get("X-Request-ID")
		if id == "" || len(id) > 64 || strings.ContainsAny(id, " \t\r\n\"") {
			id = newRequestID()
		}
		info := &reqInfo{id: id}
		log := s.cfg.Logger.With().Str("request_id", id).Logger()
		ctx := log.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		w.Header().Set("X-Request-ID", id)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error().Str("panic", fmt.Sprint(v)).Bytes("stack", debug.Stack()).Msg("recovered from a panic")
				info.errorKind = "panic"
				if sw.status == 0 {
					sw.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
					sw.WriteHeader(http.StatusInternalServerError)
					sw.Write([]byte(`{"errors":[{"message":"internal error; the request ID is ` + id + `"}]}`))
				}
			}
			elapsed := time.Since(start)
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			s.metrics.observe(r.URL.Path, info, status, elapsed)
			ev := log.Info()
			if status >= 500 {
				ev = log.Error()
			}
			ev.Str("method", r.Method).Str("path", r.URL.Path).Int("status", status).
				Float64("duration_ms", float64(elapsed.Microseconds())/1000).Int("bytes", sw.bytes)
			if info.operation != "" || info.kind != "" {
				ev.Str("operation", info.operation).Str("operation_type", info.kind)
			}
			if info.errorKind != "" {
				ev.Str("error", info.errorKind)
			}
			if info.errorCode != "" {
				ev.Str("error_code", info.errorCode)
			}
			ev.Msg("request")
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// withCORS answers preflights and sets CORS headers for allowed origins.
// With no origins configured, CORS is off: no headers, and preflights get 405.
func (s *Server) withCORS(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := ""
		for _, o := range s.cfg.CORSOrigins {
			if o == "*" || (origin != "" && o == origin) {
				allowed = o
				break
			}
		}
		if origin != "" && allowed != "" {
			w.Header().Set("Access-Control-Allow-Origin", allowed)
			w.Header().Add("Vary", "Origin")
			if r.Method == http.MethodOptions {
				w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
				w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Accept, Authorization, X-Request-ID")
				w.Header().Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next(w, r)
	}
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("not ready: " + err.Error() + "\n"))
			return
		}
	}
	w.Write([]byte("ready\n"))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func fmtSscan(s string, f *float64) (int, error) { return fmt.Sscan(s, f) }
