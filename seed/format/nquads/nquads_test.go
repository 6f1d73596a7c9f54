package nquads_test

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format/formattest"
	"github.com/emigraph/emigraph/seed/format/nquads"
)

// Short forms of the vocabulary for the test inputs.
const (
	nqType   = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
	nqXSD    = "http://www.w3.org/2001/XMLSchema#"
	nqPersA  = "<https://emigraph.org/id/person/a>"
	nqCtryB  = "<https://emigraph.org/id/country/b>"
	nqRelX   = "<https://emigraph.org/id/rel/x>"
	nqFledTo = "<https://emigraph.org/predicate/fled-to>"
)

func ont(name string) string { return "<https://emigraph.org/ontology/" + name + ">" }

// nqLines joins statements into a file, one per line.
func nqLines(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// nqRelation is a complete relation node rel/x with one source.
var nqRelation = []string{
	nqRelX + " " + nqType + " " + ont("Relation") + " .",
	nqRelX + " " + ont("subject") + " " + nqPersA + " .",
	nqRelX + " " + ont("predicate") + " " + nqFledTo + " .",
	nqRelX + " " + ont("object") + " " + nqCtryB + " .",
	nqRelX + " " + ont("source") + " _:s .",
	`_:s ` + ont("quote") + ` "They left." .`,
}

// relationWith is nqRelation with more statements after it.
func relationWith(more ...string) string {
	return nqLines(append(append([]string(nil), nqRelation...), more...)...)
}

// colOf is the column ("column N", counting characters from 1) where marker
// first occurs in line.
func colOf(line, marker string) string {
	i := strings.Index(line, marker)
	if i < 0 {
		panic("marker " + marker + " not in " + line)
	}
	return "column " + strconv.Itoa(utf8.RuneCountInString(line[:i])+1)
}

// syntaxCase is a one-line input with its error at marker.
func syntaxCase(name, line, marker string) formattest.BadInput {
	return formattest.BadInput{name, line + "\n", "f.nq:1", colOf(line, marker)}
}

var nqBadInputs = []formattest.BadInput{
	// syntax
	syntaxCase("unterminated IRI", nqPersA[:20]+" "+ont("name")+` "Anna" .`, "<"),
	syntaxCase("unterminated IRI at the end of the line", nqPersA+" "+ont("name")+" <https://example.org/x", "<https://example.org/x"),
	syntaxCase("unterminated string", nqPersA+" "+ont("name")+` "Anna .`, `"Anna`),
	syntaxCase("bad escape", nqPersA+" "+ont("name")+` "Чулпан \q" .`, `\q`),
	syntaxCase("bad \\u escape", nqPersA+" "+ont("name")+` "A\u12G4" .`, `\u`),
	syntaxCase("short \\U escape", nqPersA+" "+ont("name")+` "A\U0001F60" .`, `\U`),
	syntaxCase("surrogate escape", nqPersA+" "+ont("name")+` "A\uD800" .`, `\u`),
	syntaxCase("escape beyond Unicode", nqPersA+" "+ont("name")+` "A\U00110000" .`, `\U`),
	syntaxCase("string escape in an IRI", `<https://emigraph.org/id/a\nb> `+ont("name")+` "A" .`, `\n`),
	syntaxCase("character not allowed in an IRI", `<https://emigraph.org/id/{a}> `+ont("name")+` "A" .`, `{`),
	syntaxCase("relative IRI", `<person/a> `+ont("name")+` "A" .`, `<person/a>`),
	{"missing dot", nqPersA + " " + ont("name") + " \"A\"\n", "f.nq:1", "column " + strconv.Itoa(utf8.RuneCountInString(nqPersA+" "+ont("name")+" \"A\"")+1)},
	syntaxCase("text after the dot", nqPersA+" "+ont("name")+` "A" . "B"`, `"B"`),
	syntaxCase("two statements on a line", nqPersA+" "+ont("name")+` "A" . <https://emigraph.org/id/person/c> `+ont("name")+` "C" .`, "<https://emigraph.org/id/person/c>"),
	syntaxCase("literal as subject", `"Anna" `+ont("name")+` "A" .`, `"Anna"`),
	syntaxCase("blank node as predicate", nqPersA+` _:p "A" .`, `_:p`),
	syntaxCase("literal as graph", nqPersA+" "+ont("name")+` "A" "g" .`, `"g"`),
	syntaxCase("empty blank node label", `_: `+ont("quote")+` "A" .`, `_:`),
	syntaxCase("bad language tag", nqPersA+" "+ont("name")+` "A"@ .`, `@`),
	syntaxCase("datatype without an IRI", nqRelX+" "+ont("amount")+` "5"^^xsd:decimal .`, `xsd:`),
	syntaxCase("something else", nqPersA+" "+ont("name")+` 'A' .`, `'A'`),
	{"invalid UTF-8", nqPersA + " " + ont("name") + " \"A\xffB\" .\n", "f.nq:1", colOf(nqPersA+" "+ont("name")+" \"A\xffB\" .", "\xff")},
	{"line numbers count comments, blank lines and CR", "# a comment\n\n\r\n" + nqPersA + " " + ont("name") + "\r" + nqPersA + " " + ont("name") + " \"A\" .\n", "f.nq:4", "column " + strconv.Itoa(len(nqPersA+" "+ont("name"))+1)},

	// vocabulary
	{"unknown property", nqLines(nqPersA+" "+nqType+" "+ont("Person")+" .", nqPersA+" "+ont("nam")+` "Anna" .`), "f.nq:2", "nam"},
	{"foreign predicate", nqLines(nqPersA+" "+nqType+" "+ont("Person")+" .", nqPersA+` <http://www.w3.org/2000/01/rdf-schema#label> "Anna" .`), "f.nq:2", "predicate"},
	{"unknown class", nqLines(nqPersA + " " + nqType + " " + ont("Human") + " ."), "f.nq:1", "rdf:type"},
	{"foreign class", nqLines(nqPersA + " " + nqType + " <https://schema.org/Person> ."), "f.nq:1", "rdf:type"},
	{"two classes", nqLines(nqPersA+" "+nqType+" "+ont("Person")+" .", nqPersA+" "+nqType+" "+ont("Country")+" ."), "f.nq:2", "rdf:type"},
	{"no rdf:type", nqLines(nqPersA + " " + ont("name") + ` "Anna" .`), "f.nq:1", "rdf:type"},
	{"property of another kind", relationWith(nqRelX + " " + ont("name") + ` "X" .`), "f.nq:7", "name"},
	{"two values of a single property", nqLines(nqPersA+" "+nqType+" "+ont("Person")+" .", nqPersA+" "+ont("name")+` "Anna" .`, nqPersA+" "+ont("name")+` "Anya" .`), "f.nq:3", "name"},
	{"name as an IRI", nqLines(nqPersA+" "+nqType+" "+ont("Person")+" .", nqPersA+" "+ont("name")+" "+nqCtryB+" ."), "f.nq:2", "name"},
	{"entity as a blank node", nqLines("_:e " + nqType + " " + ont("Person") + " ."), "f.nq:1", "id"},
	{"entity outside the id namespace", nqLines("<http://www.wikidata.org/entity/Q1> " + nqType + " " + ont("Person") + " ."), "f.nq:1", "id"},
	{"predicate outside its namespace", nqLines("<https://emigraph.org/id/fled-to> " + nqType + " " + ont("Predicate") + " ."), "f.nq:1", "id"},
	{"bad objectOptional", nqLines(nqFledTo+" "+nqType+" "+ont("Predicate")+" .", nqFledTo+" "+ont("objectOptional")+` "maybe" .`), "f.nq:2", "objectOptional"},
	{"subjectType not a class", nqLines(nqFledTo+" "+nqType+" "+ont("Predicate")+" .", nqFledTo+" "+ont("subjectType")+` "PERSON" .`), "f.nq:2", "subjectType"},
	{"subjectType a class that is not an entity type", nqLines(nqFledTo+" "+nqType+" "+ont("Predicate")+" .", nqFledTo+" "+ont("subjectType")+" "+ont("Relation")+" ."), "f.nq:2", "subjectType"},

	// relations
	{"source as a literal", nqLines(append(append([]string(nil), nqRelation[:4]...), nqRelX+" "+ont("source")+` "They left." .`)...), "f.nq:5", "source"},
	{"source that is a relation", relationWith(nqRelX + " " + ont("source") + " " + nqRelX + " ."), "f.nq:7", "source"},
	{"subject as a blank node", nqLines(nqRelation[0], nqRelX+" "+ont("subject")+" _:who .", nqRelation[4], nqRelation[5]), "f.nq:2", "subject"},
	{"subject outside the id namespace", nqLines(nqRelX+" "+nqType+" "+ont("Relation")+" .", nqRelX+" "+ont("subject")+" <http://www.wikidata.org/entity/Q1> .", nqRelX+" "+ont("source")+" _:s .", `_:s `+ont("quote")+` "q" .`), "f.nq:2", "subject"},
	{"predicate as a literal", nqLines(nqRelX+" "+nqType+" "+ont("Relation")+" .", nqRelX+" "+ont("predicate")+` "fled-to" .`, nqRelX+" "+ont("source")+" _:s .", `_:s `+ont("quote")+` "q" .`), "f.nq:2", "predicate"},
	{"malformed number", relationWith(nqRelX + " " + ont("amount") + ` "fifty"^^<` + nqXSD + `decimal> .`), "f.nq:7", "amount"},
	{"NaN", relationWith(nqRelX + " " + ont("amount") + ` "NaN"^^<` + nqXSD + `double> .`), "f.nq:7", "amount"},
	{"infinite bound", relationWith(nqRelX+" "+ont("amount")+` "5" .`, nqRelX+" "+ont("upperBound")+` "INF"^^<`+nqXSD+`double> .`), "f.nq:8", "upperBound"},
	{"number with a language tag", relationWith(nqRelX + " " + ont("amount") + ` "5"@en .`), "f.nq:7", "amount"},
	{"number of another datatype", relationWith(nqRelX + " " + ont("amount") + ` "5"^^<` + nqXSD + `boolean> .`), "f.nq:7", "amount"},
	{"unit without amount", relationWith(nqRelX + " " + ont("unit") + ` "people" .`), "f.nq:1", "amount"},
	{"relation outside the id namespace", nqLines("<http://example.org/r> " + nqType + " " + ont("Retraction") + " ."), "f.nq:1", "id"},

	// plain triples
	{"plain triple in a graph that is not a source", nqLines(nqPersA+" "+nqFledTo+" "+nqCtryB+" "+nqPersA+" .", nqPersA+" "+nqType+" "+ont("Person")+" ."), "f.nq:1", "source"},
	{"plain triple with a blank subject", nqLines("_:x " + nqFledTo + " " + nqCtryB + " <https://example.org/g> ."), "f.nq:1", "subject"},
	{"plain triple with a blank object", nqLines(nqPersA + " " + nqFledTo + " _:x <https://example.org/g> ."), "f.nq:1", "object"},
	{"plain triple with a foreign object", nqLines(nqPersA + " " + nqFledTo + " <http://www.wikidata.org/entity/Q230> <https://example.org/g> ."), "f.nq:1", "object"},
}

// nqRefusedByGraph are files of the right shape that state what graph
// refuses, at the line of the relation.
var nqRefusedByGraph = []formattest.BadInput{
	{"relation without a source", nqLines(nqRelation[:4]...), "f.nq:1", "sources"},
	{"source without a quote", nqLines(append(append([]string(nil), nqRelation[:5]...), `_:s `+ont("title")+` "T" .`)...), "f.nq:1", "sources[0].quote"},
	{"source that is not described", nqLines(nqRelation[:5]...), "f.nq:1", "sources[0].quote"},
	{"plain triple without a quote", nqLines(nqPersA + " " + nqFledTo + " " + nqCtryB + " ."), "f.nq:1", "sources"},
	{"plain triple unlike its relation node", relationWith(nqPersA + " " + nqFledTo + ` "Latvia" .`), "f.nq:7", "sources"},
	{"plain triple in a graph without a quote", nqLines(nqPersA+" "+nqFledTo+" "+nqCtryB+" _:g .", `_:g `+ont("title")+` "T" .`), "f.nq:1", "sources[0].quote"},
	{"plain triple in an undescribed graph", nqLines(nqPersA + " " + nqFledTo + " " + nqCtryB + " <https://example.org/g> ."), "f.nq:1", "sources[0].quote"},
}

func TestNQuadsRefusedByGraph(t *testing.T) {
	formattest.RefusedByGraph(t, nquads.Format, "f.nq", nqRefusedByGraph)
}

func TestNQuadsRefuses(t *testing.T) {
	formattest.Refuses(t, nquads.Format, "f.nq", nqBadInputs)
}

var nqAccepted = []formattest.Accepted{
	{"bad approximation and date pass through to the store",
		relationWith(nqRelX+" "+ont("amount")+` "5"^^<`+nqXSD+`integer> .`, nqRelX+" "+ont("approximation")+` "ROUGHLY" .`, nqRelX+" "+ont("date")+` "2022-13" .`),
		func(t *testing.T, c *graph.Changeset) {
			r := c.Relations[0].Relation
			if got, want := r.Quantity.Approximation, graph.Approximation("ROUGHLY"); got != want {
				t.Errorf("approximation = %q, want %q", got, want)
			}
			if got, want := r.Date, "2022-13"; got != want {
				t.Errorf("date = %q, want %q", got, want)
			}
		}},
	{"the plain triple beside its relation node adds nothing",
		relationWith(nqPersA + " " + nqFledTo + " " + nqCtryB + " ."),
		func(t *testing.T, c *graph.Changeset) {
			want := &graph.Changeset{Relations: []graph.RelationChange{{Relation: graph.Relation{ID: "rel/x", Subject: "person/a", Predicate: "fled-to",
				Object: "country/b", Sources: []graph.Source{{Quote: "They left."}}}}}}
			if diff := formattest.Same(c, want); diff != "" {
				t.Error(diff)
			}
			if got, want := c.Relations[0].Where, "f.nq:1"; got != want {
				t.Errorf("Where = %q, want %q", got, want)
			}
		}},
	{"plain triples in a named graph are sourced from the graph",
		"# Wikidata-style extract\n" +
			nqLines(
				`<https://emigraph.org/source/meduza> `+ont("quote")+` "Khamatova left for Latvia; Pugacheva for Israel." .`,
				`<https://emigraph.org/source/meduza> `+ont("url")+` <https://meduza.io/x> .`,
				nqPersA+" "+nqFledTo+" "+nqCtryB+" <https://emigraph.org/source/meduza> .",
				nqPersA+" "+nqFledTo+` "Israel"@en <https://emigraph.org/source/meduza> .`,
			),
		func(t *testing.T, c *graph.Changeset) {
			src := []graph.Source{{Quote: "Khamatova left for Latvia; Pugacheva for Israel.", URL: "https://meduza.io/x"}}
			want := &graph.Changeset{Relations: []graph.RelationChange{
				{Relation: graph.Relation{Subject: "person/a", Predicate: "fled-to", Object: "country/b", Sources: src}},
				{Relation: graph.Relation{Subject: "person/a", Predicate: "fled-to", Object: "Israel", Sources: src}},
			}}
			if diff := formattest.Same(c, want); diff != "" {
				t.Error(diff)
			}
			if got, want := c.Relations[1].Where, "f.nq:5"; got != want {
				t.Errorf("Where = %q, want %q", got, want)
			}
		}},
	{"syntax: comments, tabs, CRLF, escapes, language tags, datatypes and no space before the dot",
		"\ufeff# comment\r\n" +
			nqPersA + "\t" + nqType + "\t" + ont("Person") + "\t.\t# trailing comment\r\n" +
			nqPersA + " " + ont("name") + ` "Chulpan \"Ch.\" Khamatova\u0021 \U0001F600 \t\b\f\r\n\\\'"@ru-Latn-x-1.` + "\r" +
			nqPersA + " " + ont("aliases") + ` "Хаматова"^^<` + nqXSD + `string>.` + "\n" +
			`<https://emigraph.org/id/person/b\u0021> ` + nqType + " " + ont("Entity") + " .\n" +
			`_:r.1 ` + nqType + " " + ont("Retraction") + ".\n" +
			`_:r.1 ` + ont("subject") + ` "Anna"` + ".\n" +
			`_:r.1 ` + ont("date") + ` "2022"^^<` + nqXSD + `gYear> .` + "\n" +
			`_:r.1 ` + ont("amount") + ` "-2.5E3"^^<` + nqXSD + `double> .` + "\n" +
			`_:r.1 ` + ont("source") + ` _:s .` + "\n" +
			`_:s ` + ont("url") + ` <https://example.org/a%20b> .`,
		func(t *testing.T, c *graph.Changeset) {
			want := &graph.Changeset{
				Entities: []graph.EntityChange{
					{Entity: graph.Entity{ID: "person/a", Type: graph.Person, Name: "Chulpan \"Ch.\" Khamatova! 😀 \t\b\f\r\n\\'", Aliases: []string{"Хаматова"}}},
					{Entity: graph.Entity{ID: "person/b!"}},
				},
				Retractions: []graph.Retraction{{Relation: graph.Relation{Subject: "Anna", Date: "2022", Quantity: &graph.Quantity{Amount: -2500},
					Sources: []graph.Source{{URL: "https://example.org/a%20b"}}}}},
			}
			if diff := formattest.Same(c, want); diff != "" {
				t.Error(diff)
			}
		}},
	{"items come out in the order of their first line",
		nqLines(
			`<https://emigraph.org/id/person/z> `+nqType+" "+ont("Person")+" .",
			nqPersA+" "+ont("name")+` "A" .`,
			`<https://emigraph.org/id/person/z> `+ont("name")+` "Z" .`,
			nqPersA+" "+nqType+" "+ont("Person")+" .",
		),
		func(t *testing.T, c *graph.Changeset) {
			if len(c.Entities) != 2 || c.Entities[0].Entity.ID != "person/z" || c.Entities[1].Entity.ID != "person/a" {
				t.Fatalf("entities = %+v, want person/z then person/a", c.Entities)
			}
			if got, want := c.Entities[1].Where, "f.nq:2"; got != want {
				t.Errorf("Where = %q, want %q", got, want)
			}
		}},
}

func TestNQuadsAccepts(t *testing.T) {
	for _, tt := range nqAccepted {
		t.Run(tt.Name, func(t *testing.T) {
			c, err := nquads.Parse("f.nq", strings.NewReader(tt.Input))
			if err != nil {
				t.Fatalf("ParseNQuads: %v", err)
			}
			tt.Check(t, c)
		})
	}
}

// TestNQuadsWriterEscapes checks the canonical escapes of the writer and
// that relation ids and references that are not slugs survive.
func TestNQuadsWriterEscapes(t *testing.T) {
	c := &graph.Changeset{
		Entities: []graph.EntityChange{{Entity: graph.Entity{ID: "odd id/with <brackets> and \\", Name: "\x00\x07\x1f\x7f\"\\\n\r\t\b\f", Type: graph.Place}}},
		Relations: []graph.RelationChange{{Relation: graph.Relation{ID: "not a slug", Subject: "odd id/with <brackets> and \\", Predicate: "p q",
			Object: "person/a", Sources: []graph.Source{{Quote: "q"}}}}},
	}
	var buf bytes.Buffer
	if err := nquads.Write(&buf, c); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		`<https://emigraph.org/id/odd\u0020id/with\u0020\u003Cbrackets\u003E\u0020and\u0020\u005C>`,
		`"\u0000\u0007\u001F\u007F\"\\\n\r\t\b\f"`,
		`<https://emigraph.org/predicate/p\u0020q>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteNQuads output does not contain %s:\n%s", want, out)
		}
	}
	got, err := nquads.Parse("f.nq", strings.NewReader(out))
	if err != nil {
		t.Fatalf("ParseNQuads(WriteNQuads(c)): %v\n%s", err, out)
	}
	if diff := formattest.Same(got, c); diff != "" {
		t.Errorf("ParseNQuads(WriteNQuads(c)) differs:%s", diff)
	}
}

func TestNQuadsRoundTrip(t *testing.T) {
	formattest.RoundTrip(t, nquads.Format, "f.nq", formattest.Sample())
}

func TestNQuadsGolden(t *testing.T) { formattest.Golden(t, nquads.Format, formattest.Sample()) }

func FuzzParseNQuads(f *testing.F) {
	formattest.Fuzz(f, nquads.Format, "f.nq", formattest.Inputs(append(nqBadInputs, nqRefusedByGraph...), nqAccepted,
		nqLines(`<x:y> `+nqType+` `+ont("Entity")+` .`),
		nqLines(`_:a.b. `+ont("quote")+` "\uFFFD\u0000" .`, nqPersA+` `+nqFledTo+` "x" _:a.b .`),
		nqLines(nqPersA+` `+nqFledTo+` `+nqPersA+` _:g .`, `_:g `+ont("quote")+` "q" .`, `_:g `+ont("quote")+` "q" .`),
		nqLines(append(append([]string(nil), nqRelation...), nqRelX+` `+ont("source")+` _:s .`)...),
	)...)
}

// TestNQuadsNumbersForDgraph: numbers are written as xsd:int (whole, within
// 32 bits) or xsd:double, datatypes Dgraph's loaders take, never
// xsd:decimal, and read back as the same float64.
func TestNQuadsNumbersForDgraph(t *testing.T) {
	for _, tt := range []struct {
		n    float64
		want string
	}{
		{50000, `"50000"^^<` + nqXSD + `int>`},
		{-3, `"-3"^^<` + nqXSD + `int>`},
		{0, `"0"^^<` + nqXSD + `int>`},
		{2147483647, `"2147483647"^^<` + nqXSD + `int>`},
		{-2147483648, `"-2147483648"^^<` + nqXSD + `int>`},
		{2147483648, `"2147483648"^^<` + nqXSD + `double>`},
		{5e9, `"5000000000"^^<` + nqXSD + `double>`},
		{2.5, `"2.5"^^<` + nqXSD + `double>`},
		{170000.5, `"170000.5"^^<` + nqXSD + `double>`},
		{1e25, `"1e+25"^^<` + nqXSD + `double>`},
		{3e-9, `"3e-09"^^<` + nqXSD + `double>`},
		{0.1, `"0.1"^^<` + nqXSD + `double>`},
		{math.Copysign(0, -1), `"-0"^^<` + nqXSD + `double>`},
		{math.MaxFloat64, `"1.7976931348623157e+308"^^<` + nqXSD + `double>`},
	} {
		c := &graph.Changeset{Relations: []graph.RelationChange{{Relation: graph.Relation{Subject: "person/a", Predicate: "fled-to",
			Object: "country/b", Quantity: &graph.Quantity{Amount: tt.n}, Sources: []graph.Source{{Quote: "q"}}}}}}
		var buf bytes.Buffer
		if err := nquads.Write(&buf, c); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), ont("amount")+" "+tt.want+" .") {
			t.Errorf("%v is not written as %s:\n%s", tt.n, tt.want, buf.String())
		}
		got, err := nquads.Parse("f.nq", &buf)
		if err != nil {
			t.Fatal(err)
		}
		if a := got.Relations[0].Relation.Quantity.Amount; math.Float64bits(a) != math.Float64bits(tt.n) {
			t.Errorf("%v reads back as %v", tt.n, a)
		}
	}
}

// TestNQuadsReadsOlderNumbers: exports from before xsd:int and xsd:double
// wrote xsd:decimal, which is still read, as are the other numeric types.
func TestNQuadsReadsOlderNumbers(t *testing.T) {
	for dt, want := range map[string]float64{"decimal": 170000.5, "integer": 50000, "int": 7, "double": 1e25, "long": 9000000000, "float": 2.5} {
		v := strconv.FormatFloat(want, 'f', -1, 64)
		c, err := nquads.Parse("f.nq", strings.NewReader(relationWith(nqRelX+" "+ont("amount")+` "`+v+`"^^<`+nqXSD+dt+`> .`)))
		if err != nil {
			t.Fatalf("xsd:%s: %v", dt, err)
		}
		if got := c.Relations[0].Relation.Quantity.Amount; got != want {
			t.Errorf("xsd:%s %q reads as %v", dt, v, got)
		}
	}
}
