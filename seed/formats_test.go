package seed_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/seed/format/formattest"
)

func fptr(f float64) *float64 { return &f }

// formatCase is a format under test with the file name its errors use.
type formatCase struct {
	name string
	file string
}

var testedFormats = []formatCase{{"csv", "f.csv"}, {"jsonl", "f.jsonl"}, {"nquads", "f.nq"}}

// fileOf names a file of a format for its errors.
var fileOf = map[string]string{"native": "f.yaml", "csv": "f.csv", "jsonl": "f.jsonl", "nquads": "f.nq"}

func mustFormat(t testing.TB, name string) seed.Format {
	t.Helper()
	f, ok := seed.FormatByName(name)
	if !ok {
		t.Fatalf("FormatByName(%q): not found", name)
	}
	return f
}

func TestFormatEmpty(t *testing.T) {
	for _, fc := range append(testedFormats, formatCase{"native", "f.yaml"}) {
		t.Run(fc.name, func(t *testing.T) {
			f := mustFormat(t, fc.name)
			c, err := f.Parse(fc.file, strings.NewReader(""))
			if err != nil {
				t.Fatalf("Parse(empty): %v", err)
			}
			if got, want := c.Len(), 0; got != want {
				t.Fatalf("Parse(empty) has %d items, want %d", got, want)
			}
			var first bytes.Buffer
			if err := f.Write(&first, &graph.Changeset{}); err != nil {
				t.Fatal(err)
			}
			c, err = f.Parse(fc.file, bytes.NewReader(first.Bytes()))
			if err != nil {
				t.Fatalf("Parse(Write(empty)): %v", err)
			}
			if got, want := c.Len(), 0; got != want {
				t.Fatalf("Parse(Write(empty)) has %d items, want %d", got, want)
			}
		})
	}
}

// TestFormatWriteRefuses checks that writers refuse what their parser could
// not read back, instead of writing a file that does not load.
func TestFormatWriteRefuses(t *testing.T) {
	nan := &graph.Changeset{Relations: []graph.RelationChange{{Relation: graph.Relation{Subject: "a", Predicate: "p",
		Quantity: &graph.Quantity{Amount: 1, UpperBound: fptr(inf())}, Sources: []graph.Source{{Quote: "q"}}}}}}
	for _, fc := range testedFormats {
		f := mustFormat(t, fc.name)
		for name, c := range map[string]*graph.Changeset{"infinite bound": nan} {
			if err := f.Write(&bytes.Buffer{}, c); err == nil {
				t.Errorf("%s: Write(%s): got no error, want one", fc.name, name)
			}
		}
	}
	pipe := &graph.Changeset{Entities: []graph.EntityChange{{Entity: graph.Entity{ID: "person/x", Name: "X", Type: graph.Person, Aliases: []string{"a|b"}}}}}
	if err := mustFormat(t, "csv").Write(&bytes.Buffer{}, pipe); err == nil || !strings.Contains(err.Error(), "aliases") {
		t.Errorf("WriteCSV(alias with |): got %v, want an error naming aliases", err)
	}
	dup := &graph.Changeset{Entities: []graph.EntityChange{{Entity: graph.Entity{ID: "person/x"}}, {Entity: graph.Entity{ID: "person/x"}}}}
	if err := mustFormat(t, "nquads").Write(&bytes.Buffer{}, dup); err == nil || !strings.Contains(err.Error(), "person/x") {
		t.Errorf("WriteNQuads(two entities person/x): got %v, want an error naming person/x", err)
	}
	badType := &graph.Changeset{Entities: []graph.EntityChange{{Entity: graph.Entity{ID: "person/x", Type: "ALIEN"}}}}
	if err := mustFormat(t, "nquads").Write(&bytes.Buffer{}, badType); err == nil || !strings.Contains(err.Error(), "ALIEN") {
		t.Errorf("WriteNQuads(type ALIEN): got %v, want an error naming ALIEN", err)
	}
}

// What graph refuses (a relation with no source, a source with no quote)
// is written and read back as it is: the writers, like the parsers, leave
// the rules of the facts to graph.
func TestFormatWritesWhatGraphRefuses(t *testing.T) {
	c := &graph.Changeset{Relations: []graph.RelationChange{
		{Relation: graph.Relation{Subject: "a", Predicate: "p"}},
		{Relation: graph.Relation{Subject: "b", Predicate: "p", Sources: []graph.Source{{Title: "t"}}}},
	}}
	for _, f := range seed.Formats() {
		t.Run(f.Name, func(t *testing.T) { formattest.RoundTrip(t, f, fileOf[f.Name], c) })
	}
}

func TestFormatRegistry(t *testing.T) {
	tests := []struct {
		path string
		want string
	}{
		{"seed/facts/georgia.yaml", "native"},
		{"x.YML", "native"},
		{"export.csv", "csv"},
		{"a/b.jsonl", "jsonl"},
		{"b.ndjson", "jsonl"},
		{"wikidata.nt", "nquads"},
		{"dump.NQ", "nquads"},
	}
	for _, tt := range tests {
		f, err := seed.FormatForFile(tt.path)
		if err != nil {
			t.Errorf("FormatForFile(%q): %v", tt.path, err)
			continue
		}
		if got := f.Name; got != tt.want {
			t.Errorf("FormatForFile(%q) = %s, want %s", tt.path, got, tt.want)
		}
		if f.Parse == nil || f.Write == nil {
			t.Errorf("FormatForFile(%q): Parse or Write is nil", tt.path)
		}
	}
	for _, path := range []string{"facts.txt", "noext", "x.json"} {
		_, err := seed.FormatForFile(path)
		if err == nil {
			t.Errorf("FormatForFile(%q): got no error, want one", path)
			continue
		}
		for _, want := range []string{path, ".yaml", ".csv", ".jsonl", ".ndjson", ".nt", ".nq", "--format"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("FormatForFile(%q) error %q does not mention %q", path, err, want)
			}
		}
		if got, want := graph.ErrorCode(err), graph.EINVALID; got != want {
			t.Errorf("FormatForFile(%q) error code = %s, want %s", path, got, want)
		}
	}
	names := map[string]string{"native": "native", "YAML": "native", "csv": "csv", "jsonl": "jsonl", ".ndjson": "jsonl", "nquads": "nquads", "nt": "nquads", "nq": "nquads"}
	for in, want := range names {
		f, ok := seed.FormatByName(in)
		if !ok || f.Name != want {
			t.Errorf("FormatByName(%q) = %q, %v; want %q, true", in, f.Name, ok, want)
		}
	}
	if _, ok := seed.FormatByName("turtle"); ok {
		t.Errorf("FormatByName(turtle): got a format, want none")
	}
	var got []string
	for _, f := range seed.Formats() {
		got = append(got, f.Name)
	}
	if want := []string{"native", "csv", "jsonl", "nquads"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Formats() = %v, want %v", got, want)
	}
	seed.Formats()[0].Extensions[0] = ".changed"
	if f, _ := seed.FormatForFile("x.yaml"); f.Name != "native" {
		t.Errorf("Formats() returned the registry itself: changing it changed FormatForFile")
	}
}

// benchChangeset is n entities and 2n relations, like a large export.
func benchChangeset(n int) *graph.Changeset {
	c := formattest.Sample()
	c.Retractions = nil
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("person/p%d", i)
		c.Entities = append(c.Entities, graph.EntityChange{Entity: graph.Entity{ID: id, Name: fmt.Sprintf("Person %d", i), Type: graph.Person,
			Aliases: []string{fmt.Sprintf("Персона %d", i)}, Description: "Someone who left Russia in 2022."}})
		for j := 0; j < 2; j++ {
			c.Relations = append(c.Relations, graph.RelationChange{Relation: graph.Relation{ID: fmt.Sprintf("rel/r%d-%d", i, j), Subject: id,
				Predicate: "fled-to", Object: "country/georgia", Date: "2022-09",
				Quantity: &graph.Quantity{Amount: float64(i), Unit: "people", Approximation: graph.About},
				Sources: []graph.Source{{Quote: fmt.Sprintf("About %d people left for Georgia, \"the border\" said.", i),
					Section: "Destinations > Georgia", Title: "Russian emigration", URL: "https://en.wikipedia.org/wiki/Russian_emigration"}}}})
		}
	}
	return c
}

func BenchmarkFormats(b *testing.B) {
	c := benchChangeset(5000)
	for _, fc := range append(testedFormats, formatCase{"native", "f.yaml"}) {
		f := mustFormat(b, fc.name)
		var buf bytes.Buffer
		if err := f.Write(&buf, c); err != nil {
			b.Fatal(err)
		}
		b.Run("write/"+fc.name, func(b *testing.B) {
			b.SetBytes(int64(buf.Len()))
			for b.Loop() {
				if err := f.Write(io.Discard, c); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("parse/"+fc.name, func(b *testing.B) {
			b.SetBytes(int64(buf.Len()))
			for b.Loop() {
				if _, err := f.Parse(fc.file, bytes.NewReader(buf.Bytes())); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// randomChangeset makes a changeset that every writer can carry, with
// awkward text everywhere.
func randomChangeset(rng *rand.Rand) *graph.Changeset {
	const alphabet = "aZ09 ,;\"'\\\n\t<>{}#.-_/:@^|éжა😀\x00\x7f"
	runes := []rune(alphabet)
	text := func(maxLen int) string {
		n := rng.IntN(maxLen + 1)
		var b strings.Builder
		for range n {
			b.WriteRune(runes[rng.IntN(len(runes))])
		}
		return b.String()
	}
	// list items: CSV separates them with | and trims them
	item := func() string {
		for {
			s := strings.TrimSpace(strings.ReplaceAll(text(8), "|", ""))
			if s != "" {
				return s
			}
		}
	}
	items := func() []string {
		var out []string
		for range rng.IntN(3) {
			out = append(out, item())
		}
		return out
	}
	maybe := func(s string) string {
		if rng.IntN(2) == 0 {
			return ""
		}
		return s
	}
	ref := func() string {
		if rng.IntN(2) == 0 {
			return "person/p" + strconv.Itoa(rng.IntN(100))
		}
		return maybe(text(10))
	}
	num := func() float64 {
		switch rng.IntN(4) {
		case 0:
			return float64(rng.IntN(100000))
		case 1:
			return rng.NormFloat64() * 1e30
		case 2:
			return rng.Float64() / 1e9
		}
		return -rng.Float64()
	}
	types := func() []graph.EntityType {
		var out []graph.EntityType
		for range rng.IntN(3) {
			out = append(out, graph.EntityTypes[rng.IntN(len(graph.EntityTypes))])
		}
		return out
	}
	relation := func(needSource bool) graph.Relation {
		r := graph.Relation{Subject: ref(), Predicate: maybe("p-" + strconv.Itoa(rng.IntN(5))), Object: ref(), Date: maybe(text(10)), EndDate: maybe(text(4)), Note: maybe(text(20))}
		if needSource && r.Subject == "" {
			r.Subject = "Someone"
		}
		if needSource && r.Predicate == "" {
			r.Predicate = "p-9"
		}
		if rng.IntN(2) == 0 {
			r.ID = "rel/r" + strconv.Itoa(rng.Int())
		}
		if rng.IntN(2) == 0 {
			q := &graph.Quantity{Amount: num(), Unit: maybe(text(6)), Approximation: graph.Approximation(maybe(text(8)))}
			if rng.IntN(2) == 0 {
				q.LowerBound = fptr(num())
			}
			if rng.IntN(2) == 0 {
				q.UpperBound = fptr(num())
			}
			r.Quantity = q
		}
		n := rng.IntN(3)
		if needSource {
			n++
		}
		for range n {
			r.Sources = append(r.Sources, graph.Source{Quote: "«" + text(30), Section: maybe(text(10)), Title: maybe(text(10)), URL: maybe(text(10))})
		}
		return r
	}
	c := &graph.Changeset{}
	for i := range rng.IntN(3) {
		c.Predicates = append(c.Predicates, graph.PredicateChange{Predicate: graph.Predicate{ID: "p-" + strconv.Itoa(i), Label: maybe(text(10)),
			InverseLabel: maybe(text(10)), SubjectTypes: types(), ObjectTypes: types(), ObjectOptional: rng.IntN(2) == 0, Description: maybe(text(20))}})
	}
	for i := range rng.IntN(4) {
		e := graph.EntityChange{Entity: graph.Entity{ID: "person/e" + strconv.Itoa(i), Name: maybe(text(10)), Aliases: items(), Description: maybe(text(30))}, RemoveAliases: items()}
		if rng.IntN(4) > 0 {
			e.Entity.Type = graph.EntityTypes[rng.IntN(len(graph.EntityTypes))]
		}
		c.Entities = append(c.Entities, e)
	}
	for range rng.IntN(4) {
		c.Relations = append(c.Relations, graph.RelationChange{Relation: relation(true)})
	}
	for range rng.IntN(3) {
		c.Retractions = append(c.Retractions, graph.Retraction{Relation: relation(false)})
	}
	return c
}

func TestFormatRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(2022, 2))
	for i := range 300 {
		want := randomChangeset(rng)
		for _, fc := range testedFormats {
			f := mustFormat(t, fc.name)
			var first, second bytes.Buffer
			if err := f.Write(&first, want); err != nil {
				t.Fatalf("%s, changeset %d: Write: %v", fc.name, i, err)
			}
			got, err := f.Parse(fc.file, bytes.NewReader(first.Bytes()))
			if err != nil {
				t.Fatalf("%s, changeset %d: Parse(Write(c)): %v\n%s", fc.name, i, err, first.String())
			}
			if diff := formattest.Same(got, want); diff != "" {
				t.Fatalf("%s, changeset %d: Parse(Write(c)) differs from c:%s\n--- written:\n%s", fc.name, i, diff, first.String())
			}
			if err := f.Write(&second, got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first.Bytes(), second.Bytes()) {
				t.Fatalf("%s, changeset %d: Write(Parse(Write(c))) differs from Write(c)", fc.name, i)
			}
		}
	}
}

func inf() float64 { var z float64; return 1 / z }
