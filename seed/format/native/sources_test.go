package native_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format/formattest"
	"github.com/emigraph/emigraph/seed/format/native"
)

// Source records and citations by id round-trip; a file's `source:` is the
// record its citations cite unless they name their own.
func TestSourceRecordsRoundTrip(t *testing.T) {
	t.Parallel()
	const doc = `source: source/ministry
sources:
  - id: source/ministry
    title: Figures of the interior ministry
    publisher: Ministry of Internal Affairs of Georgia
    published: 2022-12
    url: https://example.org/ministry
    language: ka
    kind: official-statistics
    note: entries, not residents
relations:
  - subject: group/russians
    predicate: fled-to
    object: country/georgia
    quote: 112,000 entered and stayed
  - subject: group/russians
    predicate: fled-to
    object: country/armenia
    source: source/survey
    quote: 40,000 in Armenia
    section: Results
`
	c, err := native.Parse("f.yaml", strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sources) != 1 || c.Sources[0].Source.Kind != graph.KindOfficialStatistics || c.Sources[0].Where != "f.yaml:3" {
		t.Fatalf("records: %+v", c.Sources)
	}
	if got := c.Relations[0].Relation.Sources[0]; got.SourceID != "source/ministry" || got.Title != "" || got.URL != "" {
		t.Errorf("the file's source: %+v", got)
	}
	if got := c.Relations[1].Relation.Sources[0]; got.SourceID != "source/survey" || got.Section != "Results" {
		t.Errorf("a relation's own source: %+v", got)
	}
	var buf bytes.Buffer
	if err := native.Write(&buf, c); err != nil {
		t.Fatal(err)
	}
	again, err := native.Parse("again.yaml", &buf)
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if diff := formattest.Same(again, c); diff != "" || len(again.Sources) != 1 || again.Sources[0].Source != c.Sources[0].Source {
		t.Errorf("round trip: %s\n%+v", diff, again.Sources)
	}
	formattest.CheckRefused(t, native.Format, "f.yaml", "sources:\n  - id: source/x\n    publisher: P\n    editor: E\n", "f.yaml:4", "source.editor")
}
