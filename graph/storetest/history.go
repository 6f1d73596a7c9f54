package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/emigraph/emigraph/graph"
)

// A step of testHistory: a write, and what it leaves.
type historyStep struct {
	name     string
	write    *graph.Changeset
	relation *graph.Relation // rel/khamatova-latvia after the write; nil when absent
	latvia   []string        // the relations of country/latvia after it, sorted
	at       time.Time       // when the write was recorded
}

// testHistory writes a graph step by step (adds, a correction of a
// relation's date and quote, an entity renamed, a retraction) and reads
// it as of every step, the relation's history and the changes since a
// step.
func testHistory(t *testing.T, newStore New) {
	ctx := context.Background()
	st := open(t, newStore)
	h, ok := st.(graph.Historian)
	if !ok {
		t.Skipf("%T keeps no history", st)
	}
	const rel = "rel/khamatova-latvia"
	first := &graph.Relation{ID: rel, Subject: "person/chulpan-khamatova", Predicate: "fled-to", Object: "country/latvia", Date: "2022-03", Sources: Quote("Khamatova stayed in exile in Latvia.")}
	corrected := *first
	corrected.Date = "2022-04"
	corrected.Sources = Quote("Khamatova left for Latvia in April.")
	steps := []*historyStep{
		{name: "fixture", write: Fixture()},
		{name: "add", write: &graph.Changeset{Relations: []graph.RelationChange{{Where: "a", Relation: *first}}}, relation: first},
		{name: "correct", write: &graph.Changeset{Relations: []graph.RelationChange{{Where: "c", Relation: corrected}}}, relation: &corrected},
		{name: "rename", write: &graph.Changeset{Entities: []graph.EntityChange{{Where: "n", Entity: graph.Entity{ID: "country/latvia", Name: "Republic of Latvia"}}}}, relation: &corrected},
		{name: "retract", write: &graph.Changeset{Retractions: []graph.Retraction{{Where: "r", Relation: graph.Relation{ID: rel}}}}},
	}
	for _, s := range steps {
		wctx := graph.WithChangeInfo(ctx, graph.ChangeInfo{Message: "step " + s.name, Token: "editor", Files: []graph.ChangeFile{{Name: s.name + ".jsonl", SHA256: "00ff"}}})
		if _, err := st.Apply(wctx, s.write, false); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		page, err := st.Relations(ctx, graph.RelationFilter{Entity: "country/latvia", First: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Relations {
			s.latvia = append(s.latvia, r.ID)
		}
		slices.Sort(s.latvia)
		commits, err := h.Changes(ctx, time.Time{}, 50, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(commits.Commits) == 0 {
			t.Fatalf("%s: no change recorded", s.name)
		}
		last := commits.Commits[len(commits.Commits)-1]
		if last.Message != "step "+s.name || last.Token != "editor" || len(last.Files) != 1 || last.Files[0].Name != s.name+".jsonl" || last.Time.Location() != time.UTC {
			t.Errorf("%s: the last change records %+v", s.name, last)
		}
		s.at = last.Time
	}
	if _, err := h.RelationAsOf(ctx, rel, steps[0].at.Add(-time.Nanosecond)); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("before the first change the relation reads %v", err)
	}
	if _, err := h.EntityAsOf(ctx, "country/latvia", steps[0].at.Add(-time.Nanosecond)); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("before the first change Latvia reads %v", err)
	}
	for i, s := range steps {
		checkAsOf(t, h, s, rel)
		if i > 0 {
			// just before a step, the graph reads as the step before left it
			prev := *steps[i-1]
			prev.at = s.at.Add(-time.Nanosecond)
			checkAsOf(t, h, &prev, rel)
		}
	}
	if e, err := h.EntityAsOf(ctx, "country/latvia", steps[2].at); err != nil || e.Name != "Latvia" {
		t.Errorf("Latvia before the rename reads %+v, %v", e, err)
	}
	if e, err := h.EntityAsOf(ctx, "country/latvia", steps[3].at); err != nil || e.Name != "Republic of Latvia" {
		t.Errorf("Latvia after the rename reads %+v, %v", e, err)
	}
	checkRelationHistory(t, h, rel, first, &corrected)
	since, err := h.Changes(ctx, steps[2].at, 2, "")
	if err != nil || len(since.Commits) != 2 || since.Commits[0].Message != "step correct" || !since.HasNextPage {
		t.Fatalf("changes since the correction: %+v, %v", since, err)
	}
	rest, err := h.Changes(ctx, steps[2].at, 2, since.Cursors[1])
	if err != nil || len(rest.Commits) != 1 || rest.Commits[0].Message != "step retract" || rest.HasNextPage {
		t.Errorf("the next page of changes: %+v, %v", rest, err)
	}
}

// checkAsOf reads the relation and Latvia's relations as of a step.
func checkAsOf(t *testing.T, h graph.Historian, s *historyStep, rel string) {
	t.Helper()
	ctx := context.Background()
	r, err := h.RelationAsOf(ctx, rel, s.at)
	switch {
	case s.relation == nil && !errors.Is(err, graph.ErrNotFound):
		t.Errorf("%s at %v: the relation reads %+v, %v; want none", s.name, s.at, r, err)
	case s.relation != nil && (err != nil || r.Date != s.relation.Date || r.Sources[0].Quote != s.relation.Sources[0].Quote):
		t.Errorf("%s at %v: the relation reads %+v, %v; want %+v", s.name, s.at, r, err, s.relation)
	}
	var got []string
	var after string
	for {
		// pages of one, to go through the cursors
		page, err := h.RelationsAsOf(ctx, graph.RelationFilter{Entity: "country/latvia", First: 1, After: after}, s.at)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Relations {
			got = append(got, r.ID)
		}
		if !page.HasNextPage {
			break
		}
		after = page.Cursors[len(page.Cursors)-1]
	}
	slices.Sort(got)
	if !slices.Equal(got, s.latvia) {
		t.Errorf("%s at %v: Latvia's relations read %v, want %v", s.name, s.at, got, s.latvia)
	}
	out, err := h.RelationsAsOf(ctx, graph.RelationFilter{Entity: "country/latvia", Direction: graph.Out, First: 10}, s.at)
	if err != nil || len(out.Relations) != 0 {
		t.Errorf("%s: Latvia's relations OUT read %v, %v", s.name, ids(out.Relations), err)
	}
}

// checkRelationHistory reads the relation's history: added, corrected,
// retracted, each with the change that did it.
func checkRelationHistory(t *testing.T, h graph.Historian, rel string, first, corrected *graph.Relation) {
	t.Helper()
	ctx := context.Background()
	var got []*graph.ItemChange
	after := ""
	for {
		page, err := h.History(ctx, rel, 2, after)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page.Changes...)
		if !page.HasNextPage {
			break
		}
		after = page.Cursors[len(page.Cursors)-1]
	}
	if len(got) != 3 {
		t.Fatalf("the history has %d changes, want 3: %+v", len(got), got)
	}
	want := []struct {
		kind          graph.ChangeKind
		step          string
		before, after *graph.Relation
	}{
		{graph.ChangeAdded, "add", nil, first},
		{graph.ChangeUpdated, "correct", first, corrected},
		{graph.ChangeRemoved, "retract", corrected, nil},
	}
	for i, w := range want {
		c := got[i]
		if c.Kind != w.kind || c.Item != graph.ItemRelation || c.Commit.Message != "step "+w.step || c.Commit.Files[0].SHA256 != "00ff" {
			t.Errorf("change %d = %s %s by %+v, want %s by step %s", i, c.Kind, c.Item, c.Commit, w.kind, w.step)
		}
		if (c.RelationBefore == nil) != (w.before == nil) || (c.RelationAfter == nil) != (w.after == nil) ||
			(w.before != nil && c.RelationBefore.Date != w.before.Date) || (w.after != nil && c.RelationAfter.Date != w.after.Date) {
			t.Errorf("change %d: before %+v after %+v, want %+v and %+v", i, c.RelationBefore, c.RelationAfter, w.before, w.after)
		}
	}
	// Latvia was there since the first change, and renamed once
	page, err := h.History(ctx, "country/latvia", 10, "")
	if err != nil || len(page.Changes) != 2 || page.Changes[0].Kind != graph.ChangeAdded || page.Changes[0].Commit.Seq != 1 ||
		page.Changes[1].EntityBefore.Name != "Latvia" || page.Changes[1].EntityAfter.Name != "Republic of Latvia" {
		t.Errorf("Latvia's history: %+v, %v", page, err)
	}
}
