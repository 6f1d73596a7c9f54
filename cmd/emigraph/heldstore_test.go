package main

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// memtableLogs maps each memtable log of dir to its size and SHA-256.
func memtableLogs(t *testing.T, dir string) string {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	var logs []string
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, fmt.Sprintf("%s: %d bytes, sha256 %x", filepath.Base(name), len(b), sha256.Sum256(b)))
	}
	return strings.Join(logs, "; ")
}

// export and backup with --data on a directory a server holds, and a second
// serve on it with less free space than its reserve (a read-only open), are
// refused having read and changed nothing: the server's memtable log keeps
// its size and bytes, and the server goes on taking writes. export and
// backup point to --server.
func TestCommandsOnAHeldDirectoryChangeNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base, _, stop := serveWithToken(t, dir, "tok-123")
	defer stop()
	client := &http.Client{}
	if !writeEntity(client, base, "tok-123", "person/before-1") {
		t.Fatal("a write before was refused")
	}
	before := memtableLogs(t, dir)
	if before == "" {
		t.Fatal("no memtable log: the test tests nothing")
	}
	out := filepath.Join(t.TempDir(), "backup.bin")
	for _, args := range [][]string{
		{"export", "--data", dir},
		{"backup", "--data", dir, "--out", out},
		{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--reserve", "1000TiB"},
	} {
		_, _, err := run(t, "", nil, args...)
		if err == nil || !strings.Contains(err.Error(), "in use by another process") {
			t.Errorf("%s on a held directory: %v", args[0], err)
		} else if args[0] != "serve" && !strings.Contains(err.Error(), "emigraph "+args[0]+" --server") {
			t.Errorf("%s does not point to --server: %v", args[0], err)
		}
		if after := memtableLogs(t, dir); after != before {
			t.Fatalf("%s changed the server's memtable log: %s; before: %s", args[0], after, before)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the refused backup left %s: %v", out, err)
	}
	for i := range 5 {
		if !writeEntity(client, base, "tok-123", fmt.Sprintf("person/after-%d", i)) {
			t.Fatalf("write %d after the refused commands failed", i)
		}
	}
	res := mustJSON(query(t, base, `{ a: entity(id: "person/before-1") { id } b: entity(id: "person/after-4") { id } }`))
	if !strings.Contains(res, "person/before-1") || !strings.Contains(res, "person/after-4") {
		t.Errorf("the server lost writes: %s", res)
	}
}
