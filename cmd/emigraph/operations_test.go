package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emigraph/emigraph/graph/badger"
)

// serveWithToken starts `emigraph serve` on dir with a write token read
// from a file, and returns the file's path too.
func serveWithToken(t *testing.T, dir, token string) (base, tokenFile string, stop func()) {
	t.Helper()
	tokenFile = filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte(token+"\n"), 0o600)
	base, stop = serve(t, dir, "--token-file", tokenFile)
	return base, tokenFile, stop
}

// writeEntity upserts one entity through the running server's GraphQL API
// and reports whether the write was acknowledged.
func writeEntity(client *http.Client, base, token, id string) bool {
	body, _ := json.Marshal(map[string]any{
		"query":     `mutation($e: EntityInput!) { upsertEntity(entity: $e) { ok } }`,
		"variables": map[string]any{"e": map[string]any{"id": id, "name": "Writer " + id, "type": "PERSON"}},
	})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			UpsertEntity struct{ OK bool } `json:"upsertEntity"`
		} `json:"data"`
	}
	return json.NewDecoder(resp.Body).Decode(&out) == nil && out.Data.UpsertEntity.OK
}

// A backup of a running server, taken while 8 clients write, restores to the
// state at one moment: every write acknowledged before the backup began is
// in it, none begun after it ended is, and each client's writes (made one
// after another) are in it as a prefix, never with a gap.
func TestBackupOfARunningServerWhileClientsWrite(t *testing.T) {
	t.Parallel()
	base, tokenFile, stop := serveWithToken(t, t.TempDir(), "tok-backup")
	defer stop()

	const clients = 8
	var (
		acked    [clients]atomic.Int64 // writes acknowledged so far, per client
		started  [clients]atomic.Int64 // writes begun so far
		stopping atomic.Bool
		wg       sync.WaitGroup
	)
	client := &http.Client{Timeout: 30 * time.Second}
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stopping.Load() && n < 2000; n++ {
				started[c].Store(int64(n + 1))
				if !writeEntity(client, base, "tok-backup", fmt.Sprintf("person/writer-%d-%04d", c, n)) {
					t.Errorf("client %d: write %d was not acknowledged", c, n)
					return
				}
				acked[c].Store(int64(n + 1))
			}
		}()
	}
	defer func() { stopping.Store(true); wg.Wait() }()
	// let the writers get going, then back up while they write
	for acked[0].Load() < 10 {
		time.Sleep(10 * time.Millisecond)
	}
	var before, after [clients]int64
	for c := range before {
		before[c] = acked[c].Load()
	}
	backup := filepath.Join(t.TempDir(), "running.backup")
	if _, errs, err := run(t, "", nil, "backup", "--server", base+"/graphql", "--token-file", tokenFile, "--out", backup); err != nil {
		t.Fatalf("backup --server: %v %s", err, errs)
	}
	for c := range after {
		after[c] = started[c].Load()
	}
	stopping.Store(true)
	wg.Wait()

	restored := filepath.Join(t.TempDir(), "restored")
	in, _ := os.ReadFile(backup)
	if _, errs, err := run(t, string(in), nil, "restore", "--data", restored); err != nil {
		t.Fatalf("restore: %v %s", err, errs)
	}
	st, err := badger.Open(restored, badger.Options{NoSync: true, MemTableSize: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	have := map[int]map[int]bool{}
	for _, e := range c.Entities {
		var cl, n int
		if _, err := fmt.Sscanf(e.Entity.ID, "person/writer-%d-%d", &cl, &n); err == nil {
			if have[cl] == nil {
				have[cl] = map[int]bool{}
			}
			have[cl][n] = true
		}
	}
	total := 0
	for cl := 0; cl < clients; cl++ {
		k := len(have[cl])
		total += k
		for n := 0; n < k; n++ {
			if !have[cl][n] {
				t.Errorf("client %d: the backup holds %d of its writes but not write %d: not one moment", cl, k, n)
			}
		}
		if int64(k) < before[cl] || int64(k) > after[cl] {
			t.Errorf("client %d: the backup holds %d writes; %d were acknowledged before it began and %d begun before it ended", cl, k, before[cl], after[cl])
		}
	}
	t.Logf("the backup holds %d of the clients' writes (acknowledged before it: %d)", total, sum(before[:]))
}

func sum(xs []int64) (s int64) {
	for _, x := range xs {
		s += x
	}
	return s
}

// An import through `load --server` is streamed, of any size (well past the
// 1 MiB request limit), all or nothing, while reads go on; export --server
// gives the running server's graph.
func TestLargeImportWhileServing(t *testing.T) {
	t.Parallel()
	base, _, stop := serveWithToken(t, t.TempDir(), "tok-import")
	defer stop()

	// EMIGRAPH_IMPORT_RELATIONS=170000 makes the file about 50 MB.
	relations := 20_000
	if v, err := strconv.Atoi(os.Getenv("EMIGRAPH_IMPORT_RELATIONS")); err == nil && v > 0 {
		relations = v
	}
	file := filepath.Join(t.TempDir(), "big.jsonl")
	if _, errs, err := run(t, "", nil, "gen", "--entities", strconv.Itoa(relations/10), "--relations", strconv.Itoa(relations), "--seed", "7", "--format", "jsonl", "--out", file); err != nil {
		t.Fatalf("gen: %v %s", err, errs)
	}
	info, _ := os.Stat(file)
	env := map[string]string{"EMIGRAPH_TOKEN": "tok-import"}
	statsQuery := `{ stats { totalEntities totalRelations } }`
	stats := func() (int, int) {
		s := query(t, base, statsQuery)["data"].(map[string]any)["stats"].(map[string]any)
		return int(s["totalEntities"].(float64)), int(s["totalRelations"].(float64))
	}
	entities0, relations0 := stats()

	// a copy with a bad last line is refused whole, and says where
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	raw, _ := os.ReadFile(file)
	os.WriteFile(bad, append(raw, []byte(`{"kind":"relation","subject":"no/such","predicate":"fled-to","object":"country/georgia","sources":[{"quote":"q"}]}`+"\n")...), 0o644)
	_, errs, err := run(t, "", env, "load", bad, "--server", base)
	if err == nil || !strings.Contains(errs, "bad.jsonl:") || !strings.Contains(errs, "nothing was written") {
		t.Errorf("a bad import: %v\n%.500s", err, errs)
	}
	if e, r := stats(); e != entities0 || r != relations0 {
		t.Fatalf("a refused import changed the graph: %d/%d entities, %d/%d relations", e, entities0, r, relations0)
	}

	// a dry run through the server says what would change, and changes nothing
	out, errs, err := run(t, "", env, "load", file, "--server", base, "--dry-run")
	if err != nil || !strings.Contains(out, fmt.Sprintf("relations: %d added", relations)) || !strings.Contains(out, "dry run") {
		t.Errorf("load --server --dry-run: %v %s %s", err, out, errs)
	}
	if e, r := stats(); e != entities0 || r != relations0 {
		t.Fatalf("a dry run changed the graph")
	}

	// the import, with readers asking all the while
	var reads, failed atomic.Int64
	var firstFailure atomic.Value
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				body := `{"query":"{ entity(id: \"country/georgia\") { name } }"}`
				resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(body))
				if err != nil || resp.StatusCode != http.StatusOK {
					if failed.Add(1) == 1 {
						firstFailure.Store(describeFailure(resp, err))
					}
				} else {
					reads.Add(1)
				}
				if resp != nil {
					resp.Body.Close()
				}
			}
		}()
	}
	began := time.Now()
	out, errs, err = run(t, "", env, "load", file, "--server", base)
	took := time.Since(began)
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatalf("load --server of %d bytes: %v %s", info.Size(), err, errs)
	}
	if !strings.Contains(out, fmt.Sprintf("relations: %d added", relations)) {
		t.Errorf("load --server: %s", out)
	}
	if failed.Load() > 0 || reads.Load() == 0 {
		t.Errorf("reads during the import: %d answered, %d failed, the first with %v", reads.Load(), failed.Load(), firstFailure.Load())
	}
	if _, r := stats(); r != relations0+relations {
		t.Errorf("after the import the graph has %d relations, want %d", r, relations0+relations)
	}
	t.Logf("imported %d relations (%d MB) in %v while %d reads were answered", relations, info.Size()>>20, took.Round(time.Millisecond), reads.Load())

	// export --server reads the running graph
	exported := filepath.Join(t.TempDir(), "graph.jsonl")
	if _, errs, err := run(t, "", env, "export", "--server", base, "--format", "jsonl", "--out", exported); err != nil {
		t.Fatalf("export --server: %v %s", err, errs)
	}
	got, _ := os.ReadFile(exported)
	if n := bytes.Count(got, []byte(`"kind":"relation"`)); n != relations0+relations {
		t.Errorf("export --server holds %d relations, want %d", n, relations0+relations)
	}
}

// The operations need the token, and say so.
func TestOperationsNeedTheToken(t *testing.T) {
	t.Parallel()
	base, _, stop := serveWithToken(t, t.TempDir(), "tok-ops")
	defer stop()
	for _, args := range [][]string{
		{"backup", "--server", base},
		{"export", "--server", base},
	} {
		_, _, err := run(t, "", map[string]string{"EMIGRAPH_TOKEN": "wrong"}, args...)
		if err == nil || !strings.Contains(err.Error(), "token") {
			t.Errorf("%v with a wrong token: %v", args, err)
		}
	}
}

// --server takes the base URL or the /graphql URL, and what answers
// something other than an emigraph server gets an error that says so, not
// a Go type dump.
func TestServerURLForms(t *testing.T) {
	t.Parallel()
	base, _, stop := serveWithToken(t, t.TempDir(), "tok-url")
	defer stop()
	file := filepath.Join(t.TempDir(), "facts.jsonl")
	os.WriteFile(file, []byte(`{"kind":"entity","id":"person/url-test","name":"URL Test","type":"PERSON"}`+"\n"), 0o644)
	env := map[string]string{"EMIGRAPH_TOKEN": "tok-url"}
	for _, url := range []string{base, base + "/", base + "/graphql", base + "/graphql/"} {
		if out, errs, err := run(t, "", env, "load", file, "--server", url, "--dry-run"); err != nil || !strings.Contains(out, "entities: 1 added") {
			t.Errorf("--server %s: %v %s %s", url, err, out, errs)
		}
	}
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	_, _, err := run(t, "", env, "load", file, "--server", other.URL)
	if err == nil || !strings.Contains(err.Error(), "404") || strings.Contains(err.Error(), "unmarshal") {
		t.Errorf("--server of something else: %v", err)
	}
	if _, _, err := run(t, "", env, "load", file, "--server", "127.0.0.1:8080"); err == nil || !strings.Contains(err.Error(), "http://") {
		t.Errorf("--server without a scheme: %v", err)
	}
}

// describeFailure says what a failed request got: its error, or its status
// and the start of its body.
func describeFailure(resp *http.Response, err error) string {
	if err != nil {
		return err.Error()
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	return fmt.Sprintf("%s: %s", resp.Status, body)
}
