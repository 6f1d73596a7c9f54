package schema_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/schema"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/seed/seedtest"
)

// countingStore counts batched entity reads, to check the data loader.
type countingStore struct {
	graph.Store
	entityBatches int
}

func (c *countingStore) EntitiesByID(ctx context.Context, ids []string) (map[string]*graph.Entity, error) {
	c.entityBatches++
	return c.Store.EntitiesByID(ctx, ids)
}

func seeded(t testing.TB) *badger.Store { return seedtest.Open(t) }

func newAPI(t testing.TB, st graph.Store, opts schema.Options) *schema.API {
	t.Helper()
	api, err := schema.New(context.Background(), st, opts)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func do(t testing.TB, api *schema.API, ctx context.Context, query string, vars map[string]any) map[string]any {
	t.Helper()
	res := api.Do(ctx, schema.Request{Query: query, Variables: vars})
	b, _ := json.Marshal(res)
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

func mustData(t testing.TB, out map[string]any) map[string]any {
	t.Helper()
	if errs, ok := out["errors"]; ok {
		t.Fatalf("unexpected errors: %v", errs)
	}
	return out["data"].(map[string]any)
}

func TestContractQueries(t *testing.T) {
	st := seeded(t)
	api := newAPI(t, st, schema.Options{})
	ctx := context.Background()
	data := mustData(t, do(t, api, ctx, `{
		byID: entity(id: "person/chulpan-khamatova") { id name type aliases description
			relations(predicate: "fled-to", direction: OUT, first: 5) { totalCount
				nodes { id predicate subject { id } object { id name ... on Country { aliases } } date endDate note
					quantity { amount } sources { quote section title url } }
				edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }
		byName: entity(name: "alla pugachëva") { id }
		entities(type: COUNTRY, first: 3) { totalCount nodes { id } edges { cursor } pageInfo { hasNextPage endCursor } }
		relations(predicate: "fled-to", object: "country/latvia", first: 5) { totalCount nodes { subject { name } } }
		search(text: "Pugachova", types: [PERSON], first: 3) { id }
		predicates { id label inverseLabel subjectTypes objectTypes }
	}`, nil))
	byID := data["byID"].(map[string]any)
	if byID["type"] != "PERSON" || byID["name"] != "Chulpan Khamatova" {
		t.Errorf("entity(id) = %v", byID)
	}
	rels := byID["relations"].(map[string]any)
	nodes := rels["nodes"].([]any)
	found := false
	for _, n := range nodes {
		obj := n.(map[string]any)["object"].(map[string]any)
		if obj["id"] == "country/latvia" {
			found = true
			src := n.(map[string]any)["sources"].([]any)[0].(map[string]any)
			if !strings.Contains(src["quote"].(string), "Latvia") || src["url"] == nil || src["section"] == nil {
				t.Errorf("source = %v", src)
			}
		}
	}
	if !found {
		t.Errorf("Khamatova fled-to relations = %v, want Latvia among them", nodes)
	}
	if data["byName"].(map[string]any)["id"] != "person/alla-pugacheva" {
		t.Errorf("entity(name) = %v", data["byName"])
	}
	ents := data["entities"].(map[string]any)
	if ents["totalCount"].(float64) < 30 || len(ents["nodes"].([]any)) != 3 || ents["pageInfo"].(map[string]any)["hasNextPage"] != true {
		t.Errorf("entities = %v", ents)
	}
	if s := data["search"].([]any); len(s) == 0 || s[0].(map[string]any)["id"] != "person/alla-pugacheva" {
		t.Errorf("search = %v", s)
	}
	if len(data["predicates"].([]any)) < 20 {
		t.Errorf("predicates = %v", data["predicates"])
	}
}

func TestPagingThroughEntities(t *testing.T) {
	api := newAPI(t, seeded(t), schema.Options{})
	seen := map[string]bool{}
	after := any(nil)
	total := 0
	for {
		data := mustData(t, do(t, api, context.Background(), `query($after: String) {
			entities(type: COUNTRY, first: 7, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"after": after}))
		conn := data["entities"].(map[string]any)
		total = int(conn["totalCount"].(float64))
		for _, n := range conn["nodes"].([]any) {
			id := n.(map[string]any)["id"].(string)
			if seen[id] {
				t.Fatalf("%s seen twice", id)
			}
			seen[id] = true
		}
		pi := conn["pageInfo"].(map[string]any)
		if pi["hasNextPage"] != true {
			break
		}
		after = pi["endCursor"]
	}
	if len(seen) != total {
		t.Errorf("paged through %d countries, totalCount says %d", len(seen), total)
	}
}

func TestTypedPredicateFields(t *testing.T) {
	api := newAPI(t, seeded(t), schema.Options{})
	data := mustData(t, do(t, api, context.Background(), `{
		entity(id: "country/latvia") { ... on Country { receivedEmigrants(first: 50) { nodes { subject { id } } } } }
		p: entity(id: "person/chulpan-khamatova") { ... on Person { fledTo { nodes { object { id } } } } }
	}`, nil))
	in := data["entity"].(map[string]any)["receivedEmigrants"].(map[string]any)["nodes"].([]any)
	if len(in) == 0 {
		t.Errorf("Country.receivedEmigrants is empty for Latvia")
	}
	out := data["p"].(map[string]any)["fledTo"].(map[string]any)["nodes"].([]any)
	if len(out) == 0 || out[0].(map[string]any)["object"].(map[string]any)["id"] != "country/latvia" {
		t.Errorf("Person.fledTo = %v", out)
	}
}

// A predicate loaded as data appears in the schema as typed fields after the
// write, with no code change.
func TestNewPredicateExtendsSchema(t *testing.T) {
	st := seeded(t)
	api := newAPI(t, st, schema.Options{Parse: seed.Parse})
	ctx := schema.WithWriteAccess(context.Background(), "")
	doc := `predicates:
  - {id: performed-concert-in, label: performed concert in, inverseLabel: hosted concert of, subjectTypes: [PERSON, ORGANIZATION], objectTypes: [COUNTRY]}
relations:
  - {subject: person/alla-pugacheva, predicate: performed-concert-in, object: country/israel, quote: test quote}
`
	out := do(t, api, ctx, `mutation($d: String!) { importFacts(format: "native", document: $d) { ok errors { message } summary { predicatesAdded relationsAdded } } }`, map[string]any{"d": doc})
	res := mustData(t, out)["importFacts"].(map[string]any)
	if res["ok"] != true {
		t.Fatalf("importFacts = %v", res)
	}
	data := mustData(t, do(t, api, ctx, `{ entity(id: "country/israel") { ... on Country { hostedConcertOf { nodes { subject { id } } } } } }`, nil))
	nodes := data["entity"].(map[string]any)["hostedConcertOf"].(map[string]any)["nodes"].([]any)
	if len(nodes) != 1 {
		t.Errorf("Country.hostedConcertOf = %v", nodes)
	}
}

func TestEntitiesResolveInBatches(t *testing.T) {
	cs := &countingStore{Store: seeded(t)}
	api := newAPI(t, cs, schema.Options{})
	mustData(t, do(t, api, context.Background(), `{ relations(predicate: "fled-from", first: 40) { nodes { subject { name } object { name } } } }`, nil))
	if cs.entityBatches != 1 {
		t.Errorf("40 relations resolved their ends in %d store reads, want 1", cs.entityBatches)
	}
}

func TestErrorsNameTheProblem(t *testing.T) {
	st := seeded(t)
	api := newAPI(t, st, schema.Options{Parse: seed.Parse})
	writer := schema.WithWriteAccess(context.Background(), "")
	tests := []struct {
		name, query string
		ctx         context.Context
		want        string
	}{
		{"first above the cap", `{ entities(first: 501) { totalCount } }`, context.Background(), "above the cap of 500"},
		{"bad cursor", `{ entities(after: "x") { totalCount } }`, context.Background(), "not a cursor"},
		{"bad date filter", `{ relations(from: "2022-13") { totalCount } }`, context.Background(), "the month is not 01 to 12"},
		{"write without access", `mutation { retractRelation(id: "rel/x") { ok } }`, context.Background(), "Bearer"},
		{"unknown predicate", `mutation { addRelation(relation: {subject: "person/alla-pugacheva", predicate: "moved-to", object: "country/israel", sources: [{quote: "q"}]}) { ok errors { field message } } }`, writer, `unknown predicate \"moved-to\"`},
		{"missing quote", `mutation { addRelation(relation: {subject: "person/alla-pugacheva", predicate: "fled-to", object: "country/israel", sources: [{quote: ""}]}) { ok errors { field message } } }`, writer, "sources[0].quote"},
		{"a template's placeholder quote", `mutation { addRelation(relation: {subject: "person/alla-pugacheva", predicate: "fled-to", object: "country/israel", sources: [{quote: "The sentence of the source, verbatim."}]}) { ok errors { field message } } }`, writer, "is a template's placeholder"},
		{"wrong types", `mutation { addRelation(relation: {subject: "country/israel", predicate: "fled-to", object: "country/israel", sources: [{quote: "q"}]}) { ok errors { field message } } }`, writer, "is a COUNTRY, but fled-to takes a subject"},
		{"bad date", `mutation { addRelation(relation: {subject: "person/alla-pugacheva", predicate: "fled-to", object: "country/israel", date: "22-01", sources: [{quote: "q"}]}) { ok errors { field message } } }`, writer, "is not an ISO 8601 date"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := do(t, api, tc.ctx, tc.query, nil)
			b, _ := json.Marshal(out)
			if !strings.Contains(string(b), tc.want) {
				t.Errorf("response %s\ndoes not say %q", b, tc.want)
			}
		})
	}
}

func TestLimitsRefuseBombs(t *testing.T) {
	api := newAPI(t, seeded(t), schema.Options{Limits: schema.DefaultLimits()})
	deep := "{ entity(id: \"country/latvia\") { " + strings.Repeat("relations { nodes { subject { ", 6) + "id" + strings.Repeat(" } } }", 6) + " } }"
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&aliases, " a%d: predicates { id }", i)
	}
	aliases.WriteString(" }")
	nested := `{ entities(first: 500) { nodes { relations(first: 500) { nodes { subject { relations(first: 500) { nodes { object { relations(first: 500) { nodes { id } } } } } } } } } } }`
	fragmentDeep := `fragment F on Entity { relations { nodes { subject { relations { nodes { subject { relations { nodes { subject { relations { nodes { subject { id } } } } } } } } } } } } }
		{ entity(id: "country/latvia") { ...F } }`
	fiveDeep := `{ entities(first: 500) { nodes { relations(first: 500) { nodes { subject { relations(first: 500) { nodes { object { relations(first: 500) { nodes { subject { relations(first: 500) { nodes { id } } } } } } } } } } } } } }`
	byVariable := `query($n: Int) { entities(first: $n) { nodes { relations(first: $n) { nodes { subject { relations(first: $n) { nodes { id } } } } } } } }`
	typedFields := `{ entities(first: 500) { nodes { ... on Country { receivedEmigrants { nodes { subject { ... on Person { fledTo { nodes { object { ... on Country { receivedEmigrants { nodes { id } } } } } } } } } } } } } }`
	figures := `{ figures { figures { subject { relations(first: 100) { nodes { subject { relations { nodes { id } } } } } } } } }`
	for name, q := range map[string]string{"depth": deep, "aliases": aliases.String(), "cost": nested, "depth through fragments": fragmentDeep,
		"first: 500 nested five deep": fiveDeep, "typed fields with their default pages": typedFields, "figures with their default pages": figures} {
		out := do(t, api, context.Background(), q, nil)
		if out["data"] != nil {
			t.Errorf("%s bomb was executed", name)
		}
		b, _ := json.Marshal(out["errors"])
		if !strings.Contains(string(b), "limit") {
			t.Errorf("%s bomb: errors %s do not name the limit", name, b)
		}
	}
	// the cost counts `first` given through variables
	out := do(t, api, context.Background(), byVariable, map[string]any{"n": 500})
	if out["data"] != nil {
		t.Errorf("a cost bomb through variables was executed")
	}
	out = do(t, api, context.Background(), byVariable, map[string]any{"n": 3})
	if out["errors"] != nil {
		t.Errorf("a small query through variables was refused: %v", out["errors"])
	}
}

func TestQueryPowerOnTheSeed(t *testing.T) {
	api := newAPI(t, seeded(t), schema.Options{})
	ctx := context.Background()
	t.Run("forgiving search", func(t *testing.T) {
		for text, want := range map[string]string{
			"Pugachova":        "person/alla-pugacheva", // a transliteration
			"Алла Пугачёва":    "person/alla-pugacheva", // Cyrillic
			"Kirgizstan":       "country/kyrgyzstan",    // misspelt
			"chulpan hamatova": "person/chulpan-khamatova",
			"Oxximiron":        "person/oxxxymiron",
			"tokaev":           "person/kassym-jomart-tokayev",
			"smolyaninov":      "person/artur-smolyaninov",
		} {
			data := mustData(t, do(t, api, ctx, `query($t: String!) { searchHits(text: $t, first: 3) { entity { id } score kind } }`, map[string]any{"t": text}))
			hits := data["searchHits"].([]any)
			found := false
			for _, h := range hits {
				if h.(map[string]any)["entity"].(map[string]any)["id"] == want {
					found = true
				}
			}
			if !found {
				t.Errorf("search %q = %v, want %s in the top 3", text, hits, want)
			}
		}
	})
	t.Run("path between two people through a country", func(t *testing.T) {
		data := mustData(t, do(t, api, ctx, `{ path(from: "person/chulpan-khamatova", to: "person/olga-smirnova", maxHops: 2) {
			hops entities { id type } relations { id } } }`, nil))
		p, _ := data["path"].(map[string]any)
		if p == nil || p["hops"].(float64) != 2 {
			t.Fatalf("path = %v", data["path"])
		}
		ents := p["entities"].([]any)
		if ents[0].(map[string]any)["id"] != "person/chulpan-khamatova" || ents[2].(map[string]any)["id"] != "person/olga-smirnova" || ents[1].(map[string]any)["type"] != "COUNTRY" {
			t.Errorf("path entities = %v, want Khamatova, a country, Smirnova", ents)
		}
		none := mustData(t, do(t, api, ctx, `{ path(from: "person/chulpan-khamatova", to: "person/olga-smirnova", maxHops: 1) { hops } }`, nil))
		if none["path"] != nil {
			t.Errorf("a path within 1 hop: %v", none["path"])
		}
	})
	t.Run("timing and hedges as the seed states them", func(t *testing.T) {
		// 98,000 fled to Kazakhstan in the first week: a period; Smolyaninov
		// fled in October 2022: a point
		data := mustData(t, do(t, api, ctx, `{ relations(subject: "Russians fleeing mobilization", object: "Kazakhstan", predicate: "fled-to", hasQuantity: true, first: 50) {
			nodes { date endDate timing hedges } } }`, nil))
		nodes := data["relations"].(map[string]any)["nodes"].([]any)
		if len(nodes) != 1 || fmt.Sprint(nodes[0]) != "map[date:2022-09-21 endDate:2022-09-28 hedges:[] timing:PERIOD]" {
			t.Errorf("the 98,000 who fled to Kazakhstan: %v, want a period", nodes)
		}
		// the third wave's totals: a period to 26 September, and an upper
		// estimate open at its end ("since it was announced")
		totals := mustData(t, do(t, api, ctx, `{ relations(subject: "Russians fleeing mobilization", predicate: "left", hasQuantity: true, first: 50) {
			nodes { date endDate timing hedges quantity { amount } } } }`, nil))
		got := map[float64]string{}
		for _, n := range totals["relations"].(map[string]any)["nodes"].([]any) {
			m := n.(map[string]any)
			got[m["quantity"].(map[string]any)["amount"].(float64)] = fmt.Sprint(m["date"], " ", m["endDate"], " ", m["timing"], " ", m["hedges"])
		}
		for amount, want := range map[float64]string{
			300000: "2022-09-21 2022-09-26 PERIOD []",
			700000: "2022-09-21 <nil> SINCE [ESTIMATED]",
		} {
			if got[amount] != want {
				t.Errorf("the %v who left in the third wave: %q, want %q", amount, got[amount], want)
			}
		}
		point := mustData(t, do(t, api, ctx, `{ relations(subject: "Artur Smolyaninov", predicate: "fled-from", first: 1) { nodes { date timing } } }`, nil))
		if n := point["relations"].(map[string]any)["nodes"].([]any); len(n) != 1 || n[0].(map[string]any)["timing"] != "POINT" {
			t.Errorf("Smolyaninov fled in October 2022, a point: %v", n)
		}
	})
	t.Run("a timeline of September and October 2022 opens on their facts", func(t *testing.T) {
		// issue 20: the facts dated only "2022" overlap the range, and used
		// to fill the first page
		data := mustData(t, do(t, api, ctx, `{ timeline(from: "2022-09", to: "2022-10", first: 20) { totalCount nodes { date endDate timing } } }`, nil))
		nodes := data["timeline"].(map[string]any)["nodes"].([]any)
		if len(nodes) != 20 {
			t.Fatalf("%d facts on the first page, want 20", len(nodes))
		}
		for _, n := range nodes {
			m := n.(map[string]any)
			d, _ := m["date"].(string)
			end, _ := m["endDate"].(string)
			if end == "" {
				end = d
			}
			if d < "2022-09" || end > "2022-10-31" || m["timing"] == "SINCE" {
				t.Errorf("a fact of %s to %s (%v) opens the timeline of September and October 2022", d, end, m["timing"])
			}
		}
		// and the whole graph's timeline counts the dated facts, not all
		all := mustData(t, do(t, api, ctx, `{ timeline(first: 1) { totalCount } relations(first: 1) { totalCount } }`, nil))
		dated, every := all["timeline"].(map[string]any)["totalCount"].(float64), all["relations"].(map[string]any)["totalCount"].(float64)
		if dated == 0 || dated >= every {
			t.Errorf("the timeline counts %v facts of %v: it should count the dated ones alone", dated, every)
		}
	})
	t.Run("timeline order and range edges", func(t *testing.T) {
		// the facts within the range first, in date order; then those that
		// only overlap it (a month, a year, a longer period), in date order
		data := mustData(t, do(t, api, ctx, `{ timeline(from: "2022-09-21", to: "2022-09-30", first: 500) { nodes { date endDate timing } } }`, nil))
		nodes := data["timeline"].(map[string]any)["nodes"].([]any)
		if len(nodes) == 0 {
			t.Fatal("the timeline of late September 2022 is empty")
		}
		prev, around := "", false
		sawMonth, sawWithin := false, false
		for _, n := range nodes {
			m := n.(map[string]any)
			d, _ := m["date"].(string)
			end, _ := m["endDate"].(string)
			within := len(d) == 10 && d >= "2022-09-21" && d <= "2022-09-30" && m["timing"] != "SINCE" &&
				(end == "" || len(end) == 10 && end <= "2022-09-30")
			switch {
			case within && around:
				t.Errorf("a fact of %s within the range comes after facts that only overlap it", d)
			case !within && !around:
				around, prev = true, ""
			}
			sawWithin = sawWithin || within
			if d < prev {
				t.Errorf("timeline out of order: %s after %s", d, prev)
			}
			prev = d
			if d == "2022-09" {
				sawMonth = true // a 2022-09 fact overlaps the range
			}
			if len(d) == 10 && end == "" && m["timing"] != "SINCE" && (d < "2022-09-21" || d > "2022-09-30") {
				t.Errorf("a fact of %s is outside the range", d)
			}
		}
		if !sawMonth || !sawWithin {
			t.Errorf("a range starting 2022-09-21 lists facts within it (%v) and 2022-09 facts, which overlap it (%v)", sawWithin, sawMonth)
		}
	})
	t.Run("timing says how the dates bound each fact", func(t *testing.T) {
		// a point, a period and a period open at its end, from the seed
		for query, want := range map[string]string{
			`{ entity(id: "person/alexei-rozhkov") { relations(predicate: "deported-by", exact: true) { nodes { timing } } } }`:          "POINT",
			`{ entity(id: "event/georgia-opinion-poll-2023") { relations(predicate: "has-figure", exact: true) { nodes { timing } } } }`: "PERIOD",
			`{ entity(id: "country/georgia") { relations(predicate: "entered", direction: IN, exact: true) { nodes { timing } } } }`:     "SINCE",
		} {
			data := mustData(t, do(t, api, ctx, query, nil))
			nodes := data["entity"].(map[string]any)["relations"].(map[string]any)["nodes"].([]any)
			if len(nodes) == 0 {
				t.Fatalf("%s: no relation", query)
			}
			for _, n := range nodes {
				if got := n.(map[string]any)["timing"]; got != want {
					t.Errorf("%s: timing %v, want %s", query, got, want)
				}
			}
		}
	})
	t.Run("filters combined", func(t *testing.T) {
		data := mustData(t, do(t, api, ctx, `{ relations(predicates: ["migration-to", "fled-to"], from: "2022", to: "2022", hasQuantity: true, first: 500) {
			totalCount nodes { predicate date quantity { amount } } } }`, nil))
		conn := data["relations"].(map[string]any)
		nodes := conn["nodes"].([]any)
		if len(nodes) == 0 || int(conn["totalCount"].(float64)) != len(nodes) {
			t.Fatalf("filtered relations = %v", conn)
		}
		for _, n := range nodes {
			m := n.(map[string]any)
			if m["quantity"] == nil || !strings.HasPrefix(m["date"].(string), "2022") && m["date"].(string) > "2022" {
				t.Errorf("a relation that fails the filters: %v", m)
			}
		}
		data = mustData(t, do(t, api, ctx, `{ entity(id: "country/kazakhstan") { relations(direction: IN, otherType: PERSON, orderBy: DATE, first: 100) { nodes { subject { type } date } } } }`, nil))
		for _, n := range data["entity"].(map[string]any)["relations"].(map[string]any)["nodes"].([]any) {
			if n.(map[string]any)["subject"].(map[string]any)["type"] != "PERSON" {
				t.Errorf("otherType: PERSON let through %v", n)
			}
		}
	})
	t.Run("neighborhood and stats", func(t *testing.T) {
		data := mustData(t, do(t, api, ctx, `{ neighborhood(id: "country/latvia", depth: 1, first: 5) { entities { id } relations { id } truncated }
			stats { totalEntities totalRelations entities { type count } relations { predicate count } } }`, nil))
		nb := data["neighborhood"].(map[string]any)
		if nb["entities"].([]any)[0].(map[string]any)["id"] != "country/latvia" || len(nb["relations"].([]any)) == 0 {
			t.Errorf("neighborhood = %v", nb)
		}
		st := data["stats"].(map[string]any)
		if st["totalEntities"].(float64) < 200 || st["totalRelations"].(float64) < 500 {
			t.Errorf("stats = %v", st)
		}
	})
}

// A repeated query text skips parsing and validation; a schema rebuild
// (a new predicate) makes the cache start over.
func TestPreparedDocumentsAreCached(t *testing.T) {
	api := newAPI(t, seeded(t), schema.Options{})
	q := `{ predicates { id } }`
	a, err := api.Prepare(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := api.Prepare(context.Background(), q)
	if a != b {
		t.Error("the same query text was parsed twice")
	}
	if err := api.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, _ := api.Prepare(context.Background(), q)
	if c == a {
		t.Error("a document validated against the old schema was reused after a rebuild")
	}
}

func TestMaxFirstIsConfigurable(t *testing.T) {
	api := newAPI(t, seeded(t), schema.Options{Limits: schema.Limits{MaxFirst: 20}})
	out := do(t, api, context.Background(), `{ entities(first: 21) { totalCount } }`, nil)
	b, _ := json.Marshal(out)
	if !strings.Contains(string(b), "above the cap of 20") {
		t.Errorf("first: 21 with a cap of 20: %s", b)
	}
	mustData(t, do(t, api, context.Background(), `{ entities(first: 20) { totalCount } }`, nil))
}
