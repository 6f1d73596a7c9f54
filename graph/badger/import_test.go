package badger_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// splitSource is an ImportSource over a changeset: whole, and in the two
// passes of a streamed build (its relations in pieces of two).
func splitSource(c *graph.Changeset, streamable bool) graph.ImportSource {
	src := graph.ImportSource{Parse: func() (*graph.Changeset, error) { return c, nil }}
	if streamable {
		src.Head = func() (*graph.Changeset, int, error) {
			return &graph.Changeset{Predicates: c.Predicates, Entities: c.Entities, Retractions: c.Retractions}, len(c.Relations), nil
		}
		src.Relations = func(piece func([]graph.RelationChange) error) error {
			for i := 0; i < len(c.Relations); i += 2 {
				if err := piece(c.Relations[i:min(i+2, len(c.Relations))]); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return src
}

// Import builds a new directory (streamed when the source can stream, whole
// when the facts need it), loads into an existing store in transactions,
// and plans a dry run against the store Opened gives; every new store
// records NewMeta, and a changed one ChangedMeta where it has none.
func TestImportChoosesTheMethod(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	meta := graph.ImportOptions{NewMeta: map[string]string{"seeded": "new"}, ChangedMeta: map[string]string{"seeded": "changed", "other": "set"}}
	withRetraction := fixture()
	withRetraction.Retractions = []graph.Retraction{{Where: "x", Relation: graph.Relation{ID: "rel/none"}}}
	for _, tc := range []struct {
		name       string
		c          *graph.Changeset
		streamable bool
		want       graph.ImportMethod
	}{
		{"whole", fixture(), false, graph.ImportBuilt},
		{"streamed", fixture(), true, graph.ImportStreamed},
		{"retractions need a whole build", withRetraction, true, graph.ImportBuilt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "data")
			d := &badger.Directory{Path: dir, Options: badger.Options{NoSync: true, MemTableSize: testMemTable}}
			opened := 0
			o := meta
			o.Opened = func(ctx context.Context, st graph.Admin) (graph.Store, error) { opened++; return st, nil }
			res, err := d.Import(ctx, splitSource(tc.c, tc.streamable), o)
			if err != nil {
				t.Fatal(err)
			}
			if res.Method != tc.want || res.Summary.RelationsAdded != 4 || opened != 1 {
				t.Errorf("Import = %s, %v, opened %d times; want %s, 4 relations added, opened once", res.Method, res.Summary, opened, tc.want)
			}
			st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if v, _ := st.Meta("seeded"); v != "new" {
				t.Errorf("a built store records seeded=%q, want new", v)
			}
			if v, _ := st.Meta("other"); v != "set" {
				t.Errorf("a built store records other=%q, want set (ChangedMeta where none is)", v)
			}
			if n, _ := st.CountRelations(ctx, graph.RelationFilter{}); n != 4 {
				t.Errorf("the built store holds %d relations, want 4", n)
			}
		})
	}
	t.Run("into an existing store", func(t *testing.T) {
		t.Parallel()
		st, dir := openStore(t)
		if _, err := st.Apply(ctx, &graph.Changeset{Predicates: fixture().Predicates}, false); err != nil {
			t.Fatal(err)
		}
		st.Close()
		d := &badger.Directory{Path: dir, Options: badger.Options{NoSync: true, MemTableSize: testMemTable}}
		dry := meta
		dry.DryRun = true
		res, err := d.Import(ctx, splitSource(fixture(), true), dry)
		if err != nil || res.Method != graph.ImportDryRun || !res.Summary.DryRun || res.Plan == nil || len(res.Plan.Changes()) == 0 {
			t.Fatalf("dry run = %+v, %v; want a plan of changes", res, err)
		}
		res, err = d.Import(ctx, splitSource(fixture(), true), meta)
		if err != nil || res.Method != graph.ImportJournaled || res.Summary.RelationsAdded != 4 || res.Plan == nil {
			t.Fatalf("load = %+v, %v; want 4 relations added in transactions", res, err)
		}
		st, err = badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if v, _ := st.Meta("seeded"); v != "changed" {
			t.Errorf("a changed store records seeded=%q, want changed", v)
		}
	})
}

// A streamed build whose first pass has problems also parses the relations
// for theirs, and refuses both at once, with nothing written.
func TestImportStreamedRefusesEveryProblem(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	src := graph.ImportSource{
		Parse: func() (*graph.Changeset, error) { t.Fatal("parsed whole"); return nil, nil },
		Head: func() (*graph.Changeset, int, error) {
			return &graph.Changeset{}, 1, &graph.ValidationError{Items: []graph.ItemError{{Where: "a.jsonl:1", Problems: graph.Problems{{Field: "id", Message: "bad"}}}}}
		},
		Relations: func(piece func([]graph.RelationChange) error) error {
			if err := piece([]graph.RelationChange{{Where: "a.jsonl:2"}}); err != nil {
				return err
			}
			return &graph.ValidationError{Items: []graph.ItemError{{Where: "a.jsonl:2", Problems: graph.Problems{{Field: "subject", Message: "missing"}}}}}
		},
	}
	_, err := (&badger.Directory{Path: dir, Options: badger.Options{NoSync: true, MemTableSize: testMemTable}}).Import(context.Background(), src, graph.ImportOptions{})
	var ve *graph.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "a.jsonl:1: id: bad") || !strings.Contains(err.Error(), "a.jsonl:2: subject: missing") {
		t.Fatalf("Import = %v, want both files' problems", err)
	}
	if entries, _ := filepath.Glob(dir + "*"); len(entries) != 0 {
		t.Errorf("a refused import left %v", entries)
	}
}
