package badger_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// rebuildCase is a store's contents (the seed) and a load into it: the
// seedCase file (corrections of seed predicates and entities, a seed
// relation restated and two retracted, new people), with figures added and
// a seed figure retracted, so that the summaries of figures change both
// ways.
func rebuildCase(t *testing.T) (base, file *graph.Changeset) {
	t.Helper()
	base, file = seedCase(t)
	for _, rc := range base.Relations[3:] { // the first three the file restates or retracts
		if rc.Relation.Quantity != nil {
			file.Retractions = append(file.Retractions, graph.Retraction{Where: "file:xq", Relation: rc.Relation})
			break
		}
	}
	for i := range 50 {
		file.Relations = append(file.Relations, graph.RelationChange{Where: fmt.Sprintf("file:q%d", i), Relation: graph.Relation{
			Subject: fmt.Sprintf("person/file-%d", i), Predicate: "fled-to", Object: "country/georgia", Date: fmt.Sprintf("2024-%02d", 1+i%12),
			Quantity: &graph.Quantity{Amount: float64(1 + i), Unit: "people", Approximation: graph.Exact}, Sources: []graph.Source{{Quote: "q"}}}})
	}
	return base, file
}

// seeded makes a store in dir holding base, recorded as seeded, and closes it.
func seeded(t *testing.T, dir string, base *graph.Changeset) {
	t.Helper()
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Apply(context.Background(), base, false); err != nil {
		t.Fatal(err)
	}
	if err := st.SetMeta("seeded", "seed:test"); err != nil {
		t.Fatal(err)
	}
}

// contents is every key and value of the store in dir, the metadata (m:)
// apart; the store is opened (so a crash's leftovers are removed) and closed.
func contents(t *testing.T, dir string) (keys, meta map[string]string) {
	t.Helper()
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	meta = keysUnder(t, st, "m:")
	return dump(t, st), meta
}

func stat(t *testing.T, dir string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

// nothingBeside fails if anything is left beside dir (a side directory, a
// lock file).
func nothingBeside(t *testing.T, dir string) {
	t.Helper()
	if left, _ := filepath.Glob(filepath.Clean(dir) + ".*"); len(left) > 0 {
		t.Errorf("left beside the store: %v", left)
	}
}

// A rebuild writes what loading the same file through transactions writes,
// key for key, with the same metadata (m:layout, m:seeded), summary and
// plan. The one difference is bookkeeping: a counter that a load brings
// down to zero (c:pred:<p> of a predicate whose last relation is
// retracted, ...) is written as zero by transactions and not at all by a
// build, which counts from the relations; sameKeys takes one for the other.
func TestRebuildWritesWhatLoadWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	base, file := rebuildCase(t)
	txnDir := t.TempDir()
	seeded(t, txnDir, base)
	st, err := badger.Open(txnDir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	var wantPlan *graph.Plan
	want, err := st.Load(ctx, file, badger.LoadOptions{OnPlan: func(p *graph.Plan) { wantPlan = p }})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if want.RelationsRetracted != 3 || want.EntitiesUpdated != 1 || want.RelationsAdded != 250 {
		t.Fatalf("the file did not change the store as meant: %v", want)
	}

	base, file = rebuildCase(t)
	dir := filepath.Join(t.TempDir(), "data")
	seeded(t, dir, base)
	var plans []*graph.Plan
	old := stat(t, dir)
	got, err := badger.Rebuild(ctx, dir, file, badger.RebuildOptions{OnPlan: func(p *graph.Plan) { plans = append(plans, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(old, stat(t, dir)) {
		t.Error("the store was not rebuilt: the directory is the one it was")
	}
	if got != want {
		t.Errorf("summary %v, want %v", got, want)
	}
	if len(plans) != 1 || !slices.Equal(plans[0].Warnings, wantPlan.Warnings) {
		t.Errorf("OnPlan was called %d times (warnings %v, want %v)", len(plans), plans, wantPlan.Warnings)
	}
	gotKeys, gotMeta := contents(t, dir)
	wantKeys, wantMeta := contents(t, txnDir)
	sameKeys(t, gotKeys, wantKeys)
	sameItemHistory(t, dir, txnDir)
	if !reflect.DeepEqual(gotMeta, wantMeta) {
		t.Errorf("metadata %v, through transactions %v", gotMeta, wantMeta)
	}
	nothingBeside(t, dir)

	// loaded again, it changes nothing, and the store is left as it was
	_, file = rebuildCase(t)
	old = stat(t, dir)
	again, err := badger.Rebuild(ctx, dir, file, badger.RebuildOptions{})
	if err != nil || again.Changed() || !os.SameFile(old, stat(t, dir)) {
		t.Errorf("the same file again: %v, %v (the same directory: %v)", again, err, os.SameFile(old, stat(t, dir)))
	}
	if keys, _ := contents(t, dir); !reflect.DeepEqual(keys, gotKeys) {
		t.Error("loading the same file again changed the store")
	}
}

// Where a rebuild cannot be done (Badger refuses the tables; the store
// holds keys a build does not write), the file is loaded through
// transactions into the store as it is: the same keys as Load writes, and
// nothing of the store lost.
func TestRebuildFallsBackToTransactions(t *testing.T) {
	ctx := context.Background()
	base, file := rebuildCase(t)
	txnDir := t.TempDir()
	seeded(t, txnDir, base)
	st, err := badger.Open(txnDir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx, file, badger.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	want, _ := contents(t, txnDir)

	t.Run("tables refused", func(t *testing.T) {
		refused := 0
		badger.SetBuildFallback(t, func(string) error { refused++; return errors.New("refused for the test") })
		base, file := rebuildCase(t)
		dir := t.TempDir()
		seeded(t, dir, base)
		old := stat(t, dir)
		if _, err := badger.Rebuild(ctx, dir, file, badger.RebuildOptions{}); err != nil || refused != 1 {
			t.Fatalf("Rebuild: %v (refusals %d)", err, refused)
		}
		if !os.SameFile(old, stat(t, dir)) {
			t.Error("the directory was replaced")
		}
		got, _ := contents(t, dir)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%d keys, through transactions %d, or other values", len(got), len(want))
		}
		nothingBeside(t, dir)
	})
	t.Run("a family a build does not write", func(t *testing.T) {
		base, file := rebuildCase(t)
		dir := t.TempDir()
		seeded(t, dir, base)
		st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
		if err != nil {
			t.Fatal(err)
		}
		if err := badger.DBOf(st).Update(func(txn *bg.Txn) error { return txn.Set([]byte("z:kept"), []byte("v")) }); err != nil {
			t.Fatal(err)
		}
		st.Close()
		if _, err := badger.Rebuild(ctx, dir, file, badger.RebuildOptions{}); err != nil {
			t.Fatal(err)
		}
		got, _ := contents(t, dir)
		if got["z:kept"] != "v" {
			t.Error("the key a build does not write was lost")
		}
		delete(got, "z:kept")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%d keys, through transactions %d, or other values", len(got), len(want))
		}
	})
}

// A rebuild stopped at any of its steps, as a crash would stop it, leaves
// the store as it was or, once the directories are exchanged, the rebuilt
// store, whole; the next Open removes whatever it left beside. The rebuilt
// store is held from the exchange until the parent directory is synced: an
// Open meanwhile gets ErrLocked.
func TestRebuildCrashLeavesAWholeStore(t *testing.T) {
	ctx := context.Background()
	base, _ := rebuildCase(t)
	oldDir := t.TempDir()
	seeded(t, oldDir, base)
	before, beforeMeta := contents(t, oldDir)

	// the steps, and the rebuilt store, from a rebuild that runs through
	var steps []string
	newDir := filepath.Join(t.TempDir(), "data")
	seeded(t, newDir, base)
	badger.SetRebuildCrash(t, func(step string) error {
		steps = append(steps, step)
		if step == "exchanged" {
			if st, err := badger.Open(newDir, badger.Options{NoSync: true, MemTableSize: testMemTable}); !errors.Is(err, badger.ErrLocked) {
				if err == nil {
					st.Close()
				}
				t.Errorf("Open of the store between the exchange and the sync of its parent: %v, want ErrLocked", err)
			}
		}
		return nil
	})
	_, file := rebuildCase(t)
	if _, err := badger.Rebuild(ctx, newDir, file, badger.RebuildOptions{}); err != nil {
		t.Fatal(err)
	}
	after, afterMeta := contents(t, newDir)
	if len(steps) < 5 || !slices.Contains(steps, "exchanged") {
		t.Fatalf("steps %v", steps)
	}

	committed := false
	for _, at := range steps {
		committed = committed || at == "exchanged"
		t.Run(at, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			seeded(t, dir, base)
			badger.SetRebuildCrash(t, func(step string) error {
				if step == at {
					return errors.New("crash")
				}
				return nil
			})
			_, file := rebuildCase(t)
			if _, err := badger.Rebuild(ctx, dir, file, badger.RebuildOptions{}); err == nil {
				t.Fatal("the rebuild did not stop")
			}
			if left, _ := filepath.Glob(dir + ".bulk-*"); at != "opened" && len(left) == 0 {
				t.Errorf("the crash at %s left nothing beside the store: not the crash meant", at)
			}
			got, gotMeta := contents(t, dir)
			wantKeys, wantMeta := before, beforeMeta
			if committed {
				wantKeys, wantMeta = after, afterMeta
			}
			if !reflect.DeepEqual(got, wantKeys) || !reflect.DeepEqual(gotMeta, wantMeta) {
				t.Errorf("after a crash at %s the store holds %d keys (%v), want the %d of the store %s", at, len(got), gotMeta,
					len(wantKeys), map[bool]string{false: "before", true: "rebuilt"}[committed])
			}
			nothingBeside(t, dir)
		})
	}
}

// A rebuild that fails (a changeset refused by its checks, a cancelled
// context) or cannot start (the store is held) leaves the store as it was
// and nothing beside it; a refusal names every problem.
func TestFailedRebuildLeavesTheStore(t *testing.T) {
	t.Parallel()
	base, _ := rebuildCase(t)
	tests := []struct {
		name  string
		setup func(dir string, cs *graph.Changeset, o *badger.RebuildOptions) context.Context
		want  func(err error) bool
	}{
		{"refused, with every problem named", func(_ string, cs *graph.Changeset, _ *badger.RebuildOptions) context.Context {
			cs.Relations = append(cs.Relations, graph.RelationChange{Where: "bad.jsonl:7", Relation: graph.Relation{
				Subject: "person/file-1", Predicate: "no-such-predicate", Object: "country/georgia", Sources: quote("q")}})
			return context.Background()
		}, func(err error) bool {
			var ve *graph.ValidationError
			return errors.As(err, &ve) && strings.Contains(err.Error(), "bad.jsonl:7") && strings.Contains(err.Error(), "predicate")
		}},
		{"cancelled part-way", func(_ string, _ *graph.Changeset, o *badger.RebuildOptions) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			calls := 0
			o.Progress = func(int) {
				if calls++; calls == 2 {
					cancel()
				}
			}
			return ctx
		}, func(err error) bool { return errors.Is(err, context.Canceled) }},
		{"held by another store", func(dir string, _ *graph.Changeset, _ *badger.RebuildOptions) context.Context {
			st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return context.Background()
		}, func(err error) bool { return errors.Is(err, badger.ErrLocked) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			seeded(t, dir, base)
			before, beforeMeta := contents(t, dir)
			_, file := rebuildCase(t)
			var o badger.RebuildOptions
			ctx := tt.setup(dir, file, &o)
			if _, err := badger.Rebuild(ctx, dir, file, o); !tt.want(err) {
				t.Fatalf("Rebuild error = %v", err)
			}
			nothingBeside(t, dir)
			if tt.name == "held by another store" {
				return // still held: read by the test's cleanup
			}
			if got, gotMeta := contents(t, dir); !reflect.DeepEqual(got, before) || !reflect.DeepEqual(gotMeta, beforeMeta) {
				t.Errorf("a failed rebuild changed the store: %d keys, %d before", len(got), len(before))
			}
		})
	}
}

// A data directory given as a symbolic link stays one: the directory it
// names is rebuilt, beside itself.
func TestRebuildThroughASymlink(t *testing.T) {
	t.Parallel()
	base, file := rebuildCase(t)
	real := filepath.Join(t.TempDir(), "real")
	seeded(t, real, base)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if _, err := badger.Rebuild(context.Background(), link, file, badger.RebuildOptions{}); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(link); err != nil || target != real {
		t.Errorf("the link now %q, %v", target, err)
	}
	if keys, _ := contents(t, link); keys["e:person/file-0"] == "" {
		t.Error("the rebuilt store lacks the load")
	}
	nothingBeside(t, real)
}

// ShouldRebuild holds a load to a rebuild when it is large (at least 10,000
// items) and at least a quarter of what the store holds.
func TestShouldRebuild(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	// 20,000 entities and their relations (40,000 items), and the fixture
	held := many(20000)
	base := fixture()
	held.Predicates, held.Entities = base.Predicates, append(held.Entities, base.Entities...)
	if _, err := badger.Build(ctx, dir, held, badger.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	items := func(n int) *graph.Changeset {
		cs := &graph.Changeset{}
		for i := range n {
			id := fmt.Sprintf("person/q-%d", i)
			cs.Entities = append(cs.Entities, graph.EntityChange{Where: id, Entity: graph.Entity{ID: id, Name: id, Type: graph.Person}})
		}
		return cs
	}
	entities, _ := st.CountEntities(ctx, "")
	relations, _ := st.CountRelations(ctx, graph.RelationFilter{})
	quarter := (entities + relations + 3) / 4 // the fewest items rebuilt
	if quarter <= 10000 {
		t.Fatalf("the store holds %d items: too few for the test", entities+relations)
	}
	for n, want := range map[int]bool{9999: false, quarter - 1: false, quarter: true, 50000: true} {
		if got, err := st.ShouldRebuild(items(n)); err != nil || got != want {
			t.Errorf("ShouldRebuild of %d items into %d = %v, %v; want %v", n, entities+relations, got, err, want)
		}
	}
	// a small store: any large load
	small, _ := openStore(t)
	if _, err := small.Apply(ctx, fixture(), false); err != nil {
		t.Fatal(err)
	}
	if got, _ := small.ShouldRebuild(items(10000)); !got {
		t.Error("a load of 10,000 items into the fixture is not rebuilt")
	}
	if got, _ := small.ShouldRebuild(items(9999)); got {
		t.Error("a load of 9,999 items is rebuilt")
	}
}
