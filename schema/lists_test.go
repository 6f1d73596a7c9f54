package schema_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/schema"
)

// copies is n copies of s, as a JSON list.
func copies(s string, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// A list argument longer than the limit is refused before anything runs,
// given as a literal or through a variable, naming the list and the limit.
// Before, 95,000 copies of "fled-to" in neighborhood(predicates:) ran 16.7 s,
// a scan for each copy; path, relations(exact: true) and figures the same.
func TestLongListsAreRefusedBeforeWork(t *testing.T) {
	t.Parallel()
	api := newAPI(t, seeded(t), schema.Options{Limits: schema.DefaultLimits()})
	ctx := context.Background()
	byVariable := map[string]string{
		"neighborhood": `query($p: [String!]) { neighborhood(id: "country/georgia", predicates: $p) { truncated } }`,
		"path":         `query($p: [String!]) { path(from: "Georgia", to: "Armenia", predicates: $p) { hops } }`,
		"paths":        `query($p: [String!]) { paths(from: "Georgia", to: "Armenia", predicates: $p) { hops } }`,
		"relations":    `query($p: [String!]) { relations(predicates: $p, exact: true) { totalCount } }`,
		"typed field":  `query($p: [String!]) { entity(id: "country/georgia") { relations(predicates: $p, exact: true) { totalCount } } }`,
		"timeline":     `query($p: [String!]) { timeline(predicates: $p) { totalCount } }`,
		"figures":      `query($p: [String!]) { figures(predicates: $p, exact: true) { count } }`,
		"avoid":        `query($p: [ID!]) { path(from: "Georgia", to: "Armenia", avoid: $p) { hops } }`,
	}
	for name, q := range byVariable {
		out := do(t, api, ctx, q, map[string]any{"p": copies("fled-to", 95_000)})
		raw, _ := json.Marshal(out)
		if out["data"] != nil || !strings.Contains(string(raw), `the list $p holds 95000 items; a list argument holds at most 100`) ||
			!strings.Contains(string(raw), "limit_exceeded") {
			t.Errorf("%s with 95,000 predicates through a variable: %.300s", name, raw)
		}
		// at the limit, the copies count once
		out = do(t, api, ctx, q, map[string]any{"p": copies(map[bool]string{true: "country/russia", false: "fled-to"}[name == "avoid"], 100)})
		if out["errors"] != nil {
			t.Errorf("%s with 100 copies: %v", name, out["errors"])
		}
	}
	literal := fmt.Sprintf(`{ neighborhood(id: "country/georgia", predicates: [%s]) { truncated } }`, strings.TrimSuffix(strings.Repeat(`"fled-to",`, 101), ","))
	out := do(t, api, ctx, literal, nil)
	raw, _ := json.Marshal(out)
	if out["data"] != nil || !strings.Contains(string(raw), `the list neighborhood(predicates:) holds 101 items; a list argument holds at most 100`) {
		t.Errorf("a literal list of 101: %.300s", raw)
	}
	// a list inside an input object, through a variable
	out = do(t, api, schema.WithWriteAccess(ctx, ""), `mutation($e: EntityInput!) { upsertEntity(entity: $e) { ok } }`,
		map[string]any{"e": map[string]any{"id": "person/x", "name": "X", "type": "PERSON", "aliases": copies("x", 101)}})
	raw, _ = json.Marshal(out)
	if out["data"] != nil || !strings.Contains(string(raw), `the list $e.aliases holds 101 items`) {
		t.Errorf("101 aliases in an input object: %.300s", raw)
	}
}

// Each predicate of a list is asked once: a list of one predicate many
// times over answers as the predicate does.
func TestListsCountEachItemOnce(t *testing.T) {
	t.Parallel()
	api := newAPI(t, seeded(t), schema.Options{Limits: schema.DefaultLimits()})
	ctx := context.Background()
	for _, q := range []string{
		`query($p: [String!]) { relations(predicate: "fled-to", predicates: $p, exact: true, first: 500) { totalCount nodes { id } } }`,
		`query($p: [String!]) { neighborhood(id: "country/georgia", predicates: $p, first: 500) { relations { id } } }`,
		`query($p: [String!]) { figures(predicates: $p, exact: true, groupBy: NONE) { count figures { id } } }`,
	} {
		once, _ := json.Marshal(mustData(t, do(t, api, ctx, q, map[string]any{"p": copies("fled-to", 1)})))
		many, _ := json.Marshal(mustData(t, do(t, api, ctx, q, map[string]any{"p": copies("fled-to", 100)})))
		if string(once) != string(many) || len(once) < 100 {
			t.Errorf("%s: with one copy %.200s, with 100 %.200s", q, once, many)
		}
	}
}
