package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// smallDisk mounts a 64 MiB tmpfs for the test, or skips saying why.
func smallDisk(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the disk-full test mounts a 64 MiB tmpfs, which needs root: run it as root (see README, Running it in public)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", dir).CombinedOutput(); err != nil {
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
	description := strings.Repeat("a long description that fills the disk ", 200) // 8 KB
	var acked []string
	var refusal string
	for i := 0; i < 5000 && refusal == ""; i++ {
		id := fmt.Sprintf("person/full-%d", i)
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
