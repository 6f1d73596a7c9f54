package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/emigraph/emigraph/schema"
)

// BenchmarkAnswers measures the questions of issue 13 on the generated
// graph: an entity argument given by name rather than id (name resolution
// and its cost), figures grouped by object (from the summaries) and by year
// (from the figures index), a hub's relations with a quantity, and several
// paths avoiding a hub.
//
//	go test ./cmd/emigraph -run '^$' -bench BenchmarkAnswers -benchtime 100x
func BenchmarkAnswers(b *testing.B) {
	api := benchGraph(b)
	ctx := context.Background()
	var named struct{ Entity struct{ Name string } }
	res := api.Do(ctx, schema.Request{Query: `{ entity(id: "person/gen-4242") { name } }`})
	raw, _ := json.Marshal(res.Data)
	json.Unmarshal(raw, &named)
	name, _ := json.Marshal(named.Entity.Name)
	for _, q := range []struct{ name, query string }{
		{"relations-by-id", `{ relations(subject: "person/gen-4242", first: 5) { totalCount nodes { id } } }`},
		{"relations-by-name", `{ relations(subject: ` + string(name) + `, first: 5) { totalCount nodes { id } } }`},
		{"figures-of-the-hub", `{ figures(object: "` + hub + `", first: 10) { key count largest { id } latest { id } } }`},
		{"figures-by-object", `{ figures(groupBy: OBJECT, first: 10) { key count largest { id } } }`},
		{"figures-by-year", `{ figures(groupBy: YEAR) { key count largest { id } latest { id } } }`},
		{"hub-relations-with-quantity", `{ relations(object: "` + hub + `", hasQuantity: true, first: 20) { totalCount nodes { id } } }`},
		{"paths-3-avoiding-the-hub", `{ paths(from: "event/gen-1700", to: "event/gen-1950", maxHops: 4, first: 3, avoid: ["` + hub + `"]) { hops } }`},
	} {
		b.Run(q.name, func(b *testing.B) {
			if res := api.Do(ctx, schema.Request{Query: q.query}); res.HasErrors() {
				b.Skipf("%s: %v", q.name, res.Errors)
			}
			for i := 0; i < b.N; i++ {
				api.Do(ctx, schema.Request{Query: q.query})
			}
		})
	}
}
