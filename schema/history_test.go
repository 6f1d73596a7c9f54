package schema_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/schema"
)

// The history over GraphQL: mutations with a message and a token name,
// then the changes, an entity's history, and reads as of before each.
func TestHistoryQueries(t *testing.T) {
	t.Parallel()
	api := newAPI(t, seeded(t), schema.Options{})
	ctx := context.Background()
	write := schema.WithTokenName(schema.WithWriteAccess(ctx, ""), "newsroom")
	lastTime := func() string {
		data := mustData(t, do(t, api, ctx, `{ changes(first: 500) { nodes { time } } }`, nil))
		nodes := data["changes"].(map[string]any)["nodes"].([]any)
		return nodes[len(nodes)-1].(map[string]any)["time"].(string)
	}
	before := lastTime()
	georgia := mustData(t, do(t, api, ctx, `{ entity(id: "country/georgia") { relations(first: 1) { totalCount nodes { id } } } }`, nil))
	rels := georgia["entity"].(map[string]any)["relations"].(map[string]any)
	total := rels["totalCount"].(float64)
	rel := rels["nodes"].([]any)[0].(map[string]any)["id"].(string)

	mustData(t, do(t, api, write, `mutation { upsertEntity(entity: {id: "country/georgia", name: "Sakartvelo"}, message: "its own name") { ok } }`, nil))
	renamed := lastTime()
	mustData(t, do(t, api, write, `mutation($id: ID!) { retractRelation(id: $id, message: "the source was wrong") { ok } }`, map[string]any{"id": rel}))

	data := mustData(t, do(t, api, ctx, `query($before: String, $renamed: String, $rel: ID!) {
		then: entity(id: "country/georgia", asOf: $before) { name relations(asOf: $before, first: 1) { totalCount } }
		renamed: entity(id: "country/georgia", asOf: $renamed) { name relations(asOf: $renamed) { totalCount } }
		now: entity(id: "country/georgia") { name relations { totalCount } }
		relThen: relation(id: $rel, asOf: $renamed) { id }
		relNow: relation(id: $rel) { id }
		history(id: "country/georgia") { nodes { kind item change { seq message token files { name } } entityBefore { name } entityAfter { name } } }
		relHistory: history(id: $rel) { nodes { kind relationBefore { id } relationAfter { id } change { message } } }
		changes(since: $renamed) { nodes { message token summary { entitiesUpdated relationsRetracted } } pageInfo { hasNextPage } }
	}`, map[string]any{"before": before, "renamed": renamed, "rel": rel}))
	got := fmt.Sprint(data)
	for _, want := range []string{
		fmt.Sprintf("then:map[name:Georgia relations:map[totalCount:%v]]", total),
		fmt.Sprintf("renamed:map[name:Sakartvelo relations:map[totalCount:%v]]", total),
		fmt.Sprintf("now:map[name:Sakartvelo relations:map[totalCount:%v]]", total-1),
		"relThen:map[id:" + rel + "]", "relNow:<nil>",
		"history:map[nodes:[map[change:map[files:[] message:<nil> seq:1 token:<nil>] entityAfter:map[name:Georgia] entityBefore:<nil> item:ENTITY kind:ADDED] " +
			"map[change:map[files:[] message:its own name seq:2 token:newsroom] entityAfter:map[name:Sakartvelo] entityBefore:map[name:Georgia] item:ENTITY kind:UPDATED]]]",
		"map[change:map[message:the source was wrong] kind:REMOVED relationAfter:<nil> relationBefore:map[id:" + rel + "]]",
		"changes:map[nodes:[map[message:its own name summary:map[entitiesUpdated:1 relationsRetracted:0] token:newsroom] " +
			"map[message:the source was wrong summary:map[entitiesUpdated:0 relationsRetracted:1] token:newsroom]] pageInfo:map[hasNextPage:false]]",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the answer lacks %s:\n%s", want, got)
		}
	}
	long := strings.Repeat("x", 10_001)
	if out := fmt.Sprint(do(t, api, write, `mutation($m: String) { upsertEntity(entity: {id: "country/georgia", name: "Georgia"}, message: $m) { ok } }`, map[string]any{"m": long})["errors"]); !strings.Contains(out, "message: 10001 bytes") {
		t.Errorf("a message too long: %s", out)
	}
	for query, want := range map[string]string{
		`{ entity(id: "country/georgia", asOf: "yesterday") { name } }`:                                    `asOf: "yesterday" is not a time`,
		`{ entity(name: "Georgia", asOf: "2026-01-01") { name } }`:                                         "asOf reads an entity by id",
		`{ entity(id: "country/georgia") { relations(asOf: "2026-01-01", from: "2022") { totalCount } } }`: "no other filter",
		`{ changes(since: "soon") { nodes { seq } } }`:                                                     `since: "soon" is not a time`,
		`{ history(id: "country/georgia", first: 100000) { nodes { kind } } }`:                             "first",
	} {
		if out := fmt.Sprint(do(t, api, ctx, query, nil)["errors"]); !strings.Contains(out, want) {
			t.Errorf("%s: errors %s, want %q", query, out, want)
		}
	}
}
