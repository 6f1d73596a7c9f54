package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/server"
)

// slowStore is the real store whose Relations is a long scan: it reads page
// after page of the real store (a few milliseconds apart) until the real
// store refuses because the request's context is done. It counts every store
// call made with a context already done, and those that nonetheless did
// work (returned without an error).
type slowStore struct {
	*badger.Store
	scans         atomic.Int64 // pages read by the slow Relations
	returned      atomic.Bool  // the slow Relations has returned
	scanErr       atomic.Value // the error it returned
	afterCancel   atomic.Int64 // store calls that began with ctx.Err() != nil
	workedAnyway  atomic.Int64 // ... and returned no error
	callsAfterEnd atomic.Int64 // store calls that began after the slow Relations returned
}

func (s *slowStore) note(ctx context.Context) func(error) {
	if s.returned.Load() {
		s.callsAfterEnd.Add(1)
	}
	if ctx.Err() == nil {
		return func(error) {}
	}
	s.afterCancel.Add(1)
	return func(err error) {
		if err == nil {
			s.workedAnyway.Add(1)
		}
	}
}

func (s *slowStore) Relations(ctx context.Context, f graph.RelationFilter) (*graph.RelationPage, error) {
	done := s.note(ctx)
	var err error
	defer func() {
		s.scanErr.Store(errBox{err})
		s.returned.Store(true)
	}()
	for i := 0; i < 60_000; i++ { // at most ten minutes; the test never waits that long
		s.scans.Add(1)
		stop := s.note(ctx)
		page := f
		page.First = 10 // short pages: the real store is mid-scan when the deadline comes
		_, err = s.Store.Relations(ctx, page)
		stop(err)
		if err != nil {
			done(err)
			return nil, err
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil, errors.New("the slow scan was never cancelled")
}

type errBox struct{ err error }

func (s *slowStore) EntitiesByID(ctx context.Context, ids []string) (map[string]*graph.Entity, error) {
	done := s.note(ctx)
	m, err := s.Store.EntitiesByID(ctx, ids)
	done(err)
	return m, err
}

func (s *slowStore) CountRelations(ctx context.Context, f graph.RelationFilter) (int, error) {
	done := s.note(ctx)
	n, err := s.Store.CountRelations(ctx, f)
	done(err)
	return n, err
}

func (s *slowStore) Entity(ctx context.Context, id string) (*graph.Entity, error) {
	done := s.note(ctx)
	e, err := s.Store.Entity(ctx, id)
	done(err)
	return e, err
}

// A query that would run for minutes is cut off at the request timeout with
// extensions.code "timeout", and the work behind it stops: the store scan
// sees the cancelled context and ends, and nothing after it reads the store.
func TestTimeoutCancelsStoreScan(t *testing.T) {
	st := &slowStore{Store: seededStore(t, t.TempDir())}
	t.Cleanup(func() { st.Close() })
	ts, logs := startOver(t, st, func(c *server.Config) { c.RequestTimeout = 200 * time.Millisecond })

	start := time.Now()
	r := post(t, ts.URL, "application/json", "",
		`{"query":"{ relations(first: 500) { nodes { subject { name } object { name } } totalCount } entity(id: \"country/latvia\") { name } }"}`)
	elapsed := time.Since(start)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	errs, _ := r.body["errors"].([]any)
	if len(errs) == 0 {
		t.Fatalf("no error after the timeout: %s", r.raw)
	}
	for _, e := range errs {
		ext, _ := e.(map[string]any)["extensions"].(map[string]any)
		if ext["code"] != "timeout" {
			t.Errorf("an error with extensions.code %v, want timeout: %s", ext["code"], r.raw)
		}
	}
	if elapsed > 10*time.Second { // generous: the scan alone would take ten minutes
		t.Errorf("the answer took %v with a 200ms timeout", elapsed)
	}

	// the scan ends soon after the deadline because the store saw ctx.Err()
	deadline := time.Now().Add(10 * time.Second)
	for !st.returned.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !st.returned.Load() {
		t.Fatalf("the store scan is still running after %v (%d pages read)", time.Since(start), st.scans.Load())
	}
	// the slow Relations only stops on an error of the real store: this one
	// says that the Badger scan saw the request's context done
	if err := st.scanErr.Load().(errBox).err; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the scan ended with %v, want the context's deadline error from the real store", err)
	}
	t.Logf("answered in %v; the scan read %d pages; %d store calls began with the context done", elapsed, st.scans.Load(), st.afterCancel.Load())
	if n := st.workedAnyway.Load(); n > 0 {
		t.Errorf("%d store calls did work with a cancelled context", n)
	}
	time.Sleep(100 * time.Millisecond) // let the execution goroutine finish
	if n := st.callsAfterEnd.Load(); n > 0 {
		t.Errorf("%d store calls after the timed-out scan ended: resolving went on", n)
	}
	if !strings.Contains(logs.String(), `"error":"timeout"`) {
		t.Errorf("the request log does not say timeout:\n%s", logs.String())
	}

	// the server is fine afterwards: a fast query answers
	r = post(t, ts.URL, "application/json", "", `{"query":"{ entity(id: \"country/latvia\") { name } }"}`)
	if r.status != 200 || r.body["errors"] != nil || !strings.Contains(r.raw, "Latvia") {
		t.Errorf("after the timeout: %d %s", r.status, r.raw)
	}
}
