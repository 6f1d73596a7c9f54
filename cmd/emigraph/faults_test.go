package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bg "github.com/dgraph-io/badger/v4"
	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/cmd/emigraph/internal/faultinject"
	"github.com/emigraph/emigraph/graph/badger"
)

// Fault injection (issue 19): every long operation runs as a child process
// (this test binary, re-executed: see TestMain) under a tracer
// (internal/faultinject) that counts the writes, syncs and renames it makes
// to files under the test's directory and, at one of them, kills the process
// (SIGKILL before the call runs) or fails the call with EIO. After each run
// the directory is opened as the next start would open it (badger.Open, for
// writing: a crash's leftovers are removed and an unfinished load rolled
// back), and the test checks that
//
//   - the store opens, and nothing is left beside it;
//   - it holds the state before the operation or the state after it, whole:
//     every key and value (raw Badger) equal to one of the two, found by
//     running the operation once without a fault;
//   - nothing acknowledged is lost: an operation that reported success (exit
//     0; for an import, a 200) left the state after it.
//
// The operations: load into a new directory (the bulk build, whole and
// JSON Lines streamed), a rebuild, a load in journaled batches (into a store
// with data, and into an empty one), an import into a running server
// (/admin/import), a backup (--out FILE: the file is absent or a whole
// backup that restores), a restore (the target is absent or the whole store,
// and a second restore after a killed one succeeds), and the migration of
// a store of an older key layout (the open that migrates it). The stores are
// small (the seed, and a few hundred generated relations), with syncing on.
//
// By default (CI, where the whole of go test ./... must stay short) each
// operation is faulted twice: killed at its last rename (its commit point,
// where it has one) and failed with EIO at its middle sync, of those not
// known to meet a defect of Badger's (faultPoints, badgerDefect).
// EMIGRAPH_FAULTS=all faults every call, both ways; EMIGRAPH_FAULTS=<n>
// about n calls spread evenly, both ways. The counts, and what a full run
// found and takes, are in server/README.md (Faults).

// testStoreOptions are those the checks open stores with: a small memtable
// and cache (Badger clears its memtable's arena at every open for writing:
// 74 MB at the default 64 MiB, most of an open's time). The memtable is
// smaller than the children's 4 MiB, so that the checks also open the logs
// of a larger memtable, as an open after --memtable was lowered does.
var testStoreOptions = badger.Options{NoSync: true, Reserve: -1, CacheSize: 1 << 20, MemTableSize: 2 << 20}

// faultChildEnv marks the child process of a fault test (TestMain).
const faultChildEnv = "EMIGRAPH_FAULT_CHILD"

// testChildren are the children the tests run of their own binary, by the
// name in EMIGRAPH_TEST_CHILD (a test file of a platform adds its own).
var testChildren = map[string]func() int{}

// TestMain runs a child of a test in place of the tests: a fault test's
// (faultChildEnv), or one named in EMIGRAPH_TEST_CHILD.
func TestMain(m *testing.M) {
	if os.Getenv(faultChildEnv) != "" {
		os.Exit(faultChild(os.Args[1:]))
	}
	if name := os.Getenv("EMIGRAPH_TEST_CHILD"); name != "" {
		child, ok := testChildren[name]
		if !ok {
			fmt.Fprintln(os.Stderr, "unknown child", name)
			os.Exit(2)
		}
		os.Exit(child())
	}
	os.Exit(m.Run())
}

// faultChild runs one operation as the child of a fault test: "main ARGS"
// runs the program (serve prints "ready ADDR" when it listens), and
// "journaled DIR FILE [MEMTABLE]", "rebuild DIR FILE" and "open DIR" call
// the store's API directly where the program would not take that path for
// a small store.
func faultChild(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "main":
		m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
			Ready: func(addr string) { fmt.Printf("ready %s\n", addr) }}
		err = m.Run(ctx, args[1:])
	case "journaled", "rebuild":
		dir, file := args[1], args[2]
		var raw []byte
		raw, err = os.ReadFile(file)
		if err != nil {
			break
		}
		f, _ := documentFormat(file, "")
		c, perr := f.ParseData(file, raw)
		if perr != nil {
			err = perr
			break
		}
		o := badger.Options{MemTableSize: 4 << 20} // the small memtable the suite's stores use
		if args[0] == "rebuild" {
			_, err = badger.Rebuild(ctx, dir, c, badger.RebuildOptions{Options: o})
			break
		}
		if len(args) > 3 { // the memtable, for a small disk
			if o.MemTableSize, err = badger.ParseBytes(args[3]); err != nil {
				break
			}
		}
		var st *badger.Store
		if st, err = badger.Open(dir, o); err != nil {
			break
		}
		// batches of 200 keys, so that a small load has many
		_, err = st.Load(ctx, c, badger.LoadOptions{MaxTxnKeys: 1, BatchKeys: 200})
		err = errors.Join(err, st.Close())
	case "open":
		var st *badger.Store
		if st, err = badger.Open(args[1], badger.Options{MemTableSize: 4 << 20}); err == nil {
			err = st.Close()
		}
	default:
		err = fmt.Errorf("unknown child operation %q", args[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fault child:", err)
		return 1
	}
	return 0
}

// faultOp is an operation of the fault tests. Its files live in a root
// directory: setup fills one with the state before the operation, which is
// copied for each run.
type faultOp struct {
	name  string
	setup func(t *testing.T, root string)
	// args of the child, with {root} for the root directory
	args []string
	// stdin, if set, is the child's standard input (a file under root)
	stdin string
	// serve: the child is `emigraph serve`; once it listens, counting
	// starts, the import is sent to it (importFile, under root), and it is
	// stopped (SIGTERM) after the answer
	serve      bool
	importFile string
	// state is the canonical state of a root after a run, as the next start
	// finds it; it fails the test if that start fails
	state func(t *testing.T, root string) string
	// before, if set, is the state before the operation, where state
	// would change it (an open migrates)
	before func(t *testing.T, root string) string
}

// faultRun is the outcome of one traced run.
type faultRun struct {
	res   faultinject.Result
	acked bool   // the operation reported success
	log   string // the child's standard error
}

func runFaultOp(t *testing.T, op faultOp, root string, o faultinject.Options) faultRun {
	t.Helper()
	args := []string{os.Args[0]}
	for _, a := range op.args {
		args = append(args, strings.ReplaceAll(a, "{root}", root))
	}
	o.Dir = root
	o.Env = append(os.Environ(), faultChildEnv+"=1")
	stderr, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	o.Stderr = stderr
	if op.stdin != "" {
		f, err := os.Open(filepath.Join(root, op.stdin))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		o.Stdin = f
	}
	var stdout *os.File
	if op.serve {
		o.Unarmed = true
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		o.Stdout, stdout = w, r
	}
	p, err := faultinject.Start(args, o)
	if o.Stdout != nil {
		o.Stdout.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	acked := false
	if op.serve {
		acked = importInto(t, p, stdout, filepath.Join(root, op.importFile), filepath.Join(root, "token"))
	}
	res, err := p.Wait()
	if err != nil {
		t.Fatal(err)
	}
	stderr.Seek(0, io.SeekStart)
	log, _ := io.ReadAll(stderr)
	if !op.serve {
		acked = res.ExitCode == 0
	}
	return faultRun{res: res, acked: acked, log: string(log)}
}

// importInto waits for the server to listen, arms the tracer, sends the
// import, then stops the server; it reports whether the import was
// acknowledged.
func importInto(t *testing.T, p *faultinject.Process, stdout io.Reader, file, tokenFile string) (acked bool) {
	t.Helper()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
				addr <- a
			}
		}
		close(addr)
	}()
	var base string
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatal("the server ended before it listened")
		}
		base = "http://" + a
	case <-time.After(60 * time.Second):
		p.Signal(syscall.SIGKILL)
		t.Fatal("the server did not start")
	}
	p.Arm()
	_, _, err := run(t, "", nil, "load", file, "--server", base, "--token-file", tokenFile)
	acked = err == nil
	p.Signal(syscall.SIGTERM)
	select {
	case <-p.Done():
	case <-time.After(60 * time.Second):
		p.Signal(syscall.SIGKILL)
		t.Errorf("the server did not stop on SIGTERM")
	}
	return acked
}

// faultPoints is the calls at which an operation is faulted, by mode: with
// EMIGRAPH_FAULTS=all every call both ways; with EMIGRAPH_FAULTS=<n> about n
// calls spread evenly, both ways; by default (CI) two: a kill at its last
// rename (its commit point, where it has one; else its middle call), and an
// EIO at its middle sync (of the logs, the files and directories written,
// not of Badger's tables and MANIFEST, where badgerDefect says what ends
// badly).
func faultPoints(t *testing.T, calls []faultinject.Call) map[faultinject.Fault][]int {
	n := len(calls)
	both := func(points []int) map[faultinject.Fault][]int {
		return map[faultinject.Fault][]int{faultinject.Kill: points, faultinject.Fail: points}
	}
	switch v := os.Getenv("EMIGRAPH_FAULTS"); v {
	case "all":
		points := make([]int, n)
		for i := range points {
			points[i] = i + 1
		}
		return both(points)
	case "":
	default:
		k, err := strconv.Atoi(v)
		if err != nil || k < 1 {
			t.Fatalf("EMIGRAPH_FAULTS=%q: give all or a number", v)
		}
		var points []int
		for i := range k {
			points = append(points, 1+i*(n-1)/max(k-1, 1))
		}
		return both(uniqueSorted(points))
	}
	kill, fail := (n+1)/2, (n+1)/2
	var syncs []int
	for i, c := range calls {
		switch {
		case c.Kind == faultinject.Rename:
			kill = i + 1
		case c.Kind == faultinject.Sync && !strings.HasSuffix(c.Path, ".sst") && filepath.Base(c.Path) != "MANIFEST":
			// not where Badger's own defects are known (badgerDefect)
			syncs = append(syncs, i+1)
		}
	}
	if len(syncs) > 0 {
		fail = syncs[len(syncs)/2]
	}
	return map[faultinject.Fault][]int{faultinject.Kill: {kill}, faultinject.Fail: {fail}}
}

func uniqueSorted(xs []int) []int {
	slices.Sort(xs)
	return slices.Compact(xs)
}

// checkFaults runs op once to count its calls and find the state after it,
// then once per point and mode, checking each run (see the top of this
// file).
func checkFaults(t *testing.T, op faultOp) {
	faultinject.Require(t)
	t.Parallel()
	tmpl := t.TempDir()
	op.setup(t, tmpl)
	fresh := func() string {
		root := t.TempDir()
		copyTree(t, tmpl, root)
		return root
	}
	stateBefore := op.state
	if op.before != nil {
		stateBefore = op.before
	}
	before := stateBefore(t, fresh())
	probeRoot := fresh()
	probe := runFaultOp(t, op, probeRoot, faultinject.Options{})
	if !probe.acked {
		t.Fatalf("%s without a fault failed: %+v\n%s", op.name, probe.res, probe.log)
	}
	calls := probe.res.Calls
	if len(calls) == 0 {
		t.Fatalf("%s made no counted call", op.name)
	}
	after := op.state(t, probeRoot)
	if after == before {
		t.Fatalf("%s changed nothing", op.name)
	}
	for _, state := range []string{before, after} {
		if strings.Contains(state, "does not") || strings.Contains(state, "fails") || strings.Contains(state, "unreadable") {
			t.Fatalf("%s without a fault: %s", op.name, state)
		}
	}
	counts := probe.res.Count()
	points := faultPoints(t, calls)
	checked, known := 0, 0
	for _, mode := range []faultinject.Fault{faultinject.Kill, faultinject.Fail} {
		for _, at := range points[mode] {
			root := fresh()
			r := runFaultOp(t, op, root, faultinject.Options{At: at, Fault: mode})
			got := op.state(t, root)
			what := fmt.Sprintf("%s, %s at call %d of %d", op.name, mode, at, len(calls))
			if r.res.Faulted != nil {
				what += " (" + r.res.Faulted.String() + ")"
			}
			switch {
			case got == after:
			case got == before && !r.acked:
			case badgerDefect(r.res, got) != "":
				known++
				t.Logf("%s: %s: %s", what, badgerDefect(r.res, got), got)
			case got == before:
				t.Errorf("%s: acknowledged, but the store holds the state before it\n%s", what, r.log)
			default:
				t.Errorf("%s: the store holds neither the state before nor the state after (acknowledged: %v):\n%s\n%s%s", what, r.acked, got,
					storeDiff(t, root, probeRoot), r.log)
			}
			checked++
		}
	}
	t.Logf("%s: %d counted calls (%d writes, %d syncs, %d renames); %d runs faulted (killed at %d points, failed at %d); %d ended in a known defect of Badger's",
		op.name, len(calls), counts[faultinject.Write], counts[faultinject.Sync], counts[faultinject.Rename], checked,
		len(points[faultinject.Kill]), len(points[faultinject.Fail]), known)
}

// badgerDefect names the defect of Badger's (v4.9.6, the latest) a run
// ended in, or is "". Both follow an EIO that Badger gets while it makes a
// table, and nothing above Badger can repair them without risking data:
//
//   - An EIO from the sync of the MANIFEST after it records a new level-0
//     table: Badger deletes the table's file and flushes the memtable again
//     into a new one (the data is there), but the record stays in the
//     MANIFEST (written; only its sync failed), and the store is refused at
//     every open after: "file does not exist for table N". Refused, naming
//     the table; not read wrong.
//   - An EIO while a compaction makes a table (its ftruncate or msync):
//     levels.go's subcompact defers inflightBuilders.Done(err) with err
//     still nil, so the failure is never seen; the compaction goes on
//     without that table and deletes the tables it compacted: the keys of
//     the lost table are gone, silently, acknowledged or not (a compaction
//     that DropPrefix forces, as a load's last step does, lost every key of
//     a small store). The fix is one line in Badger: defer func() {
//     inflightBuilders.Done(err) }(). The same happens to any compaction
//     that cannot create a file (EMFILE: out of descriptors).
//
// Only a failure injected into those calls may end so.
func badgerDefect(res faultinject.Result, state string) string {
	f := res.Faulted
	switch {
	case f == nil || res.Killed():
		return ""
	case f.Kind == faultinject.Sync && filepath.Base(f.Path) == "MANIFEST" && strings.HasPrefix(state, "does not open: file does not exist for table "):
		return "Badger's MANIFEST defect (a table deleted, its record kept)"
	case strings.HasSuffix(f.Path, ".sst") && (f.Name == "ftruncate" || f.Name == "msync"):
		return "Badger's compaction defect (a table that failed dropped, keys lost)"
	}
	return ""
}

// storeDiff lists a few keys that differ between the stores of two roots
// (the directories holding a MANIFEST), to say what a failed check found.
func storeDiff(t *testing.T, root, other string) string {
	t.Helper()
	var out strings.Builder
	dirs, _ := filepath.Glob(filepath.Join(root, "*", "MANIFEST"))
	for _, m := range dirs {
		name := filepath.Base(filepath.Dir(m))
		a, b := rawKeys(t, filepath.Join(root, name)), rawKeys(t, filepath.Join(other, name))
		n := 0
		for k, v := range a {
			if w, ok := b[k]; (!ok || w != v) && n < 8 {
				fmt.Fprintf(&out, "  %s: %q is %.60q, after a run without a fault %.60q (there: %v)\n", name, k, v, w, ok)
				n++
			}
		}
		for k, w := range b {
			if _, ok := a[k]; !ok && n < 8 {
				fmt.Fprintf(&out, "  %s: %q is missing (after a run without a fault: %.60q)\n", name, k, w)
				n++
			}
		}
	}
	return out.String()
}

// rawOpen opens the store in dir read-only with Badger alone. The lock it
// takes may be held for a moment by a process this one is forking (for
// another test's child), which holds copies of its descriptors until it
// execs: it waits for that, up to 10 s (a loaded machine was seen to take
// more than 2).
func rawOpen(dir string) (*bg.DB, error) {
	for i := 0; ; i++ {
		db, err := bg.Open(bg.DefaultOptions(dir).WithReadOnly(true).WithLogger(nil).WithBlockCacheSize(1 << 20))
		if err == nil || i == 500 || !strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return db, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rawKeys is every key and value of the store in dir (raw Badger).
func rawKeys(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	db, err := rawOpen(dir)
	if err != nil {
		return out
	}
	defer db.Close()
	db.View(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, _ := it.Item().ValueCopy(nil)
			if v, keep := historyTimeless(it.Item().Key(), v); keep {
				out[string(it.Item().Key())] = string(v)
			}
		}
		return nil
	})
	return out
}

// copyTree copies the regular files and directories under src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// storeState opens the store in dir as the next start would (for writing:
// a crash's leftovers removed, an unfinished load rolled back, an older
// layout migrated), checks nothing is left beside it, and returns a digest
// of every key and value ("no store" when dir is absent or empty: the
// next start makes a new one).
func storeState(t *testing.T, dir string) string {
	t.Helper()
	if isEmptyDir(dir) {
		// the next start makes a new store there (serve then seeds it):
		// what a killed operation left beside it must go
		if st, err := openWaiting(dir); err != nil {
			t.Errorf("a new store in %s: %v", dir, err)
		} else {
			st.Close()
		}
		if left, _ := filepath.Glob(filepath.Clean(dir) + ".*"); len(left) > 0 {
			t.Errorf("left beside %s after a new store was opened there: %v", dir, left)
		}
		os.RemoveAll(dir)
		return "no store"
	}
	st, err := openWaiting(dir)
	if err != nil {
		return "does not open: " + err.Error()
	}
	if err := st.Close(); err != nil {
		t.Errorf("closing %s: %v", dir, err)
	}
	if left, _ := filepath.Glob(filepath.Clean(dir) + ".*"); len(left) > 0 {
		t.Errorf("left beside %s after it was opened: %v", dir, left)
	}
	return rawDigest(t, dir)
}

// openWaiting opens the store in dir for writing, waiting out a lock held
// for a moment by a process being forked (see rawOpen).
func openWaiting(dir string) (*badger.Store, error) {
	for i := 0; ; i++ {
		st, err := badger.Open(dir, testStoreOptions)
		if !errors.Is(err, badger.ErrLocked) || i == 500 {
			if err != nil {
				err = fmt.Errorf("%w (held by %s)", err, holders(dir))
			}
			return st, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// holders lists the processes with a descriptor of dir open (to say who
// holds a lock that is not let go).
func holders(dir string) string {
	var out []string
	procs, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range procs {
		if target, err := os.Readlink(fd); err == nil && target == dir {
			pid := strings.Split(fd, "/")[2]
			cmd, _ := os.ReadFile("/proc/" + pid + "/cmdline")
			out = append(out, pid+" "+strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
	return fmt.Sprintf("pid %d: %v", os.Getpid(), out)
}

// restoreWaiting restores the backup in f into dir, waiting out a lock held
// for a moment by a process being forked (see rawOpen).
func restoreWaiting(dir string, f *os.File) error {
	for i := 0; ; i++ {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		err := badger.Restore(dir, f, testStoreOptions)
		if !errors.Is(err, badger.ErrLocked) && (err == nil || !strings.Contains(err.Error(), "Cannot acquire directory lock")) || i == 500 {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// isEmptyDir reports whether dir is absent or an empty directory.
func isEmptyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	return errors.Is(err, fs.ErrNotExist) || (err == nil && len(entries) == 0)
}

// rawDigest is a digest of every key and value of the store in dir, read
// through Badger itself, with their number.
func rawDigest(t *testing.T, dir string) string {
	t.Helper()
	db, err := rawOpen(dir)
	if err != nil {
		return "raw open fails: " + err.Error()
	}
	defer db.Close()
	h := sha256.New()
	n := 0
	err = db.View(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{PrefetchValues: false})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			k := it.Item().Key()
			if v, keep := historyTimeless(k, v); !keep {
				continue
			} else {
				fmt.Fprintf(h, "%d:%s%d:%s", len(k), k, len(v), v)
			}
			n++
		}
		return nil
	})
	if err != nil {
		return "unreadable: " + err.Error()
	}
	return fmt.Sprintf("%d keys, sha256 %s", n, hex.EncodeToString(h.Sum(nil))[:16])
}

// --- the operations ---------------------------------------------------

// genFacts writes generated facts (seed 7) to name, in the format its
// extension names.
func genFacts(t *testing.T, name string, entities, relations int) {
	t.Helper()
	format := map[string]string{".jsonl": "jsonl", ".yaml": "native"}[filepath.Ext(name)]
	if _, errs, err := run(t, "", nil, "gen", "--entities", strconv.Itoa(entities), "--relations", strconv.Itoa(relations),
		"--seed", "7", "--format", format, "--out", name); err != nil {
		t.Fatalf("gen: %v %s", err, errs)
	}
}

// seededStore makes a store in dir as serve leaves a new one: seeded, and
// recorded as seeded.
func seededStore(t *testing.T, dir string) {
	t.Helper()
	st, err := badger.Open(dir, testStoreOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := seedIfNew(context.Background(), st, zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
}

func dataState(t *testing.T, root string) string {
	return storeState(t, filepath.Join(root, "data"))
}

func TestFaultsLoadIntoANewDirectory(t *testing.T) {
	for _, ext := range []string{".jsonl", ".yaml"} {
		name := map[string]string{".jsonl": "streamed build (JSON Lines)", ".yaml": "build"}[ext]
		t.Run(strings.TrimPrefix(ext, "."), func(t *testing.T) {
			checkFaults(t, faultOp{
				name:  "load into a new directory, " + name,
				setup: func(t *testing.T, root string) { genFacts(t, filepath.Join(root, "facts"+ext), 40, 200) },
				args:  []string{"main", "load", "{root}/facts" + ext, "--data", "{root}/data", "--memtable", "4MiB", "--log-level", "warn"},
				state: dataState,
			})
		})
	}
}

func TestFaultsRebuild(t *testing.T) {
	checkFaults(t, faultOp{
		name: "rebuild",
		setup: func(t *testing.T, root string) {
			seededStore(t, filepath.Join(root, "data"))
			genFacts(t, filepath.Join(root, "facts.jsonl"), 40, 200)
		},
		args:  []string{"rebuild", "{root}/data", "{root}/facts.jsonl"},
		state: dataState,
	})
}

func TestFaultsJournaledLoad(t *testing.T) {
	for _, into := range []string{"seeded", "empty"} {
		t.Run(into, func(t *testing.T) {
			checkFaults(t, faultOp{
				name: "journaled load into a " + into + " store",
				setup: func(t *testing.T, root string) {
					dir := filepath.Join(root, "data")
					if into == "seeded" {
						seededStore(t, dir)
					} else {
						st, err := badger.Open(dir, testStoreOptions)
						if err != nil {
							t.Fatal(err)
						}
						st.Close()
					}
					genFacts(t, filepath.Join(root, "facts.jsonl"), 20, 60)
				},
				args:  []string{"journaled", "{root}/data", "{root}/facts.jsonl"},
				state: dataState,
			})
		})
	}
}

func TestFaultsImport(t *testing.T) {
	checkFaults(t, faultOp{
		name: "import into a running server",
		setup: func(t *testing.T, root string) {
			seededStore(t, filepath.Join(root, "data"))
			genFacts(t, filepath.Join(root, "facts.jsonl"), 40, 200)
			os.WriteFile(filepath.Join(root, "token"), []byte("tok-faults\n"), 0o600)
		},
		args: []string{"main", "serve", "--data", "{root}/data", "--addr", "127.0.0.1:0", "--token-file", "{root}/token",
			"--memtable", "4MiB", "--log-level", "warn"},
		serve:      true,
		importFile: "facts.jsonl",
		state:      dataState,
	})
}

func TestFaultsBackup(t *testing.T) {
	checkFaults(t, faultOp{
		name:  "backup",
		setup: func(t *testing.T, root string) { seededStore(t, filepath.Join(root, "data")) },
		args:  []string{"main", "backup", "--data", "{root}/data", "--out", "{root}/backup"},
		state: func(t *testing.T, root string) string {
			return dataState(t, root) + "; backup: " + backupState(t, filepath.Join(root, "backup"))
		},
	})
}

// backupState is "none" when there is no backup at name, else the state
// of the store it restores to (a backup that does not restore fails the
// test).
func backupState(t *testing.T, name string) string {
	t.Helper()
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return "none"
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := filepath.Join(t.TempDir(), "restored")
	if err := restoreWaiting(dir, f); err != nil {
		return "does not restore: " + err.Error()
	}
	return rawDigest(t, dir)
}

func TestFaultsRestore(t *testing.T) {
	checkFaults(t, faultOp{
		name: "restore",
		setup: func(t *testing.T, root string) {
			dir := filepath.Join(t.TempDir(), "data")
			seededStore(t, dir)
			if _, errs, err := run(t, "", nil, "backup", "--data", dir, "--out", filepath.Join(root, "backup")); err != nil {
				t.Fatalf("backup: %v %s", err, errs)
			}
		},
		args:  []string{"main", "restore", "--data", "{root}/restored"},
		stdin: "backup",
		state: func(t *testing.T, root string) string {
			target := filepath.Join(root, "restored")
			if isEmptyDir(target) {
				// the next restore takes the directory: what a killed one
				// left is no obstacle, and it leaves nothing behind
				f, err := os.Open(filepath.Join(root, "backup"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := restoreWaiting(target, f); err != nil {
					t.Errorf("a restore after the fault: %v", err)
				}
				os.RemoveAll(target)
			}
			state := storeState(t, target)
			if entries, _ := os.ReadDir(root); len(entries) > 2 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("left in the directory of the restore: %v", names)
			}
			return state
		},
	})
}

func TestFaultsMigration(t *testing.T) {
	checkFaults(t, faultOp{
		name: "migration from key layout 2",
		setup: func(t *testing.T, root string) {
			dir := filepath.Join(root, "data")
			seededStore(t, dir)
			// layout 2: no adjacency counters, figures index or packed postings
			db, err := bg.Open(bg.DefaultOptions(dir).WithLogger(nil))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, prefix := range []string{"c:adj:", "f:", "F:"} {
				if err := db.DropPrefix([]byte(prefix)); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Update(func(txn *bg.Txn) error { return txn.Set([]byte("m:layout"), []byte("2")) }); err != nil {
				t.Fatal(err)
			}
		},
		args:   []string{"open", "{root}/data"},
		state:  dataState,
		before: func(t *testing.T, root string) string { return rawDigest(t, filepath.Join(root, "data")) },
	})
}
