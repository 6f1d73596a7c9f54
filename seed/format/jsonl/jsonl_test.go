package jsonl_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format/formattest"
	"github.com/emigraph/emigraph/seed/format/jsonl"
)

const jsonlRel = `{"kind":"relation","subject":"person/a","predicate":"fled-to","object":"country/b","sources":[{"quote":"They left."}]}` + "\n"

var jsonlBadInputs = []formattest.BadInput{
	{"unknown field", `{"kind":"entity","id":"person/a","colour":"red"}`, "f.jsonl:1", "colour"},
	{"field in another case", `{"kind":"relation","Subject":"person/a","predicate":"fled-to","sources":[{"quote":"q"}]}`, "f.jsonl:1", "Subject"},
	{"unknown field of a quantity", `{"kind":"relation","subject":"a","predicate":"p","quantity":{"amount":1,"units":"people"},"sources":[{"quote":"q"}]}`, "f.jsonl:1", "quantity.units"},
	{"unknown field of a source", `{"kind":"relation","subject":"a","predicate":"p","sources":[{"quote":"q"},{"quote":"r","page":3}]}`, "f.jsonl:1", "sources[1].page"},
	{"field of another kind", `{"kind":"predicate","id":"fled-to","name":"fled to"}`, "f.jsonl:1", "name"},
	{"missing kind", `{"id":"person/a","name":"Anna"}`, "f.jsonl:1", "kind"},
	{"unknown kind", `{"kind":"person","id":"person/a"}`, "f.jsonl:1", "kind"},
	{"kind not a string", `{"kind":1}`, "f.jsonl:1", "kind"},
	{"number as a string", `{"kind":"relation","subject":"a","predicate":"p","quantity":{"amount":"50,000"},"sources":[{"quote":"q"}]}`, "f.jsonl:1", "quantity.amount"},
	{"number out of range", `{"kind":"relation","subject":"a","predicate":"p","quantity":{"amount":1,"upperBound":1e999},"sources":[{"quote":"q"}]}`, "f.jsonl:1", "quantity.upperBound"},
	{"quantity without amount", `{"kind":"relation","subject":"a","predicate":"p","quantity":{"unit":"people"},"sources":[{"quote":"q"}]}`, "f.jsonl:1", "quantity.amount"},
	{"aliases not a list", `{"kind":"entity","id":"person/a","aliases":"Ann"}`, "f.jsonl:1", "aliases"},
	{"objectOptional not a bool", `{"kind":"predicate","id":"p","objectOptional":"yes"}`, "f.jsonl:1", "objectOptional"},
	{"malformed JSON", `{"kind":"entity","id":"person/a",}`, "f.jsonl:1", "json"},
	{"unterminated object", `{"kind":"entity"`, "f.jsonl:1", "json"},
	{"not an object", `["kind","entity"]`, "f.jsonl:1", "json"},
	{"null", `null`, "f.jsonl:1", "json"},
	{"two objects on a line", `{"kind":"retract","id":"rel/x"} {"kind":"retract","id":"rel/y"}`, "f.jsonl:1", "json"},
	{"invalid UTF-8", "{\"kind\":\"entity\",\"name\":\"\xff\"}", "f.jsonl:1", "json"},
}

// jsonlRefusedByGraph are lines of the right shape that state what graph
// refuses, at the line of the record.
var jsonlRefusedByGraph = []formattest.BadInput{
	{"no sources", `{"kind":"relation","subject":"a","predicate":"p"}`, "f.jsonl:1", "sources"},
	{"empty sources", `{"kind":"relation","subject":"a","predicate":"p","sources":[]}`, "f.jsonl:1", "sources"},
	{"missing quote", `{"kind":"relation","subject":"a","predicate":"p","sources":[{"quote":"q"},{"title":"T"}]}`, "f.jsonl:1", "sources[1].quote"},
	{"line numbers count blank lines", jsonlRel + "\n   \r\n" + `{"kind":"relation","subject":"a","predicate":"p","sources":[{"quote":""}]}`, "f.jsonl:4", "sources[0].quote"},
}

func TestJSONLRefusedByGraph(t *testing.T) {
	formattest.RefusedByGraph(t, jsonl.Format, "f.jsonl", jsonlRefusedByGraph)
}

func TestJSONLRefuses(t *testing.T) {
	formattest.Refuses(t, jsonl.Format, "f.jsonl", jsonlBadInputs)
}

func TestJSONLReportsEveryBadLine(t *testing.T) {
	in := `{"kind":"relation","subject":"a","predicate":"p","quantity":{}}` + "\n" + jsonlRel + `{"kind":"entity","colour":1}` + "\n"
	_, err := jsonl.Parse("f.jsonl", strings.NewReader(in))
	if err == nil {
		t.Fatal("got no error, want two")
	}
	for _, want := range []string{"f.jsonl:1: quantity.amount: ", "f.jsonl:3: colour: "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got error\n%v\nwant it to contain %q", err, want)
		}
	}
}

var jsonlAccepted = []formattest.Accepted{
	{"bad approximation, date and type pass through to the store",
		`{"kind":"entity","id":"person/a","type":"ALIEN"}` + "\n" +
			`{"kind":"relation","subject":"person/a","predicate":"fled-to","date":"2022-13","quantity":{"amount":5,"approximation":"ROUGHLY"},"sources":[{"quote":"q"}]}`,
		func(t *testing.T, c *graph.Changeset) {
			if got, want := c.Relations[0].Relation.Quantity.Approximation, graph.Approximation("ROUGHLY"); got != want {
				t.Errorf("approximation = %q, want %q", got, want)
			}
			if got, want := c.Relations[0].Relation.Date, "2022-13"; got != want {
				t.Errorf("date = %q, want %q", got, want)
			}
			if got, want := c.Entities[0].Entity.Type, graph.EntityType("ALIEN"); got != want {
				t.Errorf("type = %q, want %q", got, want)
			}
		}},
	{"blank lines, CRLF, nulls and a byte order mark",
		"\ufeff" + `{"kind":"entity","id":"person/a","name":"Анна","aliases":null,"removeAliases":[]}` + "\r\n\r\n  \n" +
			`{"kind":"retract","subject":"person/a","predicate":"fled-to","quantity":null}` + "\n",
		func(t *testing.T, c *graph.Changeset) {
			want := &graph.Changeset{
				Entities:    []graph.EntityChange{{Entity: graph.Entity{ID: "person/a", Name: "Анна"}}},
				Retractions: []graph.Retraction{{Relation: graph.Relation{Subject: "person/a", Predicate: "fled-to"}}},
			}
			if diff := formattest.Same(c, want); diff != "" {
				t.Error(diff)
			}
			if got, want := c.Retractions[0].Where, "f.jsonl:4"; got != want {
				t.Errorf("Where = %q, want %q", got, want)
			}
		}},
}

func TestJSONLAccepts(t *testing.T) {
	for _, tt := range jsonlAccepted {
		t.Run(tt.Name, func(t *testing.T) {
			c, err := jsonl.Parse("f.jsonl", strings.NewReader(tt.Input))
			if err != nil {
				t.Fatalf("ParseJSONL: %v", err)
			}
			tt.Check(t, c)
		})
	}
}

// benchJSONL is n lines like those of a large export: entities and
// relations with a quantity and a source.
func benchJSONL(n int) []byte {
	var b strings.Builder
	for i := 0; i < n; i++ {
		id := strconv.Itoa(i)
		if i%3 == 0 {
			b.WriteString(`{"kind":"entity","id":"person/p` + id + `","name":"Person ` + id + `","type":"PERSON","aliases":["Персона ` + id + `"],"description":"Someone who left Russia in 2022."}` + "\n")
			continue
		}
		b.WriteString(`{"kind":"relation","id":"rel/r` + id + `","subject":"person/p` + id + `","predicate":"fled-to","object":"country/georgia","date":"2022-09","quantity":{"amount":` + id + `,"unit":"people","approximation":"ABOUT"},"sources":[{"quote":"About ` + id + ` people left for Georgia, \"the border\" said.","section":"Destinations > Georgia","title":"Russian emigration","url":"https://en.wikipedia.org/wiki/Russian_emigration"}]}` + "\n")
	}
	return []byte(b.String())
}

func BenchmarkParseJSONL(b *testing.B) {
	data := benchJSONL(10000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := jsonl.Parse("b.jsonl", bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	formattest.RoundTrip(t, jsonl.Format, "f.jsonl", formattest.Sample())
}

func TestJSONLGolden(t *testing.T) { formattest.Golden(t, jsonl.Format, formattest.Sample()) }

func FuzzParseJSONL(f *testing.F) {
	formattest.Fuzz(f, jsonl.Format, "f.jsonl", formattest.Inputs(append(jsonlBadInputs, jsonlRefusedByGraph...), jsonlAccepted,
		`{"kind":"relation","subject":"a","predicate":"p","sources":[{"quote":"q"}],"quantity":{"amount":-0,"lowerBound":1e-7}}`,
		`{"kind":"entity","\u006eame":"x","aliases":[""],"removeAliases":[]}`,
		`{"kind":"retract","sources":[{},null]}`,
		`{"kind":"source","source":{"id":"source/x","kind":"survey","language":"en","published":"2023"}}`,
		`{"kind":"source","source":null}`,
		`{"kind":"source","source":{"id":"source/x","editor":"e"}}`,
		`{"kind":"relation","subject":"a\u0000<>&\u2028","predicate":"p","sources":[{"quote":"\ud83d\ude00"}]}`,
	)...)
}
