package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/emigraph/emigraph/cmd/emigraph/internal/faultinject"
	"github.com/emigraph/emigraph/graph/badger"
)

// smallDisk mounts a 64 MiB tmpfs for the test, or skips saying why.
func smallDisk(t *testing.T) string {
	t.Helper()
	return smallDiskOf(t, "64m")
}

// smallDiskOf mounts a tmpfs of size for the test, or skips saying why.
func smallDiskOf(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("the disk-full tests mount a tmpfs (of %s), which needs root: run them as root (see server/README.md, Storage and syncing)", size)
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s): the disk-full test needs one", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

func freeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

// fill writes (or grows) a file that leaves about leave bytes free in dir.
func fill(t *testing.T, dir string, leave int64) string {
	t.Helper()
	name := filepath.Join(dir, "filler")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i) | 1
	}
	for free := freeBytes(t, dir); free > leave; free = freeBytes(t, dir) {
		n := min(int64(len(buf)), free-leave)
		if _, err := f.Write(buf[:n]); err != nil {
			t.Fatalf("filling: %v", err)
		}
	}
	return name
}

// The real server on a nearly full disk: writes go on until the reserve is
// reached, then are refused with a clear error while reads go on; nothing
// crashes; a restart on the full disk serves read-only; once space is freed,
// every acknowledged write is there.
func TestDiskFull(t *testing.T) {
	t.Parallel()
	disk := smallDisk(t)
	data := filepath.Join(disk, "data")
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("tok-full\n"), 0o600)
	auth := []string{"Authorization", "Bearer tok-full"}
	// the least reserve at a 2 MiB memtable (MinReserve), which a 64 MiB
	// disk has room for
	const reserve = "27MiB"
	flags := []string{"--token-file", tokenFile, "--memtable", "2MiB", "--reserve", reserve}

	_, stop := serve(t, data, flags...) // seeds the store
	stop()
	filler := fill(t, disk, 27<<20+6<<20) // 6 MiB above the reserve

	base, stop := serve(t, data, flags...)
	// 8 KB descriptions of random letters, which compression does not
	// shrink: the disk fills after a few hundred writes, however far
	// Badger's compactions have got
	r := rand.New(rand.NewPCG(3, 4))
	letters := make([]byte, 8000)
	var acked []string
	var refusal string
	for i := 0; i < 5000 && refusal == ""; i++ {
		id := fmt.Sprintf("person/full-%d", i)
		for j := range letters {
			letters[j] = 'a' + byte(r.IntN(26))
		}
		description := string(letters)
		res := mustJSON(query(t, base, fmt.Sprintf(`mutation { upsertEntity(entity: {id: %q, name: "Full %d", type: PERSON, description: %q}) { ok } }`, id, i, description), auth...))
		switch {
		case strings.Contains(res, `"ok":true`):
			acked = append(acked, id)
		case strings.Contains(res, "no space left"):
			refusal = res
		default:
			t.Fatalf("write %d: %s", i, res)
		}
	}
	if refusal == "" {
		t.Fatalf("%d writes and none refused", len(acked))
	}
	if !strings.Contains(refusal, "needed (the reserve, --reserve)") || !strings.Contains(refusal, `"code":"no_space"`) {
		t.Errorf("the refusal does not say why: %s", refusal)
	}
	t.Logf("%d writes acknowledged, then: %s", len(acked), refusal)
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before the refusal")
	}
	// reads go on
	if res := mustJSON(query(t, base, fmt.Sprintf(`{ entity(id: %q) { name } }`, acked[len(acked)-1]))); !strings.Contains(res, "Full") {
		t.Errorf("a read after the refusal: %s", res)
	}
	stop() // closes the store on the full disk: no crash
	// closing flushed the memtable into a table smaller than its log: fill
	// again, under the reserve
	fill(t, disk, 20<<20)

	// a load on the full disk is refused, an export works (read-only)
	facts := filepath.Join(t.TempDir(), "facts.jsonl")
	os.WriteFile(facts, []byte(`{"kind":"entity","id":"person/late","name":"Late","type":"PERSON"}`+"\n"), 0o644)
	if _, _, err := run(t, "", nil, "load", facts, "--data", data, "--memtable", "2MiB", "--reserve", reserve); err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Errorf("load on the full disk: %v", err)
	}
	if out, errs, err := run(t, "", nil, "export", "--data", data, "--format", "jsonl"); err != nil || !strings.Contains(out, acked[0]) {
		t.Errorf("export on the full disk: %v %s", err, errs)
	}

	// a restart on the full disk serves read-only
	base, stop = serve(t, data, flags...)
	res := mustJSON(query(t, base, `mutation { upsertEntity(entity: {id: "person/after-restart", name: "After", type: PERSON}) { ok } }`, auth...))
	if !strings.Contains(res, "no space left") || !strings.Contains(res, "opened read-only") {
		t.Errorf("a write after a restart on the full disk: %s", res)
	}
	if res := mustJSON(query(t, base, fmt.Sprintf(`{ entity(id: %q) { name } }`, acked[0]))); !strings.Contains(res, "Full 0") {
		t.Errorf("a read on the read-only restart: %s", res)
	}
	stop()

	// space freed: writable again, with every acknowledged write
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	base, stop = serve(t, data, flags...)
	defer stop()
	for _, id := range acked {
		if res := mustJSON(query(t, base, fmt.Sprintf(`{ entity(id: %q) { id } }`, id))); !strings.Contains(res, id) {
			t.Fatalf("the acknowledged write %s is lost: %s", id, res)
		}
	}
	if res := mustJSON(query(t, base, `mutation { upsertEntity(entity: {id: "person/after-space", name: "After", type: PERSON}) { ok } }`, auth...)); !strings.Contains(res, `"ok":true`) {
		t.Errorf("a write once space is free: %s", res)
	}
}

// serveChild runs `emigraph serve` on dir in a child process (this test
// binary, see TestMain), so that a crash of the server (SIGBUS) is the
// child's, and returns its base URL and a function that stops it (SIGTERM)
// and fails the test if it had died or does not stop cleanly.
func serveChild(t *testing.T, dir string, flags ...string) (base string, stop func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"main", "serve", "--addr", "127.0.0.1:0", "--data", dir, "--log-level", "warn"}, flags...)...)
	cmd.Env = append(os.Environ(), faultChildEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
			base = "http://" + a
			break
		}
	}
	if base == "" {
		err := cmd.Wait()
		t.Fatalf("serve did not start: %v\n%s", err, stderr.String())
	}
	go io.Copy(io.Discard, stdout)
	return base, func() {
		t.Helper()
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("serve ended with %v:\n%s", err, tail(stderr.String(), 2000))
		}
	}
}

func tail(s string, n int) string { return s[max(0, len(s)-n):] }

// fillerFacts writes n people with 3 KB descriptions of random letters
// (which compression does not shrink) as JSON Lines.
func fillerFacts(t *testing.T, n int) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "filler.jsonl")
	var b strings.Builder
	r := rand.New(rand.NewPCG(1, 2))
	letters := make([]byte, 3000)
	for i := range n {
		for j := range letters {
			letters[j] = 'a' + byte(r.IntN(26))
		}
		fmt.Fprintf(&b, `{"kind":"entity","id":"person/filler-%d","name":"Filler %d","type":"PERSON","description":"%s"}`+"\n", i, i, letters)
	}
	if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// Defect 5 of issue 19: the README's example, --reserve 24MiB on a 64 MiB
// disk, let an import fill the disk through Badger's memory maps, and the
// server died of SIGBUS. A reserve under what Badger needs at its options
// is refused now, saying the least and why, and at the least an import that
// fills the disk is refused with no_space, while the server goes on serving
// what it held, and restarts.
func TestReserveUnderTheLeastIsRefused(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"serve", "--addr", "256.0.0.1:1", "--reserve", "24MiB"},
		{"load", "no-such-file.jsonl", "--reserve", "24MiB"},
		{"restore", "--reserve", "24MiB"},
	} {
		_, _, err := run(t, "", nil, append(args, "--data", filepath.Join(t.TempDir(), "data"))...)
		var usage *errUsage
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), "a reserve of 24 MiB is less than the 526 MiB Badger may still write") ||
			!strings.Contains(err.Error(), "64 MiB memtable") {
			t.Errorf("%s --reserve 24MiB: %v", args[0], err)
		}
	}
	_, _, err := run(t, "", nil, "serve", "--addr", "256.0.0.1:1", "--memtable", "2MiB", "--reserve", "24MiB")
	if err == nil || !strings.Contains(err.Error(), "less than the 27 MiB") {
		t.Errorf("--memtable 2MiB --reserve 24MiB: %v", err)
	}
}

func TestImportThatFillsTheDisk(t *testing.T) {
	t.Parallel()
	disk := smallDiskOf(t, "48m")
	data := filepath.Join(disk, "data")
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("tok-fill\n"), 0o600)
	flags := []string{"--token-file", tokenFile, "--memtable", "2MiB", "--reserve", "27MiB"}
	facts := fillerFacts(t, 10000) // 30 MB of descriptions: more than the disk has room for
	base, stop := serveChild(t, data, flags...)
	seeded := mustJSON(query(t, base, `{ stats { totalEntities totalRelations } }`))
	_, _, err := run(t, "", nil, "load", facts, "--server", base, "--token-file", tokenFile)
	if err == nil || !strings.Contains(err.Error(), "507") || !strings.Contains(err.Error(), "no space left") || !strings.Contains(err.Error(), "27 MiB needed") {
		t.Errorf("the import that fills the disk: %v", err)
	}
	if got := mustJSON(query(t, base, `{ stats { totalEntities totalRelations } }`)); got != seeded {
		t.Errorf("after the refused import the server holds %s, before %s", got, seeded)
	}
	stop() // fails the test if the server died
	base, stop = serveChild(t, data, flags...)
	defer stop()
	if got := mustJSON(query(t, base, `{ stats { totalEntities totalRelations } }`)); got != seeded {
		t.Errorf("after a restart the server holds %s, before the import %s", got, seeded)
	}
	if got := mustJSON(query(t, base, `{ entity(id: "person/filler-0") { id } }`)); got != `{"data":{"entity":null}}` {
		t.Errorf("an entity of the refused import after a restart: %s", got)
	}
}

// Defect 5, the restart: a server killed part-way through a journaled load
// on a disk that then fills could not restart ("a load that a crash left
// unfinished ... 0 B free"), so reads were down too. It restarts read-only,
// serving what it held before that load (the load is rolled back when there
// is room), and refuses writes saying why; with room again, it rolls back and
// takes writes.
func TestRestartOnAFullDiskAfterACrash(t *testing.T) {
	t.Parallel()
	faultinject.Require(t)
	disk := smallDisk(t)
	data := filepath.Join(disk, "data")
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("tok-crash\n"), 0o600)
	auth := []string{"Authorization", "Bearer tok-crash"}
	flags := []string{"--token-file", tokenFile, "--memtable", "2MiB", "--reserve", "27MiB"}
	base, stop := serveChild(t, data, flags...)
	stats := `{ stats { totalEntities totalRelations } }`
	seeded := mustJSON(query(t, base, stats))
	stop()

	// a journaled load (1,500 people with 3 KB descriptions: a transaction
	// holds 300 KB at a 2 MiB memtable), killed half-way through its writes,
	// syncs and renames: counted on a copy first
	facts := fillerFacts(t, 1500)
	env := append(os.Environ(), faultChildEnv+"=1")
	probe := filepath.Join(t.TempDir(), "data")
	copyTree(t, data, probe)
	p, err := faultinject.Start([]string{os.Args[0], "journaled", probe, facts, "2MiB"}, faultinject.Options{Dir: probe, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Wait()
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("the load: %v, exit %d", err, res.ExitCode)
	}
	p, err = faultinject.Start([]string{os.Args[0], "journaled", data, facts, "2MiB"},
		faultinject.Options{Dir: data, Env: env, At: len(res.Calls) / 2, Fault: faultinject.Kill})
	if err != nil {
		t.Fatal(err)
	}
	if res, err = p.Wait(); err != nil || !res.Killed() {
		t.Fatalf("the load was not killed: %v %+v", err, res)
	}
	filler := fill(t, disk, 10<<20) // under the reserve

	base, stop = serveChild(t, data, flags...)
	if got := mustJSON(query(t, base, stats)); got != seeded {
		t.Errorf("restarted on the full disk, the server holds %s, before the load %s", got, seeded)
	}
	if got := mustJSON(query(t, base, `{ entity(id: "person/filler-0") { id } }`)); got != `{"data":{"entity":null}}` {
		t.Errorf("an entity of the unfinished load is served: %s", got)
	}
	res2 := mustJSON(query(t, base, `mutation { upsertEntity(entity: {id: "person/after-crash", name: "After", type: PERSON}) { ok } }`, auth...))
	if !strings.Contains(res2, "no space left") || !strings.Contains(res2, "rolled back at the next start with room to write") {
		t.Errorf("a write on the full disk after the crash: %s", res2)
	}
	stop()

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	base, stop = serveChild(t, data, flags...)
	defer stop()
	if got := mustJSON(query(t, base, stats)); got != seeded {
		t.Errorf("with room again, the server holds %s, before the load %s", got, seeded)
	}
	if res := mustJSON(query(t, base, `mutation { upsertEntity(entity: {id: "person/after-room", name: "After", type: PERSON}) { ok } }`, auth...)); !strings.Contains(res, `"ok":true`) {
		t.Errorf("a write with room again: %s", res)
	}
}

// Defect 11 of issue 19 (part): a store on a file system mounted read-only
// was reported as "no space left". It is served read-only, and a write is
// refused saying the file system is read-only.
func TestReadOnlyMountIsNotAFullDisk(t *testing.T) {
	t.Parallel()
	disk := smallDisk(t)
	data := filepath.Join(disk, "data")
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("tok-ro\n"), 0o600)
	flags := []string{"--token-file", tokenFile, "--memtable", "2MiB", "--reserve", "27MiB"}
	_, stop := serveChild(t, data, flags...) // seeds it
	stop()
	fill(t, disk, 1<<20) // a read-only file system may report nothing free
	if out, err := exec.Command("mount", "-o", "remount,ro", disk).CombinedOutput(); err != nil {
		t.Skipf("cannot remount the tmpfs read-only (%v: %s)", err, out)
	}
	base, stop := serveChild(t, data, flags...)
	res := mustJSON(query(t, base, `mutation { upsertEntity(entity: {id: "person/ro", name: "RO", type: PERSON}) { ok } }`, "Authorization", "Bearer tok-ro"))
	if !strings.Contains(res, "mounted read-only") || strings.Contains(res, "no space") {
		t.Errorf("a write on a read-only mount: %s", res)
	}
	if res := mustJSON(query(t, base, `{ entity(id: "person/chulpan-khamatova") { name } }`)); !strings.Contains(res, "Chulpan") {
		t.Errorf("a read on a read-only mount: %s", res)
	}
	facts := filepath.Join(t.TempDir(), "facts.jsonl")
	os.WriteFile(facts, []byte(`{"kind":"entity","id":"person/late","name":"Late","type":"PERSON"}`+"\n"), 0o644)
	stop()
	_, _, err := run(t, "", nil, "load", facts, "--data", data, "--memtable", "2MiB", "--reserve", "27MiB")
	if err == nil || !strings.Contains(err.Error(), "mounted read-only") {
		t.Errorf("a load on a read-only mount: %v", err)
	}
}

// A restore into a mount point (a directory that cannot be renamed over)
// writes in place, marked unfinished until it ends: killed part-way, the
// directory is refused by serve (never seeded, never served), and the next
// restore empties it and restores.
func TestRestoreIntoAMountPoint(t *testing.T) {
	t.Parallel()
	faultinject.Require(t)
	disk := smallDiskOf(t, "1g") // the mount point is the target (room for the reserve; tmpfs takes only what is written)
	src := filepath.Join(t.TempDir(), "data")
	seededStore(t, src)
	backup := filepath.Join(t.TempDir(), "backup")
	if _, errs, err := run(t, "", nil, "backup", "--data", src, "--out", backup); err != nil {
		t.Fatalf("backup: %v %s", err, errs)
	}
	want, _, err := run(t, "", nil, "export", "--data", src)
	if err != nil {
		t.Fatal(err)
	}
	restore := func(o faultinject.Options) faultinject.Result {
		t.Helper()
		in, err := os.Open(backup)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		o.Dir, o.Stdin, o.Env, o.Stderr = disk, in, append(os.Environ(), faultChildEnv+"=1"), os.Stderr
		p, err := faultinject.Start([]string{os.Args[0], "main", "restore", "--data", disk}, o)
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Wait()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// counted, then killed half-way
	res := restore(faultinject.Options{})
	if res.ExitCode != 0 {
		t.Fatalf("restore into a mount point: exit %d", res.ExitCode)
	}
	if got, _, _ := run(t, "", nil, "export", "--data", disk); got != want {
		t.Fatalf("the restored store exports %d bytes, the original %d", len(got), len(want))
	}
	entries, _ := os.ReadDir(disk)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(disk, e.Name()))
	}
	if res = restore(faultinject.Options{At: len(res.Calls) / 2, Fault: faultinject.Kill}); !res.Killed() {
		t.Fatalf("the restore was not killed: %+v", res)
	}
	if _, err := badger.Open(disk, badger.Options{}); !errors.Is(err, badger.ErrUnfinishedRestore) {
		t.Errorf("open of a killed restore: %v", err)
	}
	if _, _, err := run(t, "", nil, "serve", "--addr", "127.0.0.1:0", "--data", disk); !errors.Is(err, badger.ErrUnfinishedRestore) {
		t.Errorf("serve of a killed restore: %v", err)
	}
	if res = restore(faultinject.Options{}); res.ExitCode != 0 {
		t.Fatalf("a restore after the killed one: exit %d", res.ExitCode)
	}
	if got, _, _ := run(t, "", nil, "export", "--data", disk); got != want {
		t.Errorf("restored again, the store exports %d bytes, the original %d", len(got), len(want))
	}
}
