package seed_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/seed"
)

// A template's placeholder quote is refused by every format, at the file
// and line of the fact; a predicate's label is taken for its id; its
// inverse label is refused with the id to write and the ends swapped.
func TestParseRefusesPlaceholdersAndInverseLabels(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ format, doc, want string }{
		{"native", "relations:\n  - subject: person/a\n    predicate: fled-to\n    object: country/georgia\n    quote: The sentence of the source, verbatim.\n",
			`facts:2: sources[0].quote: "The sentence of the source, verbatim." is a template's placeholder`},
		{"csv", "subject,predicate,object,quote\nperson/a,fled-to,country/georgia,\"the sentence of the source, verbatim\"\n",
			`facts:2: sources[0].quote: "the sentence of the source, verbatim" is a template's placeholder`},
		{"jsonl", `{"kind":"relation","subject":"person/a","predicate":"fled-to","object":"country/georgia","sources":[{"quote":"Verbatim quote of the source"}]}` + "\n",
			`facts:1: sources[0].quote: "Verbatim quote of the source" is a template's placeholder`},
		{"native", "relations:\n  - subject: country/georgia\n    predicate: received emigrants\n    object: group/russian-emigrants\n    quote: Russians went to Georgia.\n",
			`predicate: "received emigrants" is the inverse label of the predicate fled-to (fled to): write predicate: fled-to with subject and object swapped (subject: group/russian-emigrants, object: country/georgia)`},
	} {
		_, err := seed.Parse(tc.format, "facts", strings.NewReader(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q: error %v, want %q", tc.format, tc.doc, err, tc.want)
		}
	}
	c, err := seed.Parse("native", "facts", strings.NewReader("relations:\n  - subject: person/a\n    predicate: Fled to\n    object: country/georgia\n    quote: A left for Georgia.\n"))
	if err != nil {
		t.Fatalf("a label where a predicate is expected: %v", err)
	}
	if got := c.Relations[0].Relation.Predicate; got != "fled-to" {
		t.Errorf("the label \"Fled to\" is read as %q, want fled-to", got)
	}
	// a real quote that merely mentions a template is kept
	if _, err := seed.Parse("native", "facts", strings.NewReader("relations:\n  - subject: person/a\n    predicate: fled-to\n    object: country/georgia\n    quote: He wrote that the quote here was made up.\n")); err != nil {
		t.Errorf("a real quote: %v", err)
	}
}

// FuzzParseChecks: whatever predicate and quote a fact has, parsing never
// panics, and a fact that parses has neither a placeholder quote nor an
// inverse label for a predicate.
func FuzzParseChecks(f *testing.F) {
	for _, s := range [][2]string{{"fled-to", "Russians fled."}, {"fled to", "x"}, {"received emigrants", "y"}, {"left", "The sentence of the source, verbatim."}, {"Spouse Of", "…"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, predicate, quote string) {
		doc, _ := json.Marshal(map[string]any{"kind": "relation", "subject": "person/a", "predicate": predicate, "object": "country/b", "sources": []map[string]string{{"quote": quote}}})
		c, err := seed.Parse("jsonl", "f.jsonl", bytes.NewReader(append(doc, '\n')))
		if err != nil {
			return
		}
		for _, rc := range c.Relations {
			p := strings.ToLower(strings.TrimSpace(rc.Relation.Predicate))
			if p == "received emigrants" || p == "the sentence of the source, verbatim." {
				t.Errorf("parsed %q %q as %+v", predicate, quote, rc.Relation)
			}
			for _, s := range rc.Relation.Sources {
				if strings.EqualFold(strings.Trim(s.Quote, " ."), "the sentence of the source, verbatim") {
					t.Errorf("the placeholder quote %q was accepted", s.Quote)
				}
			}
		}
	})
}
