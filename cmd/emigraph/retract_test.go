package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// retract --source takes back what only the source supports and keeps a
// relation another source supports with that source alone; --dry-run
// prints the diff and writes nothing.
func TestRetractSource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	facts := filepath.Join(dir, "blog.yaml")
	os.WriteFile(facts, []byte(`sources:
  - id: source/doubtful-blog
    title: A doubtful blog
    url: https://example.org/blog
    kind: other
  - id: source/sound-paper
    title: A sound paper
    kind: news
relations:
  - subject: person/chulpan-khamatova
    predicate: fled-to
    object: country/latvia
    sources:
      - source: source/doubtful-blog
        quote: Khamatova went to Latvia, the blog says.
      - source: source/sound-paper
        quote: Khamatova left for Latvia.
  - subject: person/chulpan-khamatova
    predicate: fled-to
    object: country/georgia
    source: source/doubtful-blog
    quote: Khamatova went to Georgia, the blog says.
`), 0o644)
	if _, stderr, err := run(t, "", nil, "load", facts, "--data", data, "--sync=false"); err != nil {
		t.Fatalf("load: %v\n%s", err, stderr)
	}
	out, stderr, err := run(t, "", nil, "retract", "--source", "source/doubtful-blog", "--dry-run", "--data", data, "--sync=false")
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, stderr)
	}
	for _, want := range []string{"- relation", "~ relation", "- source source/doubtful-blog", "dry run"} {
		if !strings.Contains(out, want) {
			t.Errorf("the dry run's diff lacks %q:\n%s", want, out)
		}
	}
	out, stderr, err = run(t, "", nil, "retract", "--source", "source/doubtful-blog", "--dry-run", "--data", data, "--sync=false")
	if err != nil || !strings.Contains(out, "- source source/doubtful-blog") {
		t.Fatalf("a second dry run finds the source gone: the first wrote: %v\n%s%s", err, out, stderr)
	}
	out, stderr, err = run(t, "", nil, "retract", "--source", "source/doubtful-blog", "--data", data, "--sync=false")
	if err != nil || !strings.Contains(out, "1 retracted") {
		t.Fatalf("retract: %v\n%s%s", err, out, stderr)
	}
	if _, stderr, err = run(t, "", nil, "retract", "--source", "source/doubtful-blog", "--data", data, "--sync=false"); err == nil || !strings.Contains(stderr+err.Error(), "unknown source") {
		t.Errorf("retracting it again: %v\n%s", err, stderr)
	}
}
