package native_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format/formattest"
	"github.com/emigraph/emigraph/seed/format/native"
)

// Retractions and alias removals survive the native format.
func TestNativeWritesCorrections(t *testing.T) {
	c := &graph.Changeset{
		Entities:    []graph.EntityChange{{Entity: graph.Entity{ID: "person/x", Name: "X"}, RemoveAliases: []string{"Old X"}}},
		Retractions: []graph.Retraction{{Relation: graph.Relation{ID: "rel/abc"}}},
	}
	var buf bytes.Buffer
	if err := native.Write(&buf, c); err != nil {
		t.Fatal(err)
	}
	back, err := native.Parse("x.yaml", &buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Retractions) != 1 || back.Retractions[0].Relation.ID != "rel/abc" ||
		len(back.Entities) != 1 || len(back.Entities[0].RemoveAliases) != 1 {
		t.Errorf("read back %+v", back)
	}
}

func FuzzParseNative(f *testing.F) {
	for _, s := range []string{
		"entities:\n  - {id: person/x, name: X, type: PERSON}\n",
		"relations:\n  - {subject: a, predicate: b, object: c, date: \"2022\", quote: q, quantity: {amount: 1, approximation: ABOUT}}\n",
		"retract:\n  - id: rel/abc\n",
		"section: S\ntitle: T\nurl: U\n",
		"source: source/x\nsources:\n  - {id: source/x, title: T, kind: survey, language: en}\nrelations:\n  - {subject: a, predicate: b, quote: q, source: source/y}\n",
		"relations: [1, 2]\n", "- a\n- b\n", "{", "entities:\n  - {qoute: x}\n", "",
		// cut off in the middle of a plain value: refused
		"relations:\n  - subject: country/russia\n    predicate: migration-to\n    object: country/georgia\n    quote: Russians fled to Geo",
		"section: S\n  \t", "section: S\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		c, err := native.Parse("f.yaml", strings.NewReader(doc))
		if err != nil {
			var ve *graph.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("a parse error that is not a ValidationError: %v", err)
			}
			for _, it := range ve.Items {
				if !strings.HasPrefix(it.Where, "f.yaml") {
					t.Fatalf("an error that does not name the file: %v", it)
				}
			}
			return
		}
		// whatever is read ends with a newline, or white space after one
		if last := doc[strings.LastIndexByte(doc, '\n')+1:]; strings.Trim(last, " \t\r") != "" {
			t.Fatalf("read a file whose last line %q has no newline", last)
		}
		// what parsed writes and parses again to the same changeset
		var buf bytes.Buffer
		if err := native.Write(&buf, c); err != nil {
			return // the writer refuses what it cannot write faithfully
		}
		if _, err := native.Parse("again.yaml", &buf); err != nil {
			t.Fatalf("written output does not parse: %v\n%s", err, buf.String())
		}
	})
}

// TestNativeRoundTrip covers the sample without its correction and its
// retractions.
func TestNativeRoundTrip(t *testing.T) {
	want := formattest.Sample()
	want.Retractions = nil
	want.Entities = want.Entities[:3]
	formattest.RoundTrip(t, native.Format, "f.yaml", want)
}
