package schema

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/parser"
	"github.com/graphql-go/graphql/language/source"
	"github.com/graphql-go/graphql/testutil"

	"github.com/emigraph/emigraph/seed/seedtest"
)

func gateAPI(t testing.TB, limits Limits) *API {
	t.Helper()
	api, err := New(context.Background(), seedtest.Open(t), Options{Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// smallest returns the smallest value of a limit that admits query, so
// that a test can show how far below the defaults everyday documents stay.
func smallest(t *testing.T, query string, set func(l *Limits, n int)) int {
	t.Helper()
	doc, err := parser.Parse(parser.ParseParams{Source: query})
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n < 100_000; n++ {
		var l Limits
		set(&l, n)
		if l.scan(query) == nil && l.checkShape(doc) == nil {
			return n
		}
	}
	t.Fatalf("no value of the limit admits the document")
	return 0
}

// Everyday documents (GraphiQL's introspection query, every README example)
// pass the default gate with room to spare: each limit is at least three
// times what the largest of them needs.
func TestGateAdmitsEverydayDocuments(t *testing.T) {
	docs := map[string]string{"GraphiQL's introspection query": testutil.IntrospectionQuery}
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(raw), -1) {
		docs[fmt.Sprintf("README example %d", i+1)] = b[1]
	}
	def := DefaultLimits()
	limits := []struct {
		name string
		set  func(*Limits, int)
		def  int
	}{
		{"tokens", func(l *Limits, n int) { l.MaxTokens = n }, def.MaxTokens},
		{"nesting", func(l *Limits, n int) { l.MaxNesting = n }, def.MaxNesting},
		{"fragments", func(l *Limits, n int) { l.MaxFragments = n }, def.MaxFragments},
		{"selections", func(l *Limits, n int) { l.MaxSelections = n }, def.MaxSelections},
		{"directives", func(l *Limits, n int) { l.MaxDirectives = n }, def.MaxDirectives},
		{"expanded fields", func(l *Limits, n int) { l.MaxExpandedFields = n }, def.MaxExpandedFields},
		{"field repeats", func(l *Limits, n int) { l.MaxFieldRepeats = n }, def.MaxFieldRepeats},
	}
	for _, lim := range limits {
		most, which := 0, ""
		for name, q := range docs {
			if n := smallest(t, q, lim.set); n > most {
				most, which = n, name
			}
		}
		t.Logf("%s: the largest everyday need is %d (%s); the default is %d", lim.name, most, which, lim.def)
		if lim.def < 3*most {
			t.Errorf("%s: the default %d leaves less than three times the %d that %s needs", lim.name, lim.def, most, which)
		}
	}
	api := gateAPI(t, def)
	for name, q := range docs {
		if _, err := api.Prepare(context.Background(), q); err != nil {
			t.Errorf("%s is refused: %v", name, err)
		}
	}
}

// Each limit refuses a document one over it and admits one at it, with a
// message that names the limit.
func TestGateLimits(t *testing.T) {
	repeat := func(s string, n int) string { return strings.Repeat(s, n) }
	for _, tc := range []struct {
		name      string
		limits    Limits
		at, over  string
		mentioned string
	}{
		{"tokens", Limits{MaxTokens: 5}, "{ a b c }", "{ a b c d }", "tokens"},
		{"nesting", Limits{MaxNesting: 3}, "{a{b{c}}}", "{a{b{c{d}}}}", "deeper than 3"},
		{"nesting of values", Limits{MaxNesting: 4}, "{a(b:[[1]])}", "{a(b:[[[1]]])}", "deeper than 4"},
		{"fragments", Limits{MaxFragments: 2}, "{...A} fragment A on Q{a} fragment B on Q{a}", "{...A} fragment A on Q{a} fragment B on Q{a} fragment C on Q{a}", "2 fragments"},
		{"selections", Limits{MaxSelections: 3}, "{a b: c ...F}", "{a b: c ...F ... on Q{d}}", "more than 3 fields"},
		{"selections skip arguments and directives", Limits{MaxSelections: 2}, `{a(x: 1, y: {z: 2}) @skip(if: true) b @include(if: false)}`, "{a b c}", "more than 2 fields"},
		{"directives", Limits{MaxDirectives: 2}, "{a @x @y(z: 1) b @x @y}", "{a @x @y(z: 1) @w}", "more than 2 directives"},
		{"expanded fields", Limits{MaxExpandedFields: 6}, "{...A ...A} fragment A on Q{a b c}", "{...A ...A a} fragment A on Q{a b c}", "expands to more than 6"},
		{"field repeats", Limits{MaxFieldRepeats: 3}, "{a a ...F} fragment F on Q{a}", "{a a ...F ... on Q{a}} fragment F on Q{a}", `3 fields named "a"`},
		{"field repeats under an alias", Limits{MaxFieldRepeats: 2}, "{x: a x: b}", "{x: a x: b x: c}", `2 fields named "x"`},
		{"tokens of a big document", Limits{MaxTokens: 1000}, "{" + repeat("a ", 998) + "}", "{" + repeat("a ", 999) + "}", "tokens"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := func(q string) *PrepareError {
				if pe := tc.limits.scan(q); pe != nil {
					return pe
				}
				doc, err := parser.Parse(parser.ParseParams{Source: q})
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				return tc.limits.checkShape(doc)
			}
			if pe := check(tc.at); pe != nil {
				t.Errorf("%s is refused at the limit: %v", tc.at, pe)
			}
			pe := check(tc.over)
			if pe == nil {
				t.Fatalf("%s is admitted over the limit", tc.over)
			}
			if !strings.Contains(pe.Error(), tc.mentioned) {
				t.Errorf("the refusal %q does not say %q", pe.Error(), tc.mentioned)
			}
			if code := pe.Errors[0].Extensions["code"]; code != "limit_exceeded" {
				t.Errorf("code %v, want limit_exceeded", code)
			}
		})
	}
}

// Fragment cycles are refused before graphql-go's validation (whose
// overlapping-fields rule would overflow the stack on them), with the cycle
// named.
func TestGateRefusesFragmentCycles(t *testing.T) {
	for q, want := range map[string]string{
		`{__typename} fragment A on Query{...A}`:                                                                 `"A" within itself via A`,
		`{__typename} fragment A on Query{...B} fragment B on Query{... on Query{...A}}`:                         `"A" within itself via B → A`,
		`{...A} fragment A on Query{entity(id:"x"){...B}} fragment B on Entity{...C} fragment C on Entity{...B}`: `"B" within itself via C → B`,
	} {
		doc, err := parser.Parse(parser.ParseParams{Source: q})
		if err != nil {
			t.Fatal(err)
		}
		pe := Limits{}.checkShape(doc)
		if pe == nil || !strings.Contains(pe.Error(), want) {
			t.Errorf("%s: %v, want a refusal saying %s", q, pe, want)
		}
	}
}

// Validation errors carry the line and column graphql-go gives them,
// although the rules ran over an empty body (see prepare).
func TestValidationErrorsAreLocatedLikeGraphQLGo(t *testing.T) {
	api := gateAPI(t, DefaultLimits())
	s := api.Schema()
	for _, q := range []string{
		"{\n  nope\n  entity(id: \"x\") { alsoNope }\n}",
		"{\r\n  nope\r\n  entity(id: \"x\") {\r alsoNope }\r\n}",
		"query($unused: Int) {\n\n\n    __typename @unknown\n}",
		"# a comment\n{ a: entity(id: \"x\") { id } a: entity(id: \"y\") { id } }",
		"{ entity(id: \"żółć\") { nope } }\n{ nope }",
	} {
		doc, err := parser.Parse(parser.ParseParams{Source: source.NewSource(&source.Source{Body: []byte(q), Name: "GraphQL request"})})
		if err != nil {
			t.Fatal(err)
		}
		want := graphql.ValidateDocument(&s, doc, nil).Errors
		_, perr := api.Prepare(context.Background(), q)
		pe, ok := perr.(*PrepareError)
		if !ok || len(pe.Errors) != len(want) {
			t.Fatalf("%q: %v, want %d errors", q, perr, len(want))
		}
		for i := range want {
			if fmt.Sprint(pe.Errors[i].Locations) != fmt.Sprint(want[i].Locations) {
				t.Errorf("%q: error %q at %v, graphql-go says %v", q, want[i].Message, pe.Errors[i].Locations, want[i].Locations)
			}
		}
	}
}

// FuzzGate holds the gate to two promises. Whatever it admits, graphql-go
// parses and validates without crashing, quickly; and it is never stricter
// than graphql-go's lexer: a document graphql-go parses is never refused by
// the gate as a syntax error.
func FuzzGate(f *testing.F) {
	api := gateAPI(f, DefaultLimits())
	for _, seed := range []string{
		testutil.IntrospectionQuery,
		`{__typename} fragment A on Query{...A}`,
		`query($a:) {a}`,
		`{ entity(id: "country/georgia") { name ... on Country { receivedEmigrants(first: 3) { totalCount } } } }`,
		`{ search(text: "\u00e9\"\\", types: [PERSON]) @skip(if: false) { id } }`,
		"{ a(b: \"\"\"block \\\"\"\" string\"\"\") }",
		`{ a(b: -0.5e+10, c: [1, 2, {d: $e}]) }`,
		"\ufeff# comment\r\n{ a, b }",
		`{ a(b: 01) }`,
		`{ a . b }`,
		`{ a(b: "\u12") }`,
	} {
		f.Add(seed)
	}
	limits := DefaultLimits()
	f.Fuzz(func(t *testing.T, q string) {
		pe := limits.scan(q)
		_, parseErr := parser.Parse(parser.ParseParams{Source: q})
		if pe != nil && pe.Stage == "parse" && parseErr == nil {
			t.Fatalf("the gate refuses %q as a syntax error (%v), graphql-go parses it", q, pe)
		}
		if pe != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := api.Prepare(ctx, q)
		if ctx.Err() != nil {
			t.Fatalf("preparing %q took longer than 5 s: %v", q, err)
		}
	})
}

// The null literal, which graphql-go does not parse, reads as leaving the
// value out; a null inside a list is refused with what to do.
func TestNullLiteral(t *testing.T) {
	api := gateAPI(t, DefaultLimits())
	for _, tc := range []struct{ query, want string }{
		{`{ entities(first: 2, after: null) { totalCount } }`, `"totalCount"`},
		{`{ entities(after: null) { totalCount } }`, `"totalCount"`},
		{`{ relations(subject: "Georgia", predicate: null, from: null, to: "2023") { totalCount } }`, `"totalCount"`},
		{"query($a: String = null) {\n entities(after: $a) { totalCount } }", `"totalCount"`},
		{`{ search(text: "Georgia", types: [null]) { id } }`, `leave the value out`},
		{`{ entity(id: "country/georgia") { name nullField: id } }`, `"nullField"`},
	} {
		res := api.Do(context.Background(), Request{Query: tc.query})
		got := fmt.Sprint(res.Data) + fmt.Sprint(res.Errors)
		raw, _ := json.Marshal(res)
		if !strings.Contains(string(raw), tc.want) {
			t.Errorf("%s: %s (%s), want %s", tc.query, raw, got, tc.want)
		}
	}
	// positions in errors stay true after null is blanked out
	res := api.Do(context.Background(), Request{Query: "{ entities(after: null) {\n  nope } }"})
	if len(res.Errors) != 1 || fmt.Sprint(res.Errors[0].Locations) != "[{2 3}]" {
		t.Errorf("the error's location moved: %v", res.Errors)
	}
}
