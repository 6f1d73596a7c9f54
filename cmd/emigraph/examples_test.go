package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every sample file in seed/examples (which the README loads) loads on its
// own into a new store, adding what it states, and all of them together
// load once: a second load changes nothing.
func TestSeedExamplesLoad(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../seed/examples/*")
	if err != nil || len(files) < 3 {
		t.Fatalf("seed/examples holds %v (%v), want a file of each of the three formats the README loads", files, err)
	}
	added := regexp.MustCompile(`entities: [1-9]\d* added.*relations: [1-9]\d* added`)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			out, errs, err := run(t, "", nil, "load", f, "--data", filepath.Join(t.TempDir(), "data"), "--sync=false")
			if err != nil || !added.MatchString(out) {
				t.Errorf("load %s: %v\n%s%s", f, err, out, errs)
			}
		})
	}
	t.Run("all", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data")
		args := append(append([]string{"load"}, files...), "--data", dir, "--sync=false")
		if out, errs, err := run(t, "", nil, args...); err != nil || !added.MatchString(out) {
			t.Fatalf("load of every example: %v\n%s%s", err, out, errs)
		}
		out, errs, err := run(t, "", nil, args...)
		if err != nil || !strings.Contains(out, "entities: 0 added, 0 updated") || !strings.Contains(out, "relations: 0 added, 0 updated") {
			t.Errorf("a second load of the examples: %v\n%s%s", err, out, errs)
		}
	})
}
