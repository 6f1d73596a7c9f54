package graph_test

import (
	"testing"

	"github.com/emigraph/emigraph/graph"
)

// Merging summaries gives what adding their figures one by one gives,
// whatever the split, ties and undated figures included.
func TestFigureSummaryMergeIsAdd(t *testing.T) {
	figs := []graph.Figure{
		{Relation: "rel/a", Amount: 5, Date: "2022"},
		{Relation: "rel/b", Amount: 9},
		{Relation: "rel/c", Amount: 9, Date: "2022-03"},
		{Relation: "rel/d", Amount: 1, Date: "2022-03"},
		{Relation: "rel/e", Amount: 9, Date: "2022-03"},
	}
	var whole graph.FigureSummary
	for _, f := range figs {
		whole.Add(f)
	}
	for split := range len(figs) + 1 {
		var a, b, merged graph.FigureSummary
		for _, f := range figs[:split] {
			a.Add(f)
		}
		for _, f := range figs[split:] {
			b.Add(f)
		}
		merged.Merge(&b)
		merged.Merge(&a)
		if merged != whole {
			t.Errorf("split at %d: merged %+v, added %+v", split, merged, whole)
		}
	}
	if whole.Largest.Relation != "rel/c" || whole.Latest.Relation != "rel/c" || whole.Count != 5 {
		t.Errorf("largest %s, latest %s, count %d", whole.Largest.Relation, whole.Latest.Relation, whole.Count)
	}
}
