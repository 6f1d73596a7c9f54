package badger_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// wantFigures sums up the random graph's figures that f keeps, per object,
// predicate and unit, one by one.
func (g *randomGraph) wantFigures(f graph.FigureFilter) (map[string]graph.FigureSummary, []string) {
	sums := map[string]graph.FigureSummary{}
	var ids []string
	for _, r := range g.relations {
		fig, ok := graph.FigureOf(&r)
		if !ok || !f.Keeps(fig) {
			continue
		}
		ids = append(ids, fig.Relation)
		k := fig.Object + "|" + fig.Predicate + "|" + fig.Unit
		s, ok := sums[k]
		if !ok {
			s = graph.FigureSummary{Object: fig.Object, Predicate: fig.Predicate, Unit: fig.Unit}
		}
		s.Add(fig)
		sums[k] = s
	}
	slices.Sort(ids)
	return sums, ids
}

// checkFigures compares the store's summaries of figures, and its listing
// of figures, with a count of the relations.
func checkFigures(t *testing.T, st *badger.Store, g *randomGraph, when string) {
	t.Helper()
	ctx := context.Background()
	summaryFilters := []graph.FigureFilter{{}, {Object: g.entities[0]}, {Object: g.entities[1], Predicates: g.preds[1:3]},
		{Unit: "people", HasUnit: true}, {Unit: "", HasUnit: true, Predicates: g.preds[:1]}, {Object: g.entities[7], Unit: "per\x00cent", HasUnit: true}}
	for _, f := range summaryFilters {
		var got []graph.FigureSummary
		err := st.FigureSummaries(ctx, f, func(s *graph.FigureSummary) error { got = append(got, *s); return nil })
		if err != nil {
			t.Fatalf("%s: summaries %+v: %v", when, f, err)
		}
		want, _ := g.wantFigures(f)
		if len(got) != len(want) {
			t.Errorf("%s: %+v: %d summaries, want %d", when, f, len(got), len(want))
		}
		for _, s := range got {
			if w := want[s.Object+"|"+s.Predicate+"|"+s.Unit]; s != w {
				t.Errorf("%s: %+v: summary\n%+v, want\n%+v", when, f, s, w)
			}
		}
	}
	dates, err := graph.NewDateRange("2023-02", "2024")
	if err != nil {
		t.Fatal(err)
	}
	listFilters := append(summaryFilters, graph.FigureFilter{Dates: dates}, graph.FigureFilter{Subject: g.entities[0]},
		graph.FigureFilter{Subject: g.entities[2], Predicates: g.preds[:2], Dates: dates},
		graph.FigureFilter{Object: g.entities[0], Subject: g.entities[1]},
		graph.FigureFilter{Object: g.entities[0], Predicates: []string{g.preds[3], g.preds[0]}, Dates: dates})
	for _, f := range listFilters {
		var got []string
		err := st.Figures(ctx, f, 1_000_000, func(fig graph.Figure) error {
			if r := g.relations[fig.Relation]; fig != must(graph.FigureOf(&r)) {
				t.Errorf("%s: %+v lists %+v, which is %+v", when, f, fig, must(graph.FigureOf(&r)))
			}
			got = append(got, fig.Relation)
			return nil
		})
		if err != nil {
			t.Fatalf("%s: figures %+v: %v", when, f, err)
		}
		slices.Sort(got)
		if _, want := g.wantFigures(f); !slices.Equal(got, want) {
			t.Errorf("%s: %+v lists %d figures, want %d", when, f, len(got), len(want))
		}
	}
	// relations with and without a quantity, of an object or of the whole
	// graph: counted from the summaries, listed from the figures index
	for _, object := range append([]string{""}, g.entities[:8]...) {
		for _, preds := range [][]string{nil, g.preds[2:3], {g.preds[4], g.preds[0], g.preds[4]}} {
			for _, has := range []bool{true, false} {
				f := graph.RelationFilter{Object: object, Predicates: preds, HasQuantity: &has}
				want := 0
				for _, r := range g.relations {
					if (object == "" || r.Object == object) && (len(preds) == 0 || slices.Contains(preds, r.Predicate)) && (r.Quantity != nil) == has {
						want++
					}
				}
				if got, err := st.CountRelations(ctx, f); err != nil || got != want {
					t.Errorf("%s: %+v counts %d (%v), want %d", when, f, got, err, want)
				}
				f.First = 37
				listed := 0
				for {
					page, err := st.Relations(ctx, f)
					if err != nil {
						t.Fatalf("%s: %+v: %v", when, f, err)
					}
					listed += len(page.Relations)
					if !page.HasNextPage {
						break
					}
					f.After = page.Cursors[len(page.Cursors)-1]
				}
				if listed != want {
					t.Errorf("%s: %+v lists %d, want %d", when, f, listed, want)
				}
			}
		}
	}
	// a listing past its limit is an error that asks for a narrower filter
	err = st.Figures(ctx, graph.FigureFilter{}, 10, func(graph.Figure) error { return nil })
	if graph.ErrorCode(err) != graph.EINVALID || !strings.Contains(err.Error(), "narrow") {
		t.Errorf("%s: a listing past its limit: %v", when, err)
	}
	if err := st.FigureSummaries(ctx, graph.FigureFilter{Dates: dates}, func(*graph.FigureSummary) error { return nil }); graph.ErrorCode(err) != graph.EINVALID {
		t.Errorf("%s: summaries with a date range: %v", when, err)
	}
}

func must(f graph.Figure, ok bool) graph.Figure {
	if !ok {
		return graph.Figure{}
	}
	return f
}

// keysUnder returns the keys and values of a store under the prefixes.
func keysUnder(t *testing.T, st *badger.Store, prefixes ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range prefixes {
		err := badger.DBOf(st).View(func(txn *bg.Txn) error {
			it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(p), PrefetchValues: true})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				v, err := it.Item().ValueCopy(nil)
				if err != nil {
					return err
				}
				out[string(it.Item().Key())] = string(v)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// The figures index and its summaries stay right through adds, updates
// (of the figure, or only of its sources), retractions, journaled batches
// and small writes; the bulk build and the migration from layout 4 write
// the same keys.
func TestFiguresMatchAScan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g, base := newRandomGraph(5, 60)
	st, err := badger.Open(t.TempDir(), badger.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	apply := func(c *graph.Changeset, o badger.LoadOptions) {
		t.Helper()
		if _, err := st.Load(ctx, c, o); err != nil {
			t.Fatal(err)
		}
	}
	apply(base, badger.LoadOptions{})
	apply(g.adds(1500), badger.LoadOptions{})
	checkFigures(t, st, g, "after adds")
	apply(g.changes(400, 200), badger.LoadOptions{})
	checkFigures(t, st, g, "after updates and retractions")
	journaled := badger.LoadOptions{MaxTxnKeys: 10, BatchKeys: 100}
	apply(g.adds(500), journaled)
	apply(g.changes(300, 200), journaled)
	checkFigures(t, st, g, "after journaled batches")
	for range 30 {
		apply(g.changes(4, 3), badger.LoadOptions{})
		apply(g.adds(3), badger.LoadOptions{})
	}
	checkFigures(t, st, g, "after small writes")
	written := keysUnder(t, st, "f:", "F:")
	if len(written) < 100 {
		t.Fatalf("only %d keys of figures", len(written))
	}

	built, dir := buildState(t, g, base)
	sameCounters(t, "built", keysUnder(t, built, "f:", "F:"), written)
	checkFigures(t, built, g, "after the bulk build")

	// a store of layout 4 (no figures index, and a wrong summary left by
	// an interrupted migration) is migrated to the same keys
	migrated := migratedFrom(t, built, dir, 4, written, "F:person/e-1\x00pred-0\x00people", "\x09")
	defer migrated.Close()
	sameCounters(t, "migrated", keysUnder(t, migrated, "f:", "F:"), written)
	checkFigures(t, migrated, g, "after the migration")
}
