package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A JSON Lines load into a new directory streams its relations (at a
// budget far below its keys, so that they spill), and writes what the
// whole build writes: the same file with a retraction (of nothing) is built
// whole, and so is one that states a relation twice; the three stores
// export alike.
func TestStreamedLoadWritesWhatAWholeLoadWrites(t *testing.T) {
	t.Parallel()
	gen, errs, err := run(t, "", nil, "gen", "--entities", "300", "--relations", "3000", "--seed", "5")
	if err != nil {
		t.Fatalf("gen: %v\n%s", err, errs)
	}
	lines := strings.SplitAfter(gen, "\n")
	var relation string
	for _, l := range lines {
		if strings.HasPrefix(l, `{"kind":"relation",`) {
			relation = l
		}
	}
	if relation == "" {
		t.Fatal("gen wrote no relation")
	}
	files := map[string]string{
		"streamed":   gen,
		"retracting": gen + `{"kind":"retract","id":"rel/none"}` + "\n",
		"restating":  gen + relation,
	}
	exports := map[string]string{}
	for name, content := range files {
		file := filepath.Join(t.TempDir(), name+".jsonl")
		os.WriteFile(file, []byte(content), 0o644)
		dir := filepath.Join(t.TempDir(), "data")
		_, errs, err := run(t, "", nil, "load", file, "--data", dir, "--memory", "64KiB")
		if err != nil {
			t.Fatalf("%s: load: %v\n%s", name, err, errs)
		}
		streamed := strings.Contains(errs, "streaming them") && !strings.Contains(errs, "building the files whole")
		if streamed != (name == "streamed") {
			t.Errorf("%s: streamed %v\n%s", name, streamed, errs)
		}
		exports[name], errs, err = run(t, "", nil, "export", "--data", dir, "--format", "jsonl")
		if err != nil {
			t.Fatalf("%s: export: %v\n%s", name, err, errs)
		}
	}
	if exports["streamed"] != exports["retracting"] || exports["streamed"] != exports["restating"] {
		t.Errorf("the exports differ: %d, %d and %d bytes", len(exports["streamed"]), len(exports["retracting"]), len(exports["restating"]))
	}
	// a problem in a streamed relation names its file and line
	bad := strings.Replace(gen, `"predicate":"fled-to"`, `"predicate":"fled-too"`, 1)
	line := 1 + strings.Count(gen[:strings.Index(gen, `"predicate":"fled-to"`)], "\n")
	file := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(file, []byte(bad), 0o644)
	dir := filepath.Join(t.TempDir(), "data")
	_, errs, err = run(t, "", nil, "load", file, "--data", dir, "--memory", "64KiB")
	if err == nil || !strings.Contains(errs, "bad.jsonl:"+strconv.Itoa(line)+": predicate: unknown predicate \"fled-too\"") {
		t.Errorf("want the problem at bad.jsonl:%d: %v\n%s", line, err, errs)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a refused load left %s: %v", dir, err)
	}
}
