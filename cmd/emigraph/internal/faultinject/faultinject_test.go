package faultinject_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"

	"github.com/emigraph/emigraph/cmd/emigraph/internal/faultinject"
)

// TestMain runs the child of the tests when asked: it writes a file in
// the directory $FAULTINJECT_DIR three times from three goroutines (and
// once to standard error, which is not counted), syncs it, and renames it.
func TestMain(m *testing.M) {
	if dir := os.Getenv("FAULTINJECT_DIR"); dir != "" {
		os.Exit(child(dir))
	}
	os.Exit(m.Run())
}

func child(dir string) int {
	f, err := os.Create(filepath.Join(dir, "a"))
	if err != nil {
		return 10
	}
	fmt.Fprintln(os.Stderr, "a line on stderr")
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		wg.Go(func() { _, errs[i] = f.WriteAt([]byte{'x'}, int64(i)) })
	}
	wg.Wait()
	for _, err := range errs {
		if errors.Is(err, syscall.EIO) {
			return 3
		}
	}
	if err := f.Sync(); errors.Is(err, syscall.EIO) {
		return 4
	}
	f.Close()
	if err := os.Rename(filepath.Join(dir, "a"), filepath.Join(dir, "b")); errors.Is(err, syscall.EIO) {
		return 5
	}
	return 0
}

func run(t *testing.T, o faultinject.Options) (faultinject.Result, string) {
	t.Helper()
	dir := t.TempDir()
	o.Dir = dir
	o.Env = append(os.Environ(), "FAULTINJECT_DIR="+dir)
	p, err := faultinject.Start([]string{os.Args[0]}, o)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return res, dir
}

func kinds(calls []faultinject.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Kind.String())
	}
	return out
}

// The calls on files of the directory are counted across threads, and
// nothing else is; a failure is returned by the call faulted, and a kill
// stops the process before the call runs.
func TestCountFailKill(t *testing.T) {
	faultinject.Require(t)
	t.Parallel()
	res, dir := run(t, faultinject.Options{})
	want := []string{"write", "write", "write", "sync", "rename"}
	if got := kinds(res.Calls); !slices.Equal(got, want) || res.ExitCode != 0 {
		t.Fatalf("counted %v (exit %d), want %v", res.Calls, res.ExitCode, want)
	}
	if res.Calls[4].Path != filepath.Join(dir, "b") {
		t.Errorf("the rename is counted at %q", res.Calls[4].Path)
	}

	for at, exit := range map[int]int{2: 3, 4: 4, 5: 5} {
		res, _ := run(t, faultinject.Options{At: at, Fault: faultinject.Fail})
		if res.ExitCode != exit || res.Faulted == nil || len(res.Calls) != at {
			t.Errorf("EIO at call %d: exit %d (want %d), faulted %v, calls %v", at, res.ExitCode, exit, res.Faulted, res.Calls)
		}
	}

	res, dir = run(t, faultinject.Options{At: 4, Fault: faultinject.Kill})
	if !res.Killed() || res.Faulted.Kind != faultinject.Sync {
		t.Fatalf("kill at the sync: %+v", res)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "a")); err != nil || string(b) != "xxx" {
		t.Errorf("killed at the sync, the file holds %q (%v), want the three writes", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "b")); !os.IsNotExist(err) {
		t.Errorf("killed before the rename, the file was renamed: %v", err)
	}
}
