package main

import (
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/graph/badger"
)

// --cache sizes Badger's block cache; Badger cannot read its compressed
// tables without one, so less than 1MiB is a usage error, not a panic.
func TestCacheFlag(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"0", "512KiB", "lots"} {
		_, stderr, err := run(t, "", nil, "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--cache", v)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error()+stderr, "cache") {
			t.Errorf("--cache %s: %v %s, want a usage error about --cache", v, err, stderr)
		}
	}
	f := addStoreFlags(newFlags(&Main{}, "serve"))
	if got := f.options(zerolog.Nop()).CacheSize; got != badger.DefaultCacheSize {
		t.Errorf("the default cache is %d bytes", got)
	}
}
