package badger

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Open removes what a killed build left beside its directory, but not the
// directory of a build still running, which holds it locked.
func TestOpenLeavesARunningBuildAlone(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no directory locks here")
	}
	dir := filepath.Join(t.TempDir(), "data")
	running, killed := dir+".bulk-running", dir+".bulk-killed"
	for _, d := range []string{running, killed} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	unlock, err := lockBuild(running)
	if err != nil {
		t.Fatal(err)
	}
	removeBulkLeftovers(dir)
	for _, f := range []string{running, running + ".lock"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("the running build's %s was removed: %v", f, err)
		}
	}
	if _, err := os.Stat(killed); !os.IsNotExist(err) {
		t.Errorf("the killed build's directory is still there: %v", err)
	}
	unlock()
	if _, err := os.Stat(running + ".lock"); !os.IsNotExist(err) {
		t.Errorf("unlock left the lock file: %v", err)
	}
	removeBulkLeftovers(dir)
	if _, err := os.Stat(running); !os.IsNotExist(err) {
		t.Errorf("once unlocked, the directory is still there: %v", err)
	}
}
