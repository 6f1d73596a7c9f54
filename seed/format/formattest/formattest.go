// Package formattest holds what the tests of the fact-file formats share:
// a sample changeset that uses every field, comparison of changesets, table
// cases of refused and accepted input, a golden-file check and a fuzz
// harness.
package formattest

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format"
)

var update = flag.Bool("update-formats", false, "rewrite testdata/sample.* of the format packages from the sample changeset")

func fptr(f float64) *float64 { return &f }

// Sample exercises every field of every item: unicode, quotes with
// commas, newlines and double quotes, optional fields left out, several
// sources, quantities with bounds, names instead of ids, a correction, and
// retractions.
func Sample() *graph.Changeset {
	return &graph.Changeset{
		Sources: []graph.SourceChange{
			{Source: graph.SourceRecord{ID: "source/georgia-ministry-2022", Title: "Entries of foreign citizens, 2022", Publisher: "Ministry of Internal Affairs of Georgia",
				Author: "Statistics department", Published: "2023-01", Retrieved: "2026-12-07", URL: "https://example.org/mia/2022?lang=en&page=1",
				Language: "ka", Kind: graph.KindOfficialStatistics, Note: "Entries, not residents; \"stayed\" means no exit recorded.\nSecond line."}},
			// a correction: a field or two
			{Source: graph.SourceRecord{ID: "source/survey", Kind: graph.KindSurvey}},
		},
		Predicates: []graph.PredicateChange{
			{Predicate: graph.Predicate{ID: "fled-to", Label: "fled to", InverseLabel: "received emigrants",
				SubjectTypes: []graph.EntityType{graph.Person, graph.Group, graph.Organization}, ObjectTypes: []graph.EntityType{graph.Country, graph.Place},
				Description: `Left Russia for a country or place, "as a rule"; a count goes in the quantity.`}},
			{Predicate: graph.Predicate{ID: "emigrated", Label: "emigrated", InverseLabel: "emigrants",
				SubjectTypes: []graph.EntityType{graph.Group}, ObjectOptional: true}},
		},
		Entities: []graph.EntityChange{
			{Entity: graph.Entity{ID: "person/chulpan-khamatova", Name: "Chulpan Khamatova", Type: graph.Person,
				Aliases:     []string{"Чулпан Хаматова", "Khamatova, Chulpan"},
				Description: "Actress; left for Latvia.\nSecond line with a \"quote\", a tab\tand a backslash \\."}},
			{Entity: graph.Entity{ID: "country/georgia", Name: "Georgia", Type: graph.Country, Aliases: []string{"საქართველო"}}},
			{Entity: graph.Entity{ID: "group/it-workers", Name: "IT workers", Type: graph.Group}},
			// a correction: no name, no type
			{Entity: graph.Entity{ID: "person/alla-pugacheva", Description: "Corrected description."}, RemoveAliases: []string{"Pugachova", "Alla B."}},
		},
		Relations: []graph.RelationChange{
			{Relation: graph.Relation{ID: "rel/khamatova-latvia", Subject: "person/chulpan-khamatova", Predicate: "fled-to", Object: "Latvia",
				Date: "2022-03", Note: `Stayed; see "Meduza", 2022.`,
				Sources: []graph.Source{
					{Quote: `Chulpan Khamatova, an actress, left for Latvia, saying "I am not a traitor".`, Section: "Notable emigrants",
						Title: "Russian emigration during the Russo-Ukrainian war (2022–present)", URL: "https://en.wikipedia.org/wiki/Russian_emigration_(2022%E2%80%93present)"},
					{Quote: "Second source:\nline two, with a comma."},
				}}},
			{Relation: graph.Relation{Subject: "group/it-workers", Predicate: "emigrated", Date: "2022", EndDate: "2023-06-30",
				Quantity: &graph.Quantity{Amount: 100000, LowerBound: fptr(50000), UpperBound: fptr(170000.5), Unit: "people", Approximation: graph.About},
				Sources: []graph.Source{{Quote: "about 100,000 IT specialists left"},
					{SourceID: "source/georgia-ministry-2022", Quote: "112,000 entered", Section: "Table 2"}}}},
			{Relation: graph.Relation{Subject: "Alla Pugacheva", Predicate: "fled-to", Object: "country/georgia",
				Quantity: &graph.Quantity{Amount: 1e25, Approximation: "ROUGHLY"},
				Sources:  []graph.Source{{Quote: "Pugacheva — «Примадонна» — left", Title: "Only a title"}}}},
		},
		Retractions: []graph.Retraction{
			{Relation: graph.Relation{ID: "rel/0123456789abcdef0123"}},
			{Relation: graph.Relation{Subject: "person/chulpan-khamatova", Predicate: "fled-to", Object: "country/georgia", Date: "2022",
				Quantity: &graph.Quantity{Amount: 3e-9, Approximation: graph.Exact},
				Sources:  []graph.Source{{Quote: "retracted because it was wrong"}}}},
		},
	}
}

// Canonical copies c without Where and with empty lists as nil, so
// that changesets compare by content.
func Canonical(c *graph.Changeset) *graph.Changeset {
	if c == nil {
		return nil
	}
	strs := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		return append([]string(nil), s...)
	}
	types := func(s []graph.EntityType) []graph.EntityType {
		if len(s) == 0 {
			return nil
		}
		return append([]graph.EntityType(nil), s...)
	}
	rel := func(r graph.Relation) graph.Relation {
		if len(r.Sources) == 0 {
			r.Sources = nil
		} else {
			r.Sources = append([]graph.Source(nil), r.Sources...)
		}
		if r.Quantity != nil {
			q := *r.Quantity
			r.Quantity = &q
		}
		return r
	}
	out := &graph.Changeset{}
	for _, s := range c.Sources {
		s.Where = ""
		out.Sources = append(out.Sources, s)
	}
	for _, p := range c.Predicates {
		p.Where = ""
		p.Predicate.SubjectTypes, p.Predicate.ObjectTypes = types(p.Predicate.SubjectTypes), types(p.Predicate.ObjectTypes)
		out.Predicates = append(out.Predicates, p)
	}
	for _, e := range c.Entities {
		e.Where = ""
		e.Entity.Aliases, e.RemoveAliases = strs(e.Entity.Aliases), strs(e.RemoveAliases)
		out.Entities = append(out.Entities, e)
	}
	for _, r := range c.Relations {
		r.Where = ""
		r.Relation = rel(r.Relation)
		out.Relations = append(out.Relations, r)
	}
	for _, r := range c.Retractions {
		r.Where = ""
		r.Relation = rel(r.Relation)
		out.Retractions = append(out.Retractions, r)
	}
	return out
}

// Same reports how got and want differ, or "" when they carry the
// same items (Where aside).
func Same(got, want *graph.Changeset) string {
	g, w := Canonical(got), Canonical(want)
	if reflect.DeepEqual(g, w) {
		return ""
	}
	var b strings.Builder
	gl, wl := lines(g), lines(w)
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var x, y string
		if i < len(gl) {
			x = gl[i]
		}
		if i < len(wl) {
			y = wl[i]
		}
		if x != y {
			b.WriteString("\n got: " + x + "\nwant: " + y)
		}
	}
	if b.Len() == 0 {
		b.WriteString("\n(they differ in a way the listing does not show)\n got: " + DebugString(g) + "\nwant: " + DebugString(w))
	}
	return b.String()
}

// DebugString shows a changeset with its quantities and every slice, nil or not.
func DebugString(c *graph.Changeset) string {
	var b strings.Builder
	rel := func(r graph.Relation) {
		fmt.Fprintf(&b, "%#v", r)
		if r.Quantity != nil {
			fmt.Fprintf(&b, " quantity %#v", *r.Quantity)
		}
		b.WriteString("; ")
	}
	for _, s := range c.Sources {
		fmt.Fprintf(&b, "%#v; ", s)
	}
	for _, p := range c.Predicates {
		fmt.Fprintf(&b, "%#v; ", p)
	}
	for _, e := range c.Entities {
		fmt.Fprintf(&b, "%#v; ", e)
	}
	for _, r := range c.Relations {
		rel(r.Relation)
	}
	for _, r := range c.Retractions {
		rel(r.Relation)
	}
	return b.String()
}

// lines lists the items of c one a line, for diffs.
func lines(c *graph.Changeset) []string {
	var out []string
	for _, s := range c.Sources {
		out = append(out, fmt.Sprintf("source %#v", s.Source))
	}
	for _, p := range c.Predicates {
		out = append(out, fmt.Sprintf("predicate %#v", p.Predicate))
	}
	for _, e := range c.Entities {
		out = append(out, fmt.Sprintf("entity %#v removeAliases %#v", e.Entity, e.RemoveAliases))
	}
	rel := func(kind string, r graph.Relation) string {
		s := fmt.Sprintf("%s %#v", kind, r)
		if r.Quantity != nil {
			s += fmt.Sprintf(" quantity %#v", *r.Quantity)
			if q := r.Quantity; q.LowerBound != nil || q.UpperBound != nil {
				s += fmt.Sprintf(" bounds %v %v", deref(q.LowerBound), deref(q.UpperBound))
			}
		}
		return s
	}
	for _, r := range c.Relations {
		out = append(out, rel("relation", r.Relation))
	}
	for _, r := range c.Retractions {
		out = append(out, rel("retract", r.Relation))
	}
	return out
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// CheckRefused asserts that f refuses input with a problem at where
// ("f.csv:3") naming field (the column, field or "column N").
func CheckRefused(t *testing.T, f format.Format, file, input, where, field string) {
	t.Helper()
	c, err := f.Parse(file, strings.NewReader(input))
	if err == nil {
		t.Fatalf("got no error and %d items, want an error at %s naming %s", c.Len(), where, field)
	}
	wantProblem(t, err, where, field)
}

func wantProblem(t *testing.T, err error, where, field string) {
	t.Helper()
	var ve *graph.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %T %v, want a *graph.ValidationError", err, err)
	}
	want := where + ": " + field + ": "
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.HasPrefix(line, want) {
			t.Logf("%s", err)
			return
		}
	}
	t.Fatalf("got error\n%v\nwant a line starting %q", err, want)
}

// CheckRefusedByGraph asserts that f reads input, as it should since its
// shape is right, and that graph refuses the changeset (planned against an
// empty store) with a problem at where naming field: a domain rule, which
// graph states once for every format.
func CheckRefusedByGraph(t *testing.T, f format.Format, file, input, where, field string) {
	t.Helper()
	c, err := f.Parse(file, strings.NewReader(input))
	if err != nil {
		t.Fatalf("Parse: %v; want the parser to read it and graph to refuse it", err)
	}
	_, err = graph.PlanChangeset(c, emptyView{})
	if err == nil {
		t.Fatalf("graph accepted %d items, want an error at %s naming %s", c.Len(), where, field)
	}
	wantProblem(t, err, where, field)
}

// emptyView is a store with nothing in it.
type emptyView struct{}

func (emptyView) Predicate(string) (*graph.Predicate, error) { return nil, nil }
func (emptyView) Entity(string) (*graph.Entity, error)       { return nil, nil }
func (emptyView) EntityIDsByName(string) ([]string, error)   { return nil, nil }
func (emptyView) Relation(string) (*graph.Relation, error)   { return nil, nil }

// RoundTrip checks that Parse(Write(c)) is c (Where aside) and that
// Write(Parse(Write(c))) and a second Write(c) are the bytes of Write(c).
func RoundTrip(t testing.TB, f format.Format, file string, want *graph.Changeset) {
	t.Helper()
	var first bytes.Buffer
	if err := f.Write(&first, want); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := f.Parse(file, bytes.NewReader(first.Bytes()))
	if err != nil {
		t.Fatalf("Parse(Write(c)): %v\n%s", err, first.String())
	}
	if diff := Same(got, want); diff != "" {
		t.Fatalf("Parse(Write(c)) differs from c:%s\n--- written:\n%s", diff, first.String())
	}
	var second, third bytes.Buffer
	if err := f.Write(&second, got); err != nil {
		t.Fatalf("Write(Parse(Write(c))): %v", err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Fatalf("Write(Parse(Write(c))) is not byte-identical to Write(c):\n--- got:\n%s\n--- want:\n%s", second.String(), first.String())
	}
	if err := f.Write(&third, want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), third.Bytes()) {
		t.Fatalf("Write is not deterministic")
	}
}

// Golden keeps the sample written in the format in testdata/sample.EXT of
// the format's package, as documentation and to notice unintended changes
// of the output (-update-formats rewrites it), and checks that it reads
// back as the sample.
func Golden(t *testing.T, f format.Format, sample *graph.Changeset) {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Write(&buf, sample); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "sample"+f.Extensions[0])
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update-formats in the format's package to write it)", err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("Write(sample) differs from %s (rerun with -update-formats if the change is intended):\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
	c, err := f.Parse(path, bytes.NewReader(want))
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	if diff := Same(c, sample); diff != "" {
		t.Errorf("Parse(%s) differs from the sample:%s", path, diff)
	}
}

// Fuzz seeds a fuzz test with seeds and the golden sample, and
// checks that the parser does not panic, refuses only with a
// *graph.ValidationError whose items name the file, and that whatever it
// reads survives Write → Parse unchanged and Write → Parse → Write byte for
// byte.
func Fuzz(f *testing.F, ft format.Format, file string, seeds ...string) {
	for _, in := range seeds {
		f.Add([]byte(in))
	}
	if golden, err := os.ReadFile(filepath.Join("testdata", "sample"+ft.Extensions[0])); err == nil {
		f.Add(golden)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ft.Parse(file, bytes.NewReader(data))
		if err != nil {
			var ve *graph.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse refused with %T %v, want a *graph.ValidationError", err, err)
			}
			for _, it := range ve.Items {
				if it.Where != "..." && !strings.HasPrefix(it.Where, file) {
					t.Fatalf("problem at %q does not name the file %s", it.Where, file)
				}
			}
			return
		}
		var first bytes.Buffer
		if err := ft.Write(&first, c); err != nil {
			t.Fatalf("Write(Parse(input)): %v", err)
		}
		again, err := ft.Parse(file, bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatalf("Parse(Write(Parse(input))): %v\n--- written:\n%s", err, first.Bytes())
		}
		if diff := Same(again, c); diff != "" {
			t.Fatalf("Parse(Write(c)) differs from c:%s\n--- written:\n%s", diff, first.Bytes())
		}
		var second bytes.Buffer
		if err := ft.Write(&second, again); err != nil {
			t.Fatalf("Write(Parse(Write(c))): %v", err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("Write(Parse(Write(c))) differs from Write(c):\n--- got:\n%q\n--- want:\n%q", second.Bytes(), first.Bytes())
		}
	})
}

// BadInput is an input a parser must refuse, and where the problem is:
// Where is "f.csv:3", Field the column, field or "column N". (An alias of
// an unnamed struct, so that the format packages' tables can list their
// cases without keys.)
type BadInput = struct{ Name, Input, Where, Field string }

// Accepted is an input a parser must read, with a check of the result.
type Accepted = struct {
	Name, Input string
	Check       func(t *testing.T, c *graph.Changeset)
}

// Inputs lists the inputs of the tables, to seed a fuzz test.
func Inputs(bad []BadInput, good []Accepted, extra ...string) []string {
	for _, tt := range bad {
		extra = append(extra, tt.Input)
	}
	for _, tt := range good {
		extra = append(extra, tt.Input)
	}
	return extra
}

// Refuses runs each case as a subtest: f refuses the input, with a problem
// at the case's place and field.
func Refuses(t *testing.T, f format.Format, file string, cases []BadInput) {
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) { CheckRefused(t, f, file, tt.Input, tt.Where, tt.Field) })
	}
}

// RefusedByGraph runs each case as a subtest: f reads the input, and graph
// refuses what it reads at the case's place and field.
func RefusedByGraph(t *testing.T, f format.Format, file string, cases []BadInput) {
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) { CheckRefusedByGraph(t, f, file, tt.Input, tt.Where, tt.Field) })
	}
}
