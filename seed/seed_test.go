package seed_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/seed"
)

// articlePath finds ../shared/article/russian-emigration-2022.txt beside
// the repository (or any parent), where CI and developer machines have it.
func articlePath(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "article", "russian-emigration-2022.txt")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// squash normalises whitespace so that quotes match across line breaks.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

var only = flag.String("only", "", "check only this seed file (with predicates.yaml and facts/00-common.yaml), e.g. facts/10-first-wave.yaml")

// seedFiles is every seed file, or the subset that -only names.
func seedFiles() []string {
	if *only == "" {
		return seed.Files()
	}
	return []string{"predicates.yaml", "facts/00-common.yaml", *only}
}

func loadSeed(t *testing.T) (*badger.Store, *graph.Changeset) {
	t.Helper()
	cs, err := seed.Load(seedFiles()...)
	if err != nil {
		t.Fatalf("parsing the seed:\n%v", err)
	}
	st, err := badger.Open(t.TempDir(), badger.Options{NoSync: true, MemTableSize: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sum, err := st.Apply(context.Background(), cs, false)
	if err != nil {
		t.Fatalf("loading the seed into a fresh store:\n%v", err)
	}
	if sum.RelationsAdded == 0 || sum.EntitiesAdded == 0 {
		t.Fatalf("the seed added nothing: %v", sum)
	}
	return st, cs
}

func TestSeedLoadsIntoFreshStore(t *testing.T) {
	st, cs := loadSeed(t)
	ctx := context.Background()
	// every entity is the end of at least one relation
	for _, ec := range cs.Entities {
		if *only != "" && !strings.Contains(ec.Where, *only) {
			continue
		}
		n, err := st.CountRelations(ctx, graph.RelationFilter{Entity: ec.Entity.ID})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("%s: entity %s is the end of no relation", ec.Where, ec.Entity.ID)
		}
	}
	// loading the seed again changes nothing
	sum, err := st.Apply(ctx, cs, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Changed() {
		t.Errorf("second load of the seed changed something: %v", sum)
	}
}

func TestSeedQuotesAreVerbatim(t *testing.T) {
	path := articlePath(t)
	if path == "" {
		t.Skip("SKIPPED: the article shared/article/russian-emigration-2022.txt is not beside the repository, so quotes cannot be checked against it")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	article := squash(string(raw))
	cs, err := seed.Load(seedFiles()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range cs.Relations {
		ok := false
		for _, s := range rc.Relation.Sources {
			if strings.Contains(article, squash(s.Quote)) {
				ok = true
			} else {
				t.Errorf("%s: quote is not verbatim in the article: %q", rc.Where, s.Quote)
			}
			if s.Section == "" || s.Title == "" || s.URL == "" {
				t.Errorf("%s: source lacks section, title or url", rc.Where)
			}
		}
		if !ok {
			t.Errorf("%s: relation %s %s %s has no verbatim quote", rc.Where, rc.Relation.Subject, rc.Relation.Predicate, rc.Relation.Object)
		}
	}
}

// Every embedded seed file and every native test fixture ends with a
// newline, as the native format asks.
func TestNativeFilesEndWithNewline(t *testing.T) {
	files, _ := filepath.Glob("facts/*.yaml")
	files = append(files, "predicates.yaml")
	more, _ := filepath.Glob("testdata/*.y*ml")
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(data, []byte("\n")) {
			t.Errorf("%s does not end with a newline", f)
		}
	}
	if len(files) < 2 {
		t.Errorf("found only %v", files)
	}
}
