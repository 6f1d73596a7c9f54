package seed_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed"
)

var updateFormatGolden = flag.Bool("update-formats", false, "rewrite seed/testdata/sample.{csv,jsonl,nq} from the sample changeset")

func fptr(f float64) *float64 { return &f }

// formatsSample exercises every field of every item: unicode, quotes with
// commas, newlines and double quotes, optional fields left out, several
// sources, quantities with bounds, names instead of ids, a correction, and
// retractions.
func formatsSample() *graph.Changeset {
	return &graph.Changeset{
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
				Sources:  []graph.Source{{Quote: "about 100,000 IT specialists left"}}}},
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

// canonicalChangeset copies c without Where and with empty lists as nil, so
// that changesets compare by content.
func canonicalChangeset(c *graph.Changeset) *graph.Changeset {
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

// sameChangeset reports how got and want differ, or "" when they carry the
// same items (Where aside).
func sameChangeset(got, want *graph.Changeset) string {
	g, w := canonicalChangeset(got), canonicalChangeset(want)
	if reflect.DeepEqual(g, w) {
		return ""
	}
	var b strings.Builder
	var gb, wb bytes.Buffer
	_ = seed.WriteJSONL(&gb, g)
	_ = seed.WriteJSONL(&wb, w)
	gl, wl := strings.Split(gb.String(), "\n"), strings.Split(wb.String(), "\n")
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
		b.WriteString("\n(they differ in a way JSONL does not show)\n got: " + debugString(g) + "\nwant: " + debugString(w))
	}
	return b.String()
}

// debugString shows a changeset with its quantities and every slice, nil or not.
func debugString(c *graph.Changeset) string {
	var b strings.Builder
	rel := func(r graph.Relation) {
		fmt.Fprintf(&b, "%#v", r)
		if r.Quantity != nil {
			fmt.Fprintf(&b, " quantity %#v", *r.Quantity)
		}
		b.WriteString("; ")
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

// formatCase is a format under test with the file name its errors use.
type formatCase struct {
	name string
	file string
}

var testedFormats = []formatCase{{"csv", "f.csv"}, {"jsonl", "f.jsonl"}, {"nquads", "f.nq"}}

func mustFormat(t testing.TB, name string) seed.Format {
	t.Helper()
	f, ok := seed.FormatByName(name)
	if !ok {
		t.Fatalf("FormatByName(%q): not found", name)
	}
	return f
}

func TestFormatRoundTrip(t *testing.T) {
	for _, fc := range testedFormats {
		t.Run(fc.name, func(t *testing.T) {
			f := mustFormat(t, fc.name)
			want := formatsSample()
			var first bytes.Buffer
			if err := f.Write(&first, want); err != nil {
				t.Fatalf("Write: %v", err)
			}
			got, err := f.Parse(fc.file, bytes.NewReader(first.Bytes()))
			if err != nil {
				t.Fatalf("Parse(Write(sample)): %v\n%s", err, first.String())
			}
			if diff := sameChangeset(got, want); diff != "" {
				t.Fatalf("Parse(Write(sample)) differs from the sample:%s\n--- written:\n%s", diff, first.String())
			}
			var second bytes.Buffer
			if err := f.Write(&second, got); err != nil {
				t.Fatalf("Write(Parse(Write(sample))): %v", err)
			}
			if !bytes.Equal(first.Bytes(), second.Bytes()) {
				t.Fatalf("Write(Parse(Write(c))) is not byte-identical to Write(c):\n--- got:\n%s\n--- want:\n%s", second.String(), first.String())
			}
			var third bytes.Buffer
			if err := f.Write(&third, want); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first.Bytes(), third.Bytes()) {
				t.Fatalf("Write is not deterministic")
			}
		})
	}
}

// TestFormatGolden keeps a written sample of every format in testdata, as
// documentation and to notice unintended changes of the output.
func TestFormatGolden(t *testing.T) {
	for _, fc := range testedFormats {
		t.Run(fc.name, func(t *testing.T) {
			f := mustFormat(t, fc.name)
			var buf bytes.Buffer
			if err := f.Write(&buf, formatsSample()); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "sample"+f.Extensions[0])
			if *updateFormatGolden {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./seed/ -run FormatGolden -update-formats to write it)", err)
			}
			if got := buf.String(); got != string(want) {
				t.Errorf("Write(sample) differs from %s (rerun with -update-formats if the change is intended):\n--- got:\n%s\n--- want:\n%s", path, got, want)
			}
			// and the golden file reads back as the sample
			c, err := f.Parse(path, bytes.NewReader(want))
			if err != nil {
				t.Fatalf("Parse(%s): %v", path, err)
			}
			if diff := sameChangeset(c, formatsSample()); diff != "" {
				t.Errorf("Parse(%s) differs from the sample:%s", path, diff)
			}
		})
	}
}

// TestFormatNativeRoundTrip covers what the native format writes: it leaves
// out retractions and removeAliases.
func TestFormatNativeRoundTrip(t *testing.T) {
	f := mustFormat(t, "native")
	want := formatsSample()
	want.Retractions = nil
	want.Entities = want.Entities[:3]
	var first, second bytes.Buffer
	if err := f.Write(&first, want); err != nil {
		t.Fatal(err)
	}
	got, err := f.Parse("f.yaml", bytes.NewReader(first.Bytes()))
	if err != nil {
		t.Fatalf("Parse(Write(sample)): %v\n%s", err, first.String())
	}
	if diff := sameChangeset(got, want); diff != "" {
		t.Fatalf("Parse(Write(sample)) differs:%s", diff)
	}
	if err := f.Write(&second, got); err != nil {
		t.Fatal(err)
	}
	if got, want := second.String(), first.String(); got != want {
		t.Fatalf("not byte-identical:\n--- got:\n%s\n--- want:\n%s", got, want)
	}
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
	noSource := &graph.Changeset{Relations: []graph.RelationChange{{Relation: graph.Relation{Subject: "a", Predicate: "p"}}}}
	emptyQuote := &graph.Changeset{Relations: []graph.RelationChange{{Relation: graph.Relation{Subject: "a", Predicate: "p", Sources: []graph.Source{{Title: "t"}}}}}}
	nan := &graph.Changeset{Relations: []graph.RelationChange{{Relation: graph.Relation{Subject: "a", Predicate: "p",
		Quantity: &graph.Quantity{Amount: 1, UpperBound: fptr(inf())}, Sources: []graph.Source{{Quote: "q"}}}}}}
	for _, fc := range testedFormats {
		f := mustFormat(t, fc.name)
		for name, c := range map[string]*graph.Changeset{"no source": noSource, "empty quote": emptyQuote, "infinite bound": nan} {
			if err := f.Write(&bytes.Buffer{}, c); err == nil {
				t.Errorf("%s: Write(%s): got no error, want one", fc.name, name)
			}
		}
	}
	pipe := &graph.Changeset{Entities: []graph.EntityChange{{Entity: graph.Entity{ID: "person/x", Name: "X", Type: graph.Person, Aliases: []string{"a|b"}}}}}
	if err := seed.WriteCSV(&bytes.Buffer{}, pipe); err == nil || !strings.Contains(err.Error(), "aliases") {
		t.Errorf("WriteCSV(alias with |): got %v, want an error naming aliases", err)
	}
	dup := &graph.Changeset{Entities: []graph.EntityChange{{Entity: graph.Entity{ID: "person/x"}}, {Entity: graph.Entity{ID: "person/x"}}}}
	if err := seed.WriteNQuads(&bytes.Buffer{}, dup); err == nil || !strings.Contains(err.Error(), "person/x") {
		t.Errorf("WriteNQuads(two entities person/x): got %v, want an error naming person/x", err)
	}
	badType := &graph.Changeset{Entities: []graph.EntityChange{{Entity: graph.Entity{ID: "person/x", Type: "ALIEN"}}}}
	if err := seed.WriteNQuads(&bytes.Buffer{}, badType); err == nil || !strings.Contains(err.Error(), "ALIEN") {
		t.Errorf("WriteNQuads(type ALIEN): got %v, want an error naming ALIEN", err)
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

// badInput is an input a parser must refuse, and where it must say the
// problem is.
type badInput struct {
	name  string
	input string
	where string // "f.csv:3"
	field string // the column, field or "column N"
}

// checkRefused asserts that parse refused input with a problem at
// tt.where naming tt.field.
func checkRefused(t *testing.T, parse func(string, *strings.Reader) (*graph.Changeset, error), file string, tt badInput) {
	t.Helper()
	c, err := parse(file, strings.NewReader(tt.input))
	if err == nil {
		t.Fatalf("got no error and %d items, want an error at %s naming %s", c.Len(), tt.where, tt.field)
	}
	var ve *graph.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %T %v, want a *graph.ValidationError", err, err)
	}
	want := tt.where + ": " + tt.field + ": "
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.HasPrefix(line, want) {
			t.Logf("%s", err)
			return
		}
	}
	t.Fatalf("got error\n%v\nwant a line starting %q", err, want)
}

// accepted is an input a parser must read, with a check of the result.
type accepted struct {
	name  string
	input string
	check func(t *testing.T, c *graph.Changeset)
}

func inf() float64 { var z float64; return 1 / z }

// benchChangeset is n entities and 2n relations, like a large export.
func benchChangeset(n int) *graph.Changeset {
	c := formatsSample()
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
			if diff := sameChangeset(got, want); diff != "" {
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
