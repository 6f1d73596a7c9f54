package badgerfmt

import (
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"
)

// The Badger in the build is the one this package was written against: a
// bump in go.mod fails here until BadgerVersion's checklist is done.
func TestBadgerVersion(t *testing.T) {
	got, from := buildBadgerVersion()
	if got == "" {
		out, err := exec.Command("go", "list", "-m", "-f", "{{with .Replace}}{{.Version}}{{else}}{{.Version}}{{end}}", badgerModule).Output()
		if err != nil {
			t.Fatalf("the build info names no %s, and go list -m failed: %v", badgerModule, err)
		}
		got, from = strings.TrimSpace(string(out)), "go list -m"
	}
	if got != BadgerVersion {
		t.Fatalf("the build has %s %s (from %s), and package badgerfmt was written against %s: "+
			"re-check what BadgerVersion's comment lists against the new version, then set BadgerVersion",
			badgerModule, got, from, BadgerVersion)
	}
}

// buildBadgerVersion is the version of Badger the test binary was built
// with, as its build info records it (a replacement's, if replaced); ""
// when it records none, as a binary of go test may not, and go.mod is
// asked instead.
func buildBadgerVersion() (version, from string) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", ""
	}
	for _, dep := range info.Deps {
		if dep.Path != badgerModule {
			continue
		}
		if dep.Replace != nil {
			return dep.Replace.Version, "the build info (replaced)"
		}
		return dep.Version, "the build info"
	}
	return "", ""
}
