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
// names the latest and the largest of each, never adds them up, and counts
// a figure stated twice once.
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

	// ranked destinations after the mobilization
	ranked := run(`{ figures(predicate: "fled-to", from: "2022-09-21", to: "2022-12-31", unit: "people") ` + pick + ` }`)
	if len(ranked.Figures) < 3 {
		t.Fatalf("destinations after the mobilization: %+v", ranked)
	}
	for i := 1; i < len(ranked.Figures); i++ {
		if ranked.Figures[i].Largest.Quantity.Amount > ranked.Figures[i-1].Largest.Quantity.Amount {
			t.Errorf("groups are not ranked by their largest figure: %v before %v", ranked.Figures[i-1].Key, ranked.Figures[i].Key)
		}
	}
	years := run(`{ figures(groupBy: YEAR) ` + pick + ` }`)
	for i := 1; i < len(years.Figures); i++ {
		if years.Figures[i].Key < years.Figures[i-1].Key {
			t.Errorf("years are not in order: %v", years.Figures)
		}
	}
}
