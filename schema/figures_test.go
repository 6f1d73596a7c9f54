package schema_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/emigraph/emigraph/schema"
)

type figureGroups struct {
	Figures []struct {
		Key     string
		Count   int
		Entity  *struct{ ID string }
		Figures []struct {
			Date     string
			Quantity struct{ Amount float64 }
			Sources  []struct{ Quote string }
		}
		Latest  *struct{ Date string }
		Largest *struct{ Quantity struct{ Amount float64 } }
	}
}

// figures groups the seed's figures, ranks the groups by their largest,
// names the latest and the largest of each, and never adds them up; the
// summaries (no subject, no dates) and the index scan (a date range that
// takes in every figure) give the same groups; a group lists as many
// figures as asked, latest first.
func TestFigures(t *testing.T) {
	api := newAPI(t, seeded(t), schema.Options{Limits: schema.DefaultLimits()})
	run := func(q string) figureGroups {
		t.Helper()
		raw, _ := json.Marshal(mustData(t, do(t, api, context.Background(), q, nil)))
		var out figureGroups
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	const pick = `{ key count entity { id } figures { date quantity { amount } sources { quote } } latest { date } largest { quantity { amount } } }`
	georgia := run(`{ figures(object: "Georgia", unit: "people") ` + pick + ` }`)
	if len(georgia.Figures) != 1 || georgia.Figures[0].Key != "country/georgia" || georgia.Figures[0].Count < 2 {
		t.Fatalf("Georgia's figures: %+v", georgia)
	}
	g := georgia.Figures[0]
	seen := map[string]bool{}
	largest := 0.0
	for i, f := range g.Figures {
		if i > 0 && f.Date != "" && g.Figures[i-1].Date != "" && f.Date > g.Figures[i-1].Date {
			t.Errorf("figures are not latest first: %+v", g.Figures)
		}
		key := fmt.Sprint(f.Quantity.Amount, f.Date, f.Sources[0].Quote)
		if seen[key] {
			t.Errorf("a figure stated twice is listed twice: %+v", f)
		}
		seen[key] = true
		largest = max(largest, f.Quantity.Amount)
		if len(f.Sources) == 0 || f.Sources[0].Quote == "" {
			t.Errorf("a figure without its quote: %+v", f)
		}
	}
	if g.Largest == nil || g.Largest.Quantity.Amount != largest || g.Latest == nil || g.Latest.Date != g.Figures[0].Date {
		t.Errorf("latest %+v and largest %+v of %+v", g.Latest, g.Largest, g.Figures)
	}

	// ranked destinations after the mobilization, by every kind of movement
	// (fled-to, entered, ...: the entries into Finland are not flights)
	ranked := run(`{ figures(predicate: "migration-to", from: "2022-09-21", to: "2022-12-31", unit: "people") ` + pick + ` }`)
	if len(ranked.Figures) < 3 {
		t.Fatalf("destinations after the mobilization: %+v", ranked)
	}
	for i := 1; i < len(ranked.Figures); i++ {
		if ranked.Figures[i].Largest.Quantity.Amount > ranked.Figures[i-1].Largest.Quantity.Amount {
			t.Errorf("groups are not ranked by their largest figure: %v before %v", ranked.Figures[i-1].Key, ranked.Figures[i].Key)
		}
	}
	// every group, from the summaries and from a scan, against the relations
	type fig struct {
		ID       string
		Date     string
		EndDate  string
		Object   *struct{ ID string }
		Quantity struct{ Amount float64 }
	}
	var rels struct{ Relations struct{ Nodes []fig } }
	raw, _ := json.Marshal(mustData(t, do(t, api, context.Background(), `{ relations(hasQuantity: true, first: 500) { nodes { id date endDate object { id } quantity { amount } } } }`, nil)))
	json.Unmarshal(raw, &rels)
	if n := len(rels.Relations.Nodes); n < 20 || n == 500 {
		t.Fatalf("%d figures in the seed", n)
	}
	type want struct {
		count             int
		largest, latest   fig
		largestA, latestA float64
	}
	expect := func(datedOnly bool) map[string]*want {
		groups := map[string]*want{}
		for _, r := range rels.Relations.Nodes {
			if datedOnly && r.Date == "" {
				continue
			}
			key := "none"
			if r.Object != nil {
				key = r.Object.ID
			}
			w := groups[key]
			if w == nil {
				w = &want{}
				groups[key] = w
			}
			a, l := r.Quantity.Amount, w.largest
			if w.count == 0 || a > l.Quantity.Amount || a == l.Quantity.Amount && (r.Date > l.Date || r.Date == l.Date && r.ID < l.ID) {
				w.largest = r
			}
			// the latest is as of the end of its period (graph.Figure.Later),
			// then the later start
			asOf := func(f fig) string {
				if f.EndDate != "" {
					return f.EndDate
				}
				return f.Date
			}
			if lt := w.latest; r.Date != "" && (lt.ID == "" || asOf(r) > asOf(lt) || asOf(r) == asOf(lt) && (r.Date > lt.Date || r.Date == lt.Date && (a > lt.Quantity.Amount || a == lt.Quantity.Amount && r.ID < lt.ID))) {
				w.latest = r
			}
			w.count++
		}
		return groups
	}
	type got struct {
		Figures []struct {
			Key     string
			Count   int
			Figures []struct{ ID string }
			Latest  *struct{ ID string }
			Largest struct{ ID string }
		}
	}
	for _, q := range []struct {
		dates string
		dated bool
	}{{"", false}, {`, from: "1000", to: "9999"`, true}} {
		var g got
		raw, _ := json.Marshal(mustData(t, do(t, api, context.Background(), `{ figures(first: 200`+q.dates+`) { key count figures(first: 2) { id } latest { id } largest { id } } }`, nil)))
		json.Unmarshal(raw, &g)
		wanted := expect(q.dated)
		if len(g.Figures) != len(wanted) {
			t.Errorf("figures%s: %d groups, want %d", q.dates, len(g.Figures), len(wanted))
		}
		for _, gr := range g.Figures {
			w := wanted[gr.Key]
			if w == nil {
				t.Errorf("figures%s: group %s is not wanted", q.dates, gr.Key)
				continue
			}
			latest := ""
			if gr.Latest != nil {
				latest = gr.Latest.ID
			}
			if gr.Count != w.count || gr.Largest.ID != w.largest.ID || latest != w.latest.ID || len(gr.Figures) != min(2, w.count) ||
				w.latest.ID != "" && gr.Figures[0].ID != w.latest.ID {
				t.Errorf("figures%s: group %s: %+v, want count %d, largest %s, latest %s", q.dates, gr.Key, gr, w.count, w.largest.ID, w.latest.ID)
			}
		}
	}
	all := run(`{ figures(groupBy: NONE) { count figures(first: 3) { date } } }`)
	if len(all.Figures) != 1 || all.Figures[0].Count < 10 || len(all.Figures[0].Figures) != 3 {
		t.Errorf("every figure, three listed: %+v", all)
	}
	years := run(`{ figures(groupBy: YEAR) ` + pick + ` }`)
	for i := 1; i < len(years.Figures); i++ {
		if years.Figures[i].Key < years.Figures[i-1].Key {
			t.Errorf("years are not in order: %v", years.Figures)
		}
	}
}
