package badger_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// Build makes a new store in a new or empty directory; it reads like any
// other, records its layout, takes ordinary writes, and leaves nothing
// beside it.
func TestBuild(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, dir := range map[string]string{"new directory": filepath.Join(t.TempDir(), "new"), "empty directory": t.TempDir()} {
		t.Run(name, func(t *testing.T) {
			_, cs := journalCase(t, true)
			var last int
			sum, err := badger.Build(ctx, dir, cs, badger.BuildOptions{Progress: func(done int) { last = done }})
			if err != nil {
				t.Fatal(err)
			}
			if sum.RelationsAdded != 500 || last != cs.Len() {
				t.Errorf("summary %v, progress ended at %d of %d", sum, last, cs.Len())
			}
			st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if n, _ := st.CountRelations(ctx, graph.RelationFilter{Entity: "country/latvia", Direction: graph.In}); n != 500 {
				t.Errorf("Latvia has %d incoming relations, want 500", n)
			}
			if n, _ := st.CountEntities(ctx, graph.Person); n != 503 {
				t.Errorf("%d people, want 503", n)
			}
			if hits, _ := st.Search(ctx, "Person 42", nil, 1); len(hits) == 0 || hits[0].Entity.ID != "person/p-42" {
				t.Errorf("search after a build: %v", hits)
			}
			if v, _ := st.Meta("layout"); v != strconv.Itoa(badger.LayoutVersion) {
				t.Errorf("m:layout = %q", v)
			}
			if _, err := st.Apply(ctx, fixture(), false); err != nil {
				t.Errorf("a write after a build: %v", err)
			}
			if n, _ := st.CountRelations(ctx, graph.RelationFilter{Entity: "country/latvia", Direction: graph.In}); n != 502 {
				t.Errorf("after a write Latvia has %d incoming relations, want 502", n)
			}
			if left, _ := filepath.Glob(filepath.Clean(dir) + ".*"); len(left) > 0 {
				t.Errorf("a build left %v beside the store", left)
			}
		})
	}
}

// When Badger refuses the tables, Build loads through transactions into
// the same place: the store holds the same keys.
func TestBuildFallsBackToTransactions(t *testing.T) {
	ctx := context.Background()
	_, cs := journalCase(t, true)
	tables := filepath.Join(t.TempDir(), "tables")
	if _, err := badger.Build(ctx, tables, cs, badger.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	refused := 0
	badger.SetBuildFallback(t, func(string) error { refused++; return errors.New("refused for the test") })
	_, cs = journalCase(t, true)
	txns := filepath.Join(t.TempDir(), "txns")
	sum, err := badger.Build(ctx, txns, cs, badger.BuildOptions{})
	if err != nil || refused != 1 || sum.RelationsAdded != 500 {
		t.Fatalf("Build after a refusal: %v, %v (refusals %d)", sum, err, refused)
	}
	open := func(dir string) map[string]string {
		st, err := badger.Open(dir, badger.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		return dump(t, st)
	}
	if got, want := open(txns), open(tables); !reflect.DeepEqual(got, want) {
		t.Errorf("through transactions %d keys, from tables %d, or other values", len(got), len(want))
	}
	if left, _ := filepath.Glob(txns + ".*"); len(left) > 0 {
		t.Errorf("left beside the store: %v", left)
	}
}

// A build that fails, cancelled part-way or refused by its checks (after
// it began building the entities), leaves the directory as it was and
// nothing beside it; one it cannot do is refused before it starts.
func TestFailedBuildLeavesNothing(t *testing.T) {
	t.Parallel()
	held := t.TempDir()
	os.WriteFile(filepath.Join(held, "notes.txt"), []byte("mine"), 0o644)
	tests := []struct {
		name  string
		dir   string
		setup func(cs *graph.Changeset, o *badger.BuildOptions) context.Context
		want  func(err error) bool
	}{
		{"cancelled part-way", "", func(_ *graph.Changeset, o *badger.BuildOptions) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			calls := 0
			o.Progress = func(int) {
				if calls++; calls == 2 {
					cancel()
				}
			}
			return ctx
		}, func(err error) bool { return errors.Is(err, context.Canceled) }},
		{"refused, with every problem named", "", func(cs *graph.Changeset, _ *badger.BuildOptions) context.Context {
			cs.Relations = append(cs.Relations, graph.RelationChange{Where: "bad.jsonl:7", Relation: graph.Relation{
				Subject: "person/p-1", Predicate: "no-such-predicate", Object: "country/latvia", Sources: quote("q")}})
			return context.Background()
		}, func(err error) bool {
			var ve *graph.ValidationError
			return errors.As(err, &ve) && strings.Contains(err.Error(), "bad.jsonl:7")
		}},
		{"a directory that holds something", held, func(*graph.Changeset, *badger.BuildOptions) context.Context {
			return context.Background()
		}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "is not empty") }},
		{"in memory", "", func(_ *graph.Changeset, o *badger.BuildOptions) context.Context {
			o.InMemory = true
			return context.Background()
		}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "cannot honour") }},
		{"a full disk", "", func(_ *graph.Changeset, o *badger.BuildOptions) context.Context {
			o.FreeSpace = func(string) (int64, error) { return 1 << 20, nil }
			return context.Background()
		}, func(err error) bool { return graph.ErrorCode(err) == graph.ENOSPACE }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir
			if dir == "" {
				dir = filepath.Join(t.TempDir(), "new")
			}
			_, cs := journalCase(t, true)
			var o badger.BuildOptions
			ctx := tt.setup(cs, &o)
			if _, err := badger.Build(ctx, dir, cs, o); !tt.want(err) {
				t.Fatalf("Build error = %v", err)
			}
			if tt.dir == "" {
				if _, err := os.Stat(dir); !os.IsNotExist(err) {
					t.Errorf("a failed build left the directory (%v)", err)
				}
			} else if b, _ := os.ReadFile(filepath.Join(held, "notes.txt")); string(b) != "mine" {
				t.Error("a refused build changed the directory")
			}
			if left, _ := filepath.Glob(filepath.Clean(dir) + ".*"); len(left) > 0 {
				t.Errorf("a failed build left %v beside the directory", left)
			}
		})
	}
}
