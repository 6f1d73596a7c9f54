package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// run runs the whole program with args and returns its output.
func run(t *testing.T, stdin string, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	err = m.Run(context.Background(), withTestMemtable(args))
	return out.String(), errb.String(), err
}

// testMemtable is the memtable of the stores the tests' commands open:
// Badger zeroes a memtable's whole arena when it opens one, and at the
// default of 64 MiB that was a fifth of this package's CPU. A command that
// states --memtable or --reserve (the tests of the reserve, which depends
// on the memtable) keeps what it states.
const testMemtable = "8MiB"

// withTestMemtable adds --memtable testMemtable to a load or serve command
// that does not state its memtable or reserve.
func withTestMemtable(args []string) []string {
	if len(args) == 0 || (args[0] != "load" && args[0] != "serve") {
		return args
	}
	for _, a := range args {
		if strings.HasPrefix(a, "--memtable") || strings.HasPrefix(a, "--reserve") {
			return args
		}
	}
	return append([]string{args[0], "--memtable", testMemtable}, args[1:]...)
}

// serve starts `emigraph serve` on 127.0.0.1:0 and returns its base URL and
// a function that stops it and waits for it to finish.
func serve(t *testing.T, dir string, extra ...string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	var errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb, Getenv: func(string) string { return "" },
		Ready: func(addr string) { addrc <- addr }}
	go func() {
		done <- m.Run(ctx, withTestMemtable(append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, extra...)))
	}()
	select {
	case addr := <-addrc:
		return "http://" + addr, func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v\n%s", err, errb.String())
			}
		}
	case err := <-done:
		t.Fatalf("serve stopped: %v\n%s", err, errb.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return "", nil
}

func query(t *testing.T, base, q string, headers ...string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return out
}

func TestServeSeedsOnceAndKeepsData(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base, stop := serve(t, dir)
	first := query(t, base, `{ stats { totalEntities totalRelations } entity(name: "Chulpan Khamatova") { id } }`)
	stop()
	data, _ := first["data"].(map[string]any)
	if data == nil || data["entity"].(map[string]any)["id"] != "person/chulpan-khamatova" {
		t.Fatalf("first run answered %v", first)
	}
	base, stop = serve(t, dir)
	defer stop()
	second := query(t, base, `{ stats { totalEntities totalRelations } }`)
	if a, b := first["data"].(map[string]any)["stats"], second["data"].(map[string]any)["stats"]; !equalJSON(a, b) {
		t.Errorf("after a restart stats are %v, were %v: seeded twice or lost data", b, a)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// Export, load into an empty store, export again: the same bytes, for every format.
func TestExportLoadExportRoundTrip(t *testing.T) {
	t.Parallel()
	seededDir := t.TempDir()
	base, stop := serve(t, seededDir) // seeds the directory
	stop()
	_ = base
	for _, format := range []string{"native", "jsonl", "nquads", "csv"} {
		t.Run(format, func(t *testing.T) {
			first, errs, err := run(t, "", nil, "export", "--data", seededDir, "--format", format)
			if err != nil {
				t.Fatalf("export: %v\n%s", err, errs)
			}
			file := filepath.Join(t.TempDir(), "export."+map[string]string{"native": "yaml", "jsonl": "jsonl", "nquads": "nq", "csv": "csv"}[format])
			os.WriteFile(file, []byte(first), 0o644)
			empty := t.TempDir()
			if _, errs, err := run(t, "", nil, "load", file, "--data", empty, "--no-seed"); err != nil {
				t.Fatalf("load: %v\n%s", err, errs)
			}
			second, _, err := run(t, "", nil, "export", "--data", empty, "--format", format)
			if err != nil {
				t.Fatal(err)
			}
			if first != second {
				t.Errorf("export after load differs from the first export (%d vs %d bytes)", len(first), len(second))
			}
		})
	}
}

func TestLoadIsIdempotentAndValidates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "facts.yaml")
	os.WriteFile(file, []byte(`predicates:
  - {id: fled-to, label: fled to, inverseLabel: received emigrants, subjectTypes: [PERSON], objectTypes: [COUNTRY]}
entities:
  - {id: person/test-person, name: Test Person, type: PERSON}
  - {id: country/testland, name: Testland, type: COUNTRY}
relations:
  - {subject: Test Person, predicate: fled-to, object: country/testland, date: "2024-05", quote: a quote}
`), 0o644)
	out, errs, err := run(t, "", nil, "load", file, "--data", dir, "--no-seed")
	if err != nil || !strings.Contains(out, "relations: 1 added") {
		t.Fatalf("first load: %v %s %s", err, out, errs)
	}
	out, _, err = run(t, "", nil, "load", file, "--data", dir)
	if err != nil || !strings.Contains(out, "entities: 0 added, 0 updated, 2 unchanged; relations: 0 added, 0 updated, 1 unchanged") {
		t.Errorf("second load: %v %s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte(`relations:
  - {subject: Test Person, predicate: moved-to, object: country/testland, quote: q}
  - {subject: Nobody, predicate: fled-to, object: country/testland, date: "2024-13"}
`), 0o644)
	_, errs, err = run(t, "", nil, "load", bad, "--data", dir)
	if err == nil {
		t.Fatal("a bad file loaded")
	}
	for _, want := range []string{bad + ":2: predicate: unknown predicate", bad + ":3: subject: unknown entity \"Nobody\"", bad + ":3: date:", bad + ":3: sources: at least one source", "nothing was written"} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors do not say %q:\n%s", want, errs)
		}
	}
	out, _, _ = run(t, "", nil, "load", file, "--data", dir, "--dry-run")
	if !strings.Contains(out, "dry run") {
		t.Errorf("dry run said %q", out)
	}
}

// A new store gets the seed (and so the predicate vocabulary) before a load,
// so that a file of plain facts loads into a fresh directory.
func TestLoadSeedsANewStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "facts.csv")
	os.WriteFile(file, []byte("subject,predicate,object,date,quote\nMaxim Galkin,fled-to,Israel,2022,a quote\n"), 0o644)
	// a dry run checks the file against the seed the new store would get
	if out, errs, err := run(t, "", nil, "load", file, "--data", dir, "--dry-run"); err != nil || !strings.Contains(out, "dry run") {
		t.Fatalf("dry run into a new directory: %v %s %s", err, out, errs)
	}
	out, errs, err := run(t, "", nil, "load", file, "--data", dir)
	if err != nil || !strings.Contains(out, "relations: 1 added") {
		t.Fatalf("load into a new directory: %v %s %s", err, out, errs)
	}
	base, stop := serve(t, dir)
	defer stop()
	res := mustJSON(query(t, base, `{ stats { totalRelations } entity(id: "country/ukraine") { id } }`))
	if !strings.Contains(res, `"country/ukraine"`) {
		t.Errorf("the loaded store lacks the seed: %s", res)
	}
}

func TestLoadThroughServer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base, _, stop := serveWithToken(t, dir, "tok-123")
	defer stop()
	file := filepath.Join(t.TempDir(), "facts.jsonl")
	os.WriteFile(file, []byte(`{"kind":"entity","id":"person/new-emigrant","name":"New Emigrant","type":"PERSON"}
{"kind":"relation","subject":"person/new-emigrant","predicate":"fled-to","object":"country/georgia","date":"2025","sources":[{"quote":"a new fact"}]}
`), 0o644)
	// the directory is held by the server: load says so
	_, _, err := run(t, "", nil, "load", file, "--data", dir)
	if err == nil || !strings.Contains(err.Error(), "--server") {
		t.Errorf("load on a held directory: %v", err)
	}
	_, errs, err := run(t, "", nil, "load", file, "--server", base)
	if err == nil || !strings.Contains(err.Error(), "Bearer") {
		t.Errorf("load --server without a token: %v %s", err, errs)
	}
	out, errs, err := run(t, "", map[string]string{"EMIGRAPH_TOKEN": "tok-123"}, "load", file, "--server", base)
	if err != nil || !strings.Contains(out, "relations: 1 added") {
		t.Fatalf("load --server with the token: %v %s %s", err, out, errs)
	}
	res := query(t, base, `{ entity(id: "person/new-emigrant") { relations { totalCount } } }`)
	if !strings.Contains(mustJSON(res), `"totalCount":1`) {
		t.Errorf("the loaded fact is not served: %s", mustJSON(res))
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// A real `emigraph load` process killed part-way leaves the store holding
// all of that load or none of it, and the earlier data unchanged.
func TestKilledLoadIsAllOrNothing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary and loads 150,000 relations")
	}
	bin := filepath.Join(t.TempDir(), "emigraph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	base, stop := serve(t, dir) // earlier data: the seed
	before := query(t, base, `{ stats { totalEntities totalRelations } }`)
	stop()
	gen := filepath.Join(t.TempDir(), "gen.jsonl")
	if out, err := exec.Command(bin, "gen", "--entities", "20000", "--relations", "150000", "--out", gen).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	if !killLoad(t, bin, gen, dir) {
		t.Skip("the load finished before it could be killed part-way")
	}
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: 8 << 20})
	if err != nil {
		t.Fatalf("the store does not open after the kill: %v", err)
	}
	n, _ := st.CountRelations(context.Background(), graph.RelationFilter{})
	_, genErr := st.Entity(context.Background(), "person/gen-0")
	st.Close()
	base, stop = serve(t, dir)
	after := query(t, base, `{ stats { totalEntities totalRelations } }`)
	if !equalJSON(before, after) {
		if n >= 150000 && genErr == nil {
			stop()
			t.Log("the load finished before the kill")
			return
		}
		t.Errorf("after the kill the store holds part of the load: %v, before %v (relations %d)", after, before, n)
	}
	if genErr == nil {
		t.Errorf("an entity of the killed load is visible")
	}
	// that load is large beside the seed: the store is rebuilt beside the
	// directory, and the kill left the rebuild there, which the open removed
	if left, _ := filepath.Glob(filepath.Clean(dir) + ".*"); len(left) > 0 {
		t.Errorf("opening after the kill of a rebuild left %v beside the store", left)
	}
	stop()
	// a load small beside the store goes through journaled batches: loaded
	// whole, the file makes the store large, and a load a sixth its size is
	// killed part-way
	if out, err := exec.Command(bin, "load", gen, "--data", dir).CombinedOutput(); err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	base, stop = serve(t, dir)
	before = query(t, base, `{ stats { totalEntities totalRelations } }`)
	stop()
	small := filepath.Join(t.TempDir(), "small.jsonl")
	if out, err := exec.Command(bin, "gen", "--entities", "5000", "--relations", "25000", "--seed", "2", "--out", small).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	if !killLoad(t, bin, small, dir) {
		t.Skip("the journaled load finished before it could be killed part-way")
	}
	base, stop = serve(t, dir)
	defer stop()
	if after := query(t, base, `{ stats { totalEntities totalRelations } }`); !equalJSON(before, after) {
		t.Errorf("after the kill of a journaled load the store holds part of it: %v, before %v", after, before)
	}
	// the same for a load into an empty store, which goes the bulk way
	// (built beside the store and swapped in)
	empty := t.TempDir()
	if !killLoad(t, bin, gen, empty, "--no-seed") {
		t.Skip("the bulk load finished before it could be killed part-way")
	}
	st, err = badger.Open(empty, badger.Options{NoSync: true, MemTableSize: 8 << 20})
	if err != nil {
		t.Fatalf("the empty store does not open after the kill: %v", err)
	}
	defer st.Close()
	if n, _ := st.CountRelations(context.Background(), graph.RelationFilter{}); n != 0 && n != 150000 {
		t.Errorf("after the kill of a bulk load the store holds %d relations: part of it", n)
	}
	if left, _ := filepath.Glob(filepath.Clean(empty) + ".*"); len(left) > 0 {
		t.Errorf("opening after the kill left %v beside the store", left)
	}
}

// killLoad starts `emigraph load` and kills it with SIGKILL once it reports
// writing progress; it reports whether the kill came before the end.
func killLoad(t *testing.T, bin, file, dir string, flags ...string) bool {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"load", file, "--data", dir, "--log-level", "info"}, flags...)...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		// kill once the load is writing, part-way through
		if strings.Contains(sc.Text(), `"message":"loading"`) && strings.Contains(sc.Text(), `"done":`) && !strings.Contains(sc.Text(), `"done":0,`) {
			cmd.Process.Signal(syscall.SIGKILL)
			killed = true
			break
		}
	}
	cmd.Wait()
	return killed
}
