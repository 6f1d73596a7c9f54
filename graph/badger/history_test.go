package badger_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// historyAt is what a test expects of the store as of one change.
type historyAt struct {
	at       time.Time
	people   int    // person/p-<i> that exist
	latvia   string // the name of country/latvia
	relation bool   // whether the relation of person/p-0 exists
}

// checkHistoryAt reads the store as of a change.
func checkHistoryAt(t *testing.T, st *badger.Store, name string, want historyAt) {
	t.Helper()
	ctx := context.Background()
	for i := range 30 {
		id := fmt.Sprintf("person/p-%d", i)
		_, err := st.EntityAsOf(ctx, id, want.at)
		if exists := err == nil; exists != (i < want.people) || (err != nil && !errors.Is(err, graph.ErrNotFound)) {
			t.Errorf("%s: %s as of %v: %v (want %d people)", name, id, want.at, err, want.people)
			break
		}
	}
	e, err := st.EntityAsOf(ctx, "country/latvia", want.at)
	if err != nil || e.Name != want.latvia {
		t.Errorf("%s: Latvia as of %v reads %+v, %v; want %q", name, want.at, e, err, want.latvia)
	}
	page, err := st.RelationsAsOf(ctx, graph.RelationFilter{Entity: "person/p-0", First: 10}, want.at)
	if err != nil || (len(page.Relations) == 1) != want.relation {
		t.Errorf("%s: person/p-0's relations as of %v: %v, %v; want one: %v", name, want.at, page, err, want.relation)
	}
}

// lastCommit is the latest change the store records.
func lastCommit(t *testing.T, st *badger.Store) *graph.Commit {
	t.Helper()
	page, err := st.Changes(context.Background(), time.Time{}, graph.MaxPageSize, "")
	if err != nil || len(page.Commits) == 0 {
		t.Fatalf("changes: %+v, %v", page, err)
	}
	return page.Commits[len(page.Commits)-1]
}

// History is right through every way of writing: a bulk build (one
// change, items by reference: no v: record), a journaled load, a rebuild
// (which keeps the history before it), and a backup restored (which
// keeps it all); the store is read as of each change after each step.
func TestHistoryThroughBuildLoadRebuildRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	opts := badger.Options{NoSync: true}
	build := fixture()
	build.Append(many(10))
	info := func(msg string) context.Context {
		return graph.WithChangeInfo(ctx, graph.ChangeInfo{Message: msg, Files: []graph.ChangeFile{{Name: msg + ".jsonl", SHA256: "ab"}}})
	}
	if _, err := badger.Build(info("build"), dir, build, badger.BuildOptions{Options: opts}); err != nil {
		t.Fatal(err)
	}
	st, err := badger.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if v := keysUnder(t, st, "v:"); len(v) != 0 {
		t.Errorf("a build recorded %d items one by one, not by reference", len(v))
	}
	steps := []historyAt{{people: 10, latvia: "Latvia", relation: true}}
	c := lastCommit(t, st)
	if c.Seq != 1 || c.Method != graph.ChangeBuilt || c.Message != "build" || c.Summary.RelationsAdded != len(build.Relations) {
		t.Errorf("the build's change: %+v", c)
	}
	steps[0].at = c.Time

	// a journaled load: 20 people (10 new), Latvia renamed
	load := many(20)
	load.Entities = append(load.Entities, graph.EntityChange{Where: "x", Entity: graph.Entity{ID: "country/latvia", Name: "Latvija"}})
	if _, err := st.Load(info("load"), load, badger.LoadOptions{MaxTxnKeys: 10, BatchKeys: 10}); err != nil {
		t.Fatal(err)
	}
	c = lastCommit(t, st)
	if c.Seq != 2 || c.Method != graph.ChangeWritten || c.Message != "load" {
		t.Errorf("the load's change: %+v", c)
	}
	steps = append(steps, historyAt{at: c.Time, people: 20, latvia: "Latvija", relation: true})
	for i, s := range steps {
		checkHistoryAt(t, st, fmt.Sprintf("after the load, step %d", i), s)
	}
	st.Close()

	// a rebuild: 30 people, Latvia renamed back, person/p-0's relation retracted
	rebuild := many(30)
	rebuild.Relations = rebuild.Relations[1:]
	rebuild.Retractions = []graph.Retraction{{Where: "r", Relation: graph.Relation{Subject: "person/p-0", Predicate: "fled-to", Object: "country/latvia"}}}
	rebuild.Entities = append(rebuild.Entities, graph.EntityChange{Where: "x", Entity: graph.Entity{ID: "country/latvia", Name: "Latvia"}})
	old := stat(t, dir)
	if _, err := badger.Rebuild(info("rebuild"), dir, rebuild, badger.RebuildOptions{Options: opts}); err != nil {
		t.Fatal(err)
	}
	if os.SameFile(old, stat(t, dir)) {
		t.Fatal("the store was not rebuilt")
	}
	if st, err = badger.Open(dir, opts); err != nil {
		t.Fatal(err)
	}
	c = lastCommit(t, st)
	if c.Seq != 3 || c.Method != graph.ChangeRebuilt || c.Message != "rebuild" {
		t.Errorf("the rebuild's change: %+v", c)
	}
	steps = append(steps, historyAt{at: c.Time, people: 30, latvia: "Latvia", relation: false})
	for i, s := range steps {
		checkHistoryAt(t, st, fmt.Sprintf("after the rebuild, step %d", i), s)
	}
	h, err := st.History(ctx, "country/latvia", 10, "")
	if err != nil || len(h.Changes) != 3 || h.Changes[2].EntityBefore.Name != "Latvija" || h.Changes[2].Commit.Seq != 3 {
		t.Errorf("Latvia's history: %+v, %v", h, err)
	}

	// a backup restored holds the history whole
	var b bytes.Buffer
	if err := st.Backup(&b); err != nil {
		t.Fatal(err)
	}
	want, _ := st.Changes(ctx, time.Time{}, 10, "")
	st.Close()
	restored := filepath.Join(t.TempDir(), "restored")
	if err := badger.Restore(restored, &b, opts); err != nil {
		t.Fatal(err)
	}
	if st, err = badger.Open(restored, opts); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got, _ := st.Changes(ctx, time.Time{}, 10, ""); !reflect.DeepEqual(got, want) {
		t.Errorf("the restored store's changes: %+v, want %+v", got, want)
	}
	for i, s := range steps {
		checkHistoryAt(t, st, fmt.Sprintf("restored, step %d", i), s)
	}
	// and goes on: the next change follows the last one restored
	if _, err := st.Apply(info("after"), &graph.Changeset{Entities: []graph.EntityChange{{Where: "y", Entity: graph.Entity{ID: "country/latvia", Name: "Latvia!"}}}}, false); err != nil {
		t.Fatal(err)
	}
	if c := lastCommit(t, st); c.Seq != 4 || !c.Time.After(steps[2].at) {
		t.Errorf("the change after the restore: %+v", c)
	}
	checkHistoryAt(t, st, "restored, then written", steps[2])
}

// A store that holds facts but no history (written before history began)
// records a baseline with its first write: what it held is there since
// the baseline, and before it nothing reads.
func TestHistoryBaselineOfAnOlderStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := loaded(t)
	// as an older release left it: no history keys
	if err := badger.DBOf(st).DropPrefix([]byte("H:"), []byte("T:"), []byte("v:"), []byte("W:")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.EntityAsOf(ctx, "country/latvia", time.Unix(0, 1)); err != nil {
		t.Errorf("without history, a read as of any time reads the store as it is: %v", err)
	}
	if _, err := st.Apply(ctx, many(1), false); err != nil {
		t.Fatal(err)
	}
	page, err := st.Changes(ctx, time.Time{}, 10, "")
	if err != nil || len(page.Commits) != 2 || page.Commits[0].Method != graph.ChangeBaseline || page.Commits[1].Summary.EntitiesAdded != 1 {
		t.Fatalf("changes: %+v, %v", page, err)
	}
	base := page.Commits[0].Time
	if _, err := st.EntityAsOf(ctx, "country/latvia", base); err != nil {
		t.Errorf("Latvia as of the baseline: %v", err)
	}
	if _, err := st.EntityAsOf(ctx, "person/p-0", base); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("a person added after the baseline reads as of it: %v", err)
	}
	if _, err := st.EntityAsOf(ctx, "country/latvia", base.Add(-time.Nanosecond)); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("before the baseline Latvia reads %v", err)
	}
}

// sameItemHistory fails unless the stores in two directories record the
// same changes of the same items (v:, W:) and changes of the same numbers
// and summaries (H:, whose times and methods differ).
func sameItemHistory(t *testing.T, dir, other string) {
	t.Helper()
	read := func(dir string) (map[string]string, []graph.Summary) {
		st, err := badger.Open(dir, badger.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		page, err := st.Changes(context.Background(), time.Time{}, graph.MaxPageSize, "")
		if err != nil {
			t.Fatal(err)
		}
		var sums []graph.Summary
		for _, c := range page.Commits {
			sums = append(sums, c.Summary)
		}
		return keysUnder(t, st, "v:", "W:"), sums
	}
	gotKeys, gotSums := read(dir)
	wantKeys, wantSums := read(other)
	if len(gotKeys) == 0 || !reflect.DeepEqual(gotKeys, wantKeys) {
		t.Errorf("the rebuilt store records %d item changes, through transactions %d, or others", len(gotKeys), len(wantKeys))
	}
	if !reflect.DeepEqual(gotSums, wantSums) {
		t.Errorf("the rebuilt store records changes %+v, through transactions %+v", gotSums, wantSums)
	}
}

// A cursor of another list, or cut short, is refused, not followed.
func TestRelationsAsOfRefusesForeignCursors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := loaded(t)
	now := time.Now()
	for _, cursor := range []string{"Vzph", "VzpsYXR2aWEA", "VzpwZXJzb24vY2h1bHBhbi1raGFtYXRvdmEAeA", "bzp4", "!!", "", "SDo"} {
		_, err := st.RelationsAsOf(ctx, graph.RelationFilter{Entity: "person/chulpan-khamatova", First: 5, After: cursor}, now)
		if cursor == "" {
			if err != nil {
				t.Errorf("no cursor: %v", err)
			}
			continue
		}
		if graph.ErrorCode(err) != graph.EINVALID {
			t.Errorf("cursor %q: %v, want EINVALID", cursor, err)
		}
	}
	if _, err := st.History(ctx, "country/latvia", 5, "x"); graph.ErrorCode(err) != graph.EINVALID {
		t.Errorf("history after x: %v", err)
	}
	if _, err := st.Changes(ctx, time.Time{}, 5, "-1"); graph.ErrorCode(err) != graph.EINVALID {
		t.Errorf("changes after -1: %v", err)
	}
}

// The history's reads are charged to the request's work budget: past it,
// they stop with ELIMIT.
func TestHistoryReadsAreCharged(t *testing.T) {
	t.Parallel()
	st := loaded(t)
	for i := range 5 {
		if _, err := st.Apply(context.Background(), &graph.Changeset{Entities: []graph.EntityChange{{Where: "x", Entity: graph.Entity{ID: "country/latvia", Name: fmt.Sprintf("Latvia %d", i)}}}}, false); err != nil {
			t.Fatal(err)
		}
	}
	small := func(records int) context.Context {
		return graph.WithBudget(context.Background(), graph.NewBudget(records))
	}
	if _, err := st.History(small(3), "country/latvia", 10, ""); graph.ErrorCode(err) != graph.ELIMIT {
		t.Errorf("history past the budget: %v", err)
	}
	if _, err := st.Changes(small(3), time.Time{}, 10, ""); graph.ErrorCode(err) != graph.ELIMIT {
		t.Errorf("changes past the budget: %v", err)
	}
	if _, err := st.RelationsAsOf(small(1), graph.RelationFilter{Entity: "country/latvia", First: 10}, time.Now()); graph.ErrorCode(err) != graph.ELIMIT {
		t.Errorf("relations as of past the budget: %v", err)
	}
	if _, err := st.History(context.Background(), "country/latvia", 10, ""); err != nil {
		t.Errorf("history within no budget: %v", err)
	}
}
