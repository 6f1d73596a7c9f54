package schema_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/schema"
	"github.com/emigraph/emigraph/seed"
)

// twoMoreSources are made-up test facts: two other sources' figures for
// Georgia, beside the article's.
const twoMoreSources = `sources:
  - id: source/test-ministry
    title: Entries of foreign citizens
    publisher: A ministry
    published: 2023-01
    url: https://example.org/ministry
    language: ka
    kind: official-statistics
  - id: source/test-survey
    title: A survey of the diaspora
    publisher: A think tank
    published: 2023
    kind: survey
relations:
  - subject: group/russian-emigrants
    predicate: fled-to
    object: country/georgia
    date: "2022-02"
    endDate: "2022-11"
    quantity: {amount: 112000, unit: people, approximation: EXACT}
    source: source/test-ministry
    quote: 112,000 entered and stayed.
  - subject: group/russian-emigrants
    predicate: fled-to
    object: country/georgia
    date: "2023"
    quantity: {amount: 75000, unit: people, approximation: ABOUT}
    source: source/test-survey
    quote: About 75,000 live there.
`

func sourcesAPI(t *testing.T) *schema.API {
	t.Helper()
	api := newAPI(t, seeded(t), schema.Options{Limits: schema.DefaultLimits(), Parse: seed.Parse})
	out := do(t, api, schema.WithWriteAccess(context.Background(), ""), `mutation($d: String!) { importFacts(format: "native", document: $d) { ok errors { where field message } } }`,
		map[string]any{"d": twoMoreSources})
	if ok, _ := mustData(t, out)["importFacts"].(map[string]any)["ok"].(bool); !ok {
		t.Fatalf("importFacts: %v", out)
	}
	return api
}

// The sources query lists the records with how many facts each supports;
// a citation gives its record, and its title and URL from it; a record
// lists what it says.
func TestSourcesQuery(t *testing.T) {
	t.Parallel()
	api := sourcesAPI(t)
	ctx := context.Background()
	var got struct {
		Sources struct {
			Nodes []struct {
				ID, Publisher, Published, Kind string
				Facts                          int
				Relations                      struct {
					TotalCount int
					Nodes      []struct {
						Sources []struct {
							Quote, URL string
							Record     *struct{ ID string }
						}
					}
				}
			}
		}
	}
	raw, _ := json.Marshal(mustData(t, do(t, api, ctx, `{ sources { nodes { id publisher published kind facts
		relations(first: 1) { totalCount nodes { sources { quote url record { id } } } } } } }`, nil)))
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	byID := map[string]int{}
	for _, n := range got.Sources.Nodes {
		byID[n.ID] = n.Facts
		if n.Relations.TotalCount != n.Facts {
			t.Errorf("%s: relations.totalCount %d, facts %d", n.ID, n.Relations.TotalCount, n.Facts)
		}
		if n.ID == "source/test-ministry" {
			s := n.Relations.Nodes[0].Sources[0]
			if s.URL != "https://example.org/ministry" || s.Record == nil || s.Record.ID != n.ID {
				t.Errorf("the ministry's citation: %+v; want its record and the record's URL", s)
			}
		}
	}
	if byID["source/test-ministry"] != 1 || byID["source/test-survey"] != 1 || byID["source/wikipedia-russian-emigration-2022"] < 500 {
		t.Errorf("facts by source: %v", byID)
	}
	one := mustData(t, do(t, api, ctx, `{ source(id: "source/test-survey") { kind publisher } none: source(id: "source/none") { id } }`, nil))
	if b, _ := json.Marshal(one); string(b) != `{"none":null,"source":{"kind":"SURVEY","publisher":"A think tank"}}` {
		t.Errorf("source(id:): %s", b)
	}
	kind := mustData(t, do(t, api, ctx, `{ sources(kind: ENCYCLOPEDIA) { nodes { id } } }`, nil))
	if b, _ := json.Marshal(kind); !strings.Contains(string(b), "wikipedia") || strings.Contains(string(b), "test-") {
		t.Errorf("sources(kind: ENCYCLOPEDIA): %s", b)
	}
}

// Georgia's figures split by source: each source named with its figure,
// side by side.
func TestFiguresBySource(t *testing.T) {
	t.Parallel()
	api := sourcesAPI(t)
	var got struct {
		Figures []struct {
			Count    int
			BySource []struct {
				Source  *struct{ ID, Publisher string }
				Count   int
				Figures []struct{ Quantity struct{ Amount float64 } }
			}
		}
	}
	raw, _ := json.Marshal(mustData(t, do(t, api, context.Background(), `{ figures(object: "Georgia", unit: "people") { count
		bySource { source { id publisher } count figures { quantity { amount } } } } }`, nil)))
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Figures) != 1 {
		t.Fatalf("groups: %s", raw)
	}
	amounts := map[string][]float64{}
	for _, s := range got.Figures[0].BySource {
		if s.Source == nil {
			t.Errorf("figures without a named source: %+v", s)
			continue
		}
		for _, f := range s.Figures {
			amounts[s.Source.ID] = append(amounts[s.Source.ID], f.Quantity.Amount)
		}
		if s.Count != len(s.Figures) {
			t.Errorf("%s: count %d, %d figures", s.Source.ID, s.Count, len(s.Figures))
		}
	}
	has := func(id string, amount float64) bool {
		for _, a := range amounts[id] {
			if a == amount {
				return true
			}
		}
		return false
	}
	if !has("source/wikipedia-russian-emigration-2022", 100000) || !has("source/test-ministry", 112000) || !has("source/test-survey", 75000) {
		t.Errorf("Georgia by source: %v; want the article's 100,000, the ministry's 112,000 and the survey's 75,000", amounts)
	}
	if len(amounts["source/test-ministry"]) != 1 {
		t.Errorf("the ministry states one figure, listed: %v", amounts["source/test-ministry"])
	}
}

// Splitting a group's figures by source reads what listing them reads: the
// least budget that answers the list answers the split, and one record
// less refuses both; and the cost limit counts the split's figures once,
// as the list's.
func TestBySourceReadsWhatFiguresReads(t *testing.T) {
	t.Parallel()
	st := hubStore(t)
	ctx := context.Background()
	list := `{ figures(object: "country/hub", groupBy: NONE) { figures(first: 100) { id } } }`
	split := `{ figures(object: "country/hub", groupBy: NONE) { bySource(first: 100) { count figures { id } } } }`
	passes := func(q string, records int) bool {
		msgs, _ := errorsOf(do(t, workAPI(t, st, records), ctx, q, nil))
		return len(msgs) == 0
	}
	lo, hi := 1, 5000 // the list fails at lo and passes at hi
	if !passes(list, hi) {
		t.Fatalf("the list needs more than %d records", hi)
	}
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if passes(list, mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	if !passes(split, hi) || passes(split, hi-1) {
		t.Errorf("the list needs %d records; the split passes at %d: %v, at %d: %v", hi, hi, passes(split, hi), hi-1, passes(split, hi-1))
	}
}

// retractSource takes a source back: a dry run lists the changes and
// writes nothing; the write removes what only it supports.
func TestRetractSourceMutation(t *testing.T) {
	t.Parallel()
	api := sourcesAPI(t)
	w := schema.WithWriteAccess(context.Background(), "")
	const m = `mutation($dry: Boolean) { retractSource(id: "source/test-survey", dryRun: $dry) { ok changes summary { relationsRetracted sourcesRetracted dryRun } } }`
	dry, _ := json.Marshal(mustData(t, do(t, api, w, m, map[string]any{"dry": true})))
	if !strings.Contains(string(dry), `"- source source/test-survey (A survey of the diaspora)"`) || !strings.Contains(string(dry), `"relationsRetracted":1`) {
		t.Errorf("dry run: %s", dry)
	}
	if b, _ := json.Marshal(mustData(t, do(t, api, context.Background(), `{ source(id: "source/test-survey") { id } }`, nil))); !strings.Contains(string(b), "test-survey") {
		t.Errorf("the dry run removed the record: %s", b)
	}
	done, _ := json.Marshal(mustData(t, do(t, api, w, m, map[string]any{"dry": false})))
	if !strings.Contains(string(done), `"ok":true`) || !strings.Contains(string(done), `"sourcesRetracted":1`) {
		t.Errorf("retractSource: %s", done)
	}
	if b, _ := json.Marshal(mustData(t, do(t, api, context.Background(), `{ source(id: "source/test-survey") { id } }`, nil))); string(b) != `{"source":null}` {
		t.Errorf("after the retraction: %s", b)
	}
	// addRelation cites a record by id; an unknown one is refused, naming the field
	add := `mutation($s: ID!) { addRelation(relation: {subject: "person/alla-pugacheva", predicate: "fled-to", object: "country/israel",
		sources: [{source: $s, quote: "She left for Israel, the ministry says."}]}) { ok errors { field message } } }`
	if b, _ := json.Marshal(mustData(t, do(t, api, w, add, map[string]any{"s": "source/test-ministry"}))); !strings.Contains(string(b), `"ok":true`) {
		t.Errorf("addRelation citing the ministry: %s", b)
	}
	if b, _ := json.Marshal(mustData(t, do(t, api, w, add, map[string]any{"s": "source/test-minstry"}))); !strings.Contains(string(b), `"field":"sources[0].source"`) || !strings.Contains(string(b), "did you mean source/test-ministry?") {
		t.Errorf("addRelation citing a mistyped source: %s", b)
	}
	if b, _ := json.Marshal(mustData(t, do(t, api, context.Background(), `{ source(id: "source/test-ministry") { facts } }`, nil))); string(b) != `{"source":{"facts":2}}` {
		t.Errorf("the ministry's facts: %s", b)
	}
	out := do(t, api, context.Background(), `mutation { retractSource(id: "source/test-ministry") { ok } }`, nil)
	if msgs, _ := errorsOf(out); len(msgs) != 1 {
		t.Errorf("a retraction without write access: %v", out)
	}
}
