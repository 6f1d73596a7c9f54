package main

import (
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// loadedStore is a directory that `emigraph load` filled with a generated
// graph (its keys in tables, as a store at rest has them).
func loadedStore(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "gen.jsonl")
	if _, errs, err := run(t, "", nil, "gen", "--entities", "300", "--relations", "3000", "--out", file); err != nil {
		t.Fatalf("gen: %v %s", err, errs)
	}
	dir := filepath.Join(t.TempDir(), "data")
	if _, errs, err := run(t, "", nil, "load", file, "--data", dir); err != nil {
		t.Fatalf("load: %v %s", err, errs)
	}
	return dir
}

// flipInLargestTable flips a bit in the first block of the largest table of
// dir and returns the table's name.
func flipInLargestTable(t *testing.T, dir string) string {
	t.Helper()
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(tables) == 0 {
		t.Fatal("no table: the test tests nothing")
	}
	size := func(name string) int64 { fi, _ := os.Stat(name); return fi.Size() }
	sort.Slice(tables, func(i, j int) bool { return size(tables[i]) > size(tables[j]) })
	f, err := os.OpenFile(tables[0], os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [1]byte
	f.ReadAt(b[:], 100)
	b[0] ^= 0x10
	if _, err := f.WriteAt(b[:], 100); err != nil {
		t.Fatal(err)
	}
	return filepath.Base(tables[0])
}

// A bit flipped in a table of a store at rest: verify names the table and
// fails; export, backup and serve refuse the store naming the table (the
// backup leaves no file); a whole store verifies clean.
func TestCorruptTableIsRefused(t *testing.T) {
	t.Parallel()
	dir := loadedStore(t)
	out, _, err := run(t, "", nil, "verify", "--data", dir)
	if err != nil || !strings.Contains(out, "no problems") {
		t.Fatalf("verify of a whole store: %v\n%s", err, out)
	}
	table := flipInLargestTable(t, dir)
	out, _, err = run(t, "", nil, "verify", "--data", dir)
	if err == nil || exitCode(err) != 1 || !strings.Contains(out, table+" is corrupt") {
		t.Errorf("verify of a flipped store: %v\n%s", err, out)
	}
	backup := filepath.Join(t.TempDir(), "backup.bin")
	for _, args := range [][]string{
		{"export", "--data", dir},
		{"backup", "--data", dir, "--out", backup},
		{"serve", "--addr", "127.0.0.1:0", "--data", dir},
	} {
		if _, _, err := run(t, "", nil, args...); err == nil || !strings.Contains(err.Error(), table+" is corrupt") {
			t.Errorf("%s of a flipped store: %v", args[0], err)
		}
	}
	if _, err := os.Stat(backup); !os.IsNotExist(err) {
		t.Errorf("the refused backup left %s: %v", backup, err)
	}
}

// A bit flipped in a table under a running server: its next check of the
// tables (--verify-every) logs the table, /readyz fails naming it, and
// requests are refused with it, not answered from the store.
func TestServerFindsACorruptTable(t *testing.T) {
	t.Parallel()
	dir := loadedStore(t)
	base, stop := serve(t, dir, "--verify-every", "100ms")
	defer stop()
	ready := func() (int, string) {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b := make([]byte, 4096)
		n, _ := resp.Body.Read(b)
		return resp.StatusCode, string(b[:n])
	}
	if code, body := ready(); code != http.StatusOK {
		t.Fatalf("/readyz before the flip: %d %s", code, body)
	}
	table := flipInLargestTable(t, dir)
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := ready()
		if code == http.StatusServiceUnavailable && strings.Contains(body, table+" is corrupt") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz 30 s after the flip: %d %s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	res := mustJSON(query(t, base, `{ entity(id: "person/gen-1") { id name } }`))
	if !strings.Contains(res, table+" is corrupt") || strings.Contains(res, `"name"`) {
		t.Errorf("a query after the flip was found: %s", res)
	}
}
