package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every way `emigraph load` writes records its message, the files with
// their SHA-256 and, through a server, the token's name (never the token):
// a build into a new directory, transactions into the store, and
// --server.
func TestLoadRecordsItsHistory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	files := t.TempDir()
	write := func(name, id string) (path, sum string) {
		body := []byte(`{"kind":"entity","id":"` + id + `","name":"Emigrant ` + id[len("person/"):] + `","type":"PERSON"}
{"kind":"relation","subject":"` + id + `","predicate":"fled-to","object":"country/georgia","date":"2025","sources":[{"quote":"a fact of ` + id + `"}]}
`)
		path = filepath.Join(files, name)
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(body)
		return path, hex.EncodeToString(h[:])
	}
	first, firstSum := write("first.jsonl", "person/first")
	second, secondSum := write("second.jsonl", "person/second")
	third, thirdSum := write("third.jsonl", "person/third")
	if _, errs, err := run(t, "", nil, "load", first, "--data", dir, "-m", "the first file"); err != nil {
		t.Fatalf("load: %v\n%s", err, errs)
	}
	if _, _, err := run(t, "", nil, "load", second, "--data", dir, "-m", strings.Repeat("x", 10_001)); err == nil || !strings.Contains(err.Error(), "--message: 10001 bytes") {
		t.Errorf("a message too long: %v", err)
	}
	if _, errs, err := run(t, "", nil, "load", second, "--data", dir, "--message", "the second file"); err != nil {
		t.Fatalf("load: %v\n%s", err, errs)
	}
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("secret-token-value\n"), 0o600)
	base, stop := serve(t, dir, "--token-file", tokenFile, "--token-name", "newsroom")
	defer stop()
	if _, errs, err := run(t, "", map[string]string{"EMIGRAPH_TOKEN": "secret-token-value"}, "load", third, "--server", base, "-m", "through the server"); err != nil {
		t.Fatalf("load --server: %v\n%s", err, errs)
	}
	got := mustJSON(query(t, base, `{ changes { nodes { seq method message token files { name sha256 } summary { relationsAdded } } } }`))
	for _, want := range []string{
		`{"files":[{"name":"` + first + `","sha256":"` + firstSum + `"}],"message":"the first file","method":"build","seq":1,"summary":{"relationsAdded":1},"token":null}`,
		`{"files":[{"name":"` + second + `","sha256":"` + secondSum + `"}],"message":"the second file","method":"write","seq":2,"summary":{"relationsAdded":1},"token":null}`,
		// a server is told the file's name, not where it was
		`{"files":[{"name":"third.jsonl","sha256":"` + thirdSum + `"}],"message":"through the server","method":"write","seq":3,"summary":{"relationsAdded":1},"token":"newsroom"}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the changes lack %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "secret-token-value") {
		t.Error("the history records the token itself")
	}
}

// historyTimeless is a key's value as the fault tests compare two stores:
// the history's changes without their time and method (a run and the run
// without a fault write at other times, and a rebuild that fails may load
// through transactions instead) and with the base names of their files
// (each run loads a copy of its own), and its index by time left out
// (keep false); every other key as it is.
func historyTimeless(k, v []byte) (_ []byte, keep bool) {
	switch {
	case bytes.HasPrefix(k, []byte("T:")):
		return nil, false
	case bytes.HasPrefix(k, []byte("H:")):
		var change map[string]any
		if json.Unmarshal(v, &change) != nil {
			return v, true
		}
		delete(change, "time")
		delete(change, "method")
		files, _ := change["files"].([]any)
		for _, f := range files {
			if f, ok := f.(map[string]any); ok {
				name, _ := f["name"].(string)
				f["name"] = filepath.Base(name) // each run loads its own copy
			}
		}
		b, _ := json.Marshal(change)
		return b, true
	}
	return v, true
}
