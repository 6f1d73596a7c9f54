package schema_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/emigraph/emigraph/schema"
)

// paths gives several shortest connections that pass through different
// entities, shortest first, each hop with its quote; avoid and maxDegree
// keep hubs out.
func TestPathsAvoidHubs(t *testing.T) {
	api := newAPI(t, seeded(t), schema.Options{Limits: schema.DefaultLimits()})
	type path struct {
		Hops      int
		Entities  []struct{ ID string }
		Relations []struct {
			Sources []struct{ Quote string }
		}
	}
	run := func(q string) []path {
		t.Helper()
		data := mustData(t, do(t, api, context.Background(), q, nil))
		raw, _ := json.Marshal(data["paths"])
		var out []path
		json.Unmarshal(raw, &out)
		return out
	}
	const pick = `{ hops entities { id } relations { sources { quote } } }`
	all := run(`{ paths(from: "Maxim Galkin", to: "Алла Пугачёва", first: 4) ` + pick + ` }`)
	avoided := run(`{ paths(from: "Maxim Galkin", to: "Vladimir Putin", first: 3, avoid: ["Russia"]) ` + pick + ` }`)
	if len(all) == 0 || len(avoided) == 0 {
		t.Fatalf("no paths: %v / %v", all, avoided)
	}
	routes := map[string]bool{}
	for i, p := range avoided {
		if i > 0 && p.Hops < avoided[i-1].Hops {
			t.Errorf("paths are not shortest first: %v", avoided)
		}
		route := ""
		for j, e := range p.Entities {
			if e.ID == "country/russia" {
				t.Errorf("path %d passes through Russia, which it was to avoid", i)
			}
			if j > 0 && j < len(p.Entities)-1 {
				route += e.ID + " "
			}
		}
		if routes[route] {
			t.Errorf("two paths pass through the same entities: %s", route)
		}
		routes[route] = true
		if p.Entities[0].ID != "person/maxim-galkin" || p.Entities[len(p.Entities)-1].ID != "person/vladimir-putin" || len(p.Relations) != p.Hops {
			t.Errorf("path %d is not a path from Galkin to Putin: %+v", i, p)
		}
		for _, r := range p.Relations {
			if len(r.Sources) == 0 || r.Sources[0].Quote == "" {
				t.Errorf("a hop of path %d has no quote", i)
			}
		}
	}
	t.Logf("Galkin to Pugacheva: %d paths, the shortest %d hops; Galkin to Putin avoiding Russia: %d paths, the shortest %d hops", len(all), all[0].Hops, len(avoided), avoided[0].Hops)

	// a degree cap leaves out hubs along the way
	capped := run(`{ paths(from: "Maxim Galkin", to: "Vladimir Putin", first: 2, maxDegree: 40) ` + pick + ` }`)
	if len(capped) == 0 {
		t.Fatal("no path from Galkin to Putin through entities of 40 relations or fewer")
	}
	for _, p := range capped {
		for _, e := range p.Entities[1 : len(p.Entities)-1] {
			deg := mustData(t, do(t, api, context.Background(), `query($id: ID) { entity(id: $id) { relations { totalCount } } }`, map[string]any{"id": e.ID}))
			raw, _ := json.Marshal(deg)
			var d struct {
				Entity struct{ Relations struct{ TotalCount int } }
			}
			json.Unmarshal(raw, &d)
			if d.Entity.Relations.TotalCount > 40 {
				t.Errorf("a path with maxDegree 40 passes through %s, which has %d relations", e.ID, d.Entity.Relations.TotalCount)
			}
		}
	}
}
