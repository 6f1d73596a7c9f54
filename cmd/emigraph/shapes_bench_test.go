package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// shape is one kind of request BenchmarkShapes sends, at a number of
// clients.
type shape struct {
	name    string
	clients int
	query   string // "" for the bare floor
}

// bareAnswer is what the bare net/http server answers every request with:
// the lookup's answer, about 60 bytes of JSON.
const bareAnswer = `{"data":{"entity":{"id":"person/gen-4242","type":"PERSON"}}}`

// shapes are the request shapes of issue 24, 8 clients unless said, those
// whose name EMIGRAPH_BENCH_SHAPES matches (a regular expression) when set.
func shapes() []shape {
	var only *regexp.Regexp
	if v := os.Getenv("EMIGRAPH_BENCH_SHAPES"); v != "" {
		only = regexp.MustCompile(v)
	}
	return slices.DeleteFunc(allShapes(), func(s shape) bool { return only != nil && !only.MatchString(s.name) })
}

func allShapes() []shape {
	byName := map[string]string{}
	for _, q := range benchQueries {
		byName[q.name] = q.query
	}
	var s []shape
	for _, c := range []int{1, 8, 32} {
		s = append(s, shape{"lookup", c, lookupQuery})
	}
	return append(s,
		shape{"one-hop", 8, byName["one-hop"]},
		shape{"hub-page-total", 8, byName["hub-page-total"]},
		shape{"search-word", 8, byName["search-word"]},
		shape{"search-misspelt", 8, byName["search-fuzzy"]},
		shape{"path-4-hops", 8, byName["path-4-hops"]},
	)
}

// shapeTarget is a server the shapes are sent to: a real `emigraph serve`
// (one per binary compared) or the bare floor.
type shapeTarget struct {
	name string
	url  string
	bare bool
}

// shapeRun is what one shape got from one target in one round.
type shapeRun struct {
	perSecond float64
	took      []time.Duration
}

// BenchmarkShapes sends the request shapes of issue 24 over HTTP on
// loopback to real `emigraph serve` processes over the generated graph
// (benchStoreDir: EMIGRAPH_BENCH_RELATIONS relations, a million by
// default, built once and kept) and to a bare net/http server in its own
// process answering a fixed 60-byte JSON (the floor), each shape for
// EMIGRAPH_BENCH_SECONDS (3) per round, EMIGRAPH_BENCH_ROUNDS (3) rounds,
// the targets alternating within each shape so that they share the
// machine's load. It prints each shape's throughput (the median of the
// rounds), p50 and p99 (over all rounds), the lookup's fraction of the
// floor at the same number of clients and, with several binaries, each
// one's throughput as a ratio of the first's.
//
// The servers log as serve does by default (level info, to a file).
// EMIGRAPH_BENCH_BINS compares binaries, each serving its own copy of the
// store ("before=/tmp/a,after=/tmp/b"; by default this package, built);
// EMIGRAPH_SERVE_ARGS adds flags to serve (such as --cpuprofile, with
// {name} replaced by the binary's name). Off unless asked by -bench:
//
//	go test ./cmd/emigraph -run '^$' -bench BenchmarkShapes -benchtime 1x -timeout 60m
func BenchmarkShapes(b *testing.B) {
	seconds, rounds := envPositive("EMIGRAPH_BENCH_SECONDS", 3), envPositive("EMIGRAPH_BENCH_ROUNDS", 3)
	dir, err := benchStoreDir()
	if err != nil {
		b.Fatal(err)
	}
	targets := []shapeTarget{{name: "bare", url: startBare(b), bare: true}}
	bins := benchBinaries(b)
	var servers []servedProcess
	for _, bin := range bins {
		data := dir
		if len(bins) > 1 {
			data = filepath.Join(b.TempDir(), "data")
			if out, err := exec.Command("cp", "-a", "--sparse=always", dir, data).CombinedOutput(); err != nil {
				b.Fatalf("copying the store: %v\n%s", err, out)
			}
		}
		args := strings.ReplaceAll(os.Getenv("EMIGRAPH_SERVE_ARGS"), "{name}", bin.name)
		p := startServe(b, bin.path, data, strings.Fields(args))
		servers = append(servers, p)
		targets = append(targets, shapeTarget{name: bin.name, url: p.url})
	}
	for _, s := range shapes() {
		for _, t := range targets[1:] {
			checkShape(b, t.url, s)
		}
	}
	// a server that opens a store checks its tables, and Badger may
	// compact: measured then, a lookup took a hundred times as long
	for _, p := range servers {
		waitQuiet(b, p)
	}
	// a round unmeasured, so that the measured ones find the block cache
	// warm and the connections' buffers grown
	for _, s := range shapes() {
		for _, t := range targets {
			if !t.bare || s.name == "lookup" {
				sendShape(b, t, s, time.Second)
			}
		}
	}
	for b.Loop() {
		runShapes(b, targets, seconds, rounds)
	}
}

// runShapes runs every shape against every target, rounds times, and
// prints the table.
func runShapes(b *testing.B, targets []shapeTarget, seconds, rounds int) {
	up, _ := exec.Command("uptime").Output()
	fmt.Printf("start: %s", up)
	results := map[string][]shapeRun{} // by shape, clients and target
	key := func(s shape, t shapeTarget) string { return fmt.Sprintf("%s/%d/%s", s.name, s.clients, t.name) }
	for range rounds {
		for _, s := range shapes() {
			for _, t := range targets {
				if t.bare && s.name != "lookup" {
					continue
				}
				results[key(s, t)] = append(results[key(s, t)], sendShape(b, t, s, time.Duration(seconds)*time.Second))
			}
		}
	}
	up, _ = exec.Command("uptime").Output()
	fmt.Printf("end:   %s", up)
	fmt.Printf("%-16s %3s %-8s %9s %9s %9s %8s %8s\n", "shape", "c", "target", "req/s", "p50", "p99", "floor", "vs-first")
	for _, s := range shapes() {
		floor := medianRate(results[key(s, targets[0])])
		first := medianRate(results[key(s, targets[1])])
		for _, t := range targets {
			runs := results[key(s, t)]
			if len(runs) == 0 {
				continue
			}
			var took []time.Duration
			for _, r := range runs {
				took = append(took, r.took...)
			}
			rate := medianRate(runs)
			ofFloor, ofFirst := "", ""
			if s.name == "lookup" && !t.bare {
				ofFloor = fmt.Sprintf("%.2f", rate/floor)
			}
			if !t.bare && len(targets) > 2 {
				ofFirst = fmt.Sprintf("%.2f", rate/first)
			}
			fmt.Printf("%-16s %3d %-8s %9.0f %9s %9s %8s %8s\n", s.name, s.clients, t.name, rate,
				percentile(took, 0.5).Round(time.Microsecond), percentile(took, 0.99).Round(time.Microsecond), ofFloor, ofFirst)
		}
	}
}

func medianRate(runs []shapeRun) float64 {
	if len(runs) == 0 {
		return 0
	}
	r := make([]float64, len(runs))
	for i, x := range runs {
		r[i] = x.perSecond
	}
	slices.Sort(r)
	return r[len(r)/2]
}

// sendShape sends the shape's request from its clients, each over one
// keep-alive connection, for the duration.
func sendShape(b *testing.B, t shapeTarget, s shape, d time.Duration) shapeRun {
	body, _ := json.Marshal(map[string]string{"query": s.query})
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: s.clients, MaxConnsPerHost: s.clients}}
	defer client.CloseIdleConnections()
	var (
		mu   sync.Mutex
		took []time.Duration
		wg   sync.WaitGroup
	)
	start := time.Now()
	for range s.clients {
		wg.Go(func() {
			var mine []time.Duration
			for time.Since(start) < d {
				t0 := time.Now()
				resp, err := client.Post(t.url+"/graphql", "application/json", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Errorf("%s %s: status %d, %v", t.name, s.name, resp.StatusCode, err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			took = append(took, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return shapeRun{perSecond: float64(len(took)) / time.Since(start).Seconds(), took: took}
}

// checkShape fails on a shape the server answers with errors, so that an
// error is not what gets measured.
func checkShape(b *testing.B, url string, s shape) {
	client := &http.Client{Timeout: time.Minute}
	o, err := ask(client, url, s.query)
	if err != nil || o.status != http.StatusOK || o.code != "" {
		b.Fatalf("%s: %v %+v", s.name, err, o)
	}
}

type benchBinary struct{ name, path string }

// benchBinaries are EMIGRAPH_BENCH_BINS, or this package built.
func benchBinaries(b *testing.B) []benchBinary {
	var bins []benchBinary
	for _, part := range strings.Split(os.Getenv("EMIGRAPH_BENCH_BINS"), ",") {
		if name, path, ok := strings.Cut(strings.TrimSpace(part), "="); ok {
			bins = append(bins, benchBinary{name, path})
		}
	}
	if len(bins) > 0 {
		return bins
	}
	bin := filepath.Join(b.TempDir(), "emigraph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return []benchBinary{{"serve", bin}}
}

// startServe serves the data directory with the binary on a free port of
// 127.0.0.1, logging as serve does by default into a file, and waits until
// it is ready.
func startServe(b *testing.B, bin, data string, args []string) servedProcess {
	addr := freeAddr(b)
	logFile, err := os.Create(filepath.Join(b.TempDir(), "serve.log"))
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"serve", "--data", data, "--addr", addr}, args...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	startAndWait(b, cmd, "http://"+addr+"/readyz")
	return servedProcess{url: "http://" + addr, pid: cmd.Process.Pid}
}

// waitQuiet waits until the server uses less than a tenth of a core over
// two seconds, up to five minutes.
func waitQuiet(b *testing.B, p servedProcess) {
	for start := time.Now(); time.Since(start) < 5*time.Minute; {
		before := p.cpu(b)
		time.Sleep(2 * time.Second)
		if p.cpu(b)-before < 200*time.Millisecond {
			return
		}
	}
	b.Logf("the server at %s did not quieten in five minutes", p.url)
}

// startBare runs this test binary as the bare floor (TestBareServer) and
// waits until it answers.
func startBare(b *testing.B) string {
	addr := freeAddr(b)
	cmd := exec.Command(os.Args[0], "-test.run", "^TestBareServer$")
	cmd.Env = append(os.Environ(), "EMIGRAPH_BARE_ADDR="+addr)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	startAndWait(b, cmd, "http://"+addr+"/graphql")
	return "http://" + addr
}

// TestBareServer is the bare floor BenchmarkShapes starts in a process of
// its own: a net/http server that reads each request and answers it with a
// fixed JSON. Off unless EMIGRAPH_BARE_ADDR gives its address.
func TestBareServer(t *testing.T) {
	addr := os.Getenv("EMIGRAPH_BARE_ADDR")
	if addr == "" {
		t.Skip("the bare floor of BenchmarkShapes; set EMIGRAPH_BARE_ADDR to run it")
	}
	answer := []byte(bareAnswer)
	http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(answer)
	}))
}

func freeAddr(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startAndWait starts the command, stops it (SIGTERM) when the benchmark
// ends, and waits until the URL answers 200.
func startAndWait(b *testing.B, cmd *exec.Cmd, url string) {
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
		}
	})
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Since(start) > 2*time.Minute {
			b.Fatalf("%s did not answer in two minutes", url)
		}
	}
}

func envPositive(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
