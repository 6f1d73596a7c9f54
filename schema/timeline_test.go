package schema_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/emigraph/emigraph/schema"
)

// A timeline's totalCount counts the relations it lists: the dated ones.
// Before, the timeline of the whole graph (or of its predicates) counted
// every relation, undated ones too: 619 on the seed, which dates 274.
func TestTimelineCountsWhatItLists(t *testing.T) {
	t.Parallel()
	api := newAPI(t, seeded(t), schema.Options{Limits: schema.DefaultLimits()})
	for _, args := range []string{``, `predicates: ["fled-to"]`, `entity: "country/georgia"`, `from: "2022"`} {
		var out struct {
			Data struct {
				Count struct{ TotalCount int }
				All   struct{ Nodes []struct{ Date string } }
			}
		}
		raw, _ := json.Marshal(do(t, api, context.Background(), `{ count: timeline(`+args+` first: 1) { totalCount } all: timeline(`+args+` first: 500) { nodes { date } } }`, nil))
		json.Unmarshal(raw, &out)
		listed := len(out.Data.All.Nodes)
		if listed == 0 || listed == 500 || out.Data.Count.TotalCount != listed {
			t.Errorf("timeline(%s): totalCount %d, %d listed: %.200s", args, out.Data.Count.TotalCount, listed, raw)
		}
		for _, n := range out.Data.All.Nodes {
			if n.Date == "" {
				t.Errorf("timeline(%s) lists an undated relation", args)
				break
			}
		}
	}
}
