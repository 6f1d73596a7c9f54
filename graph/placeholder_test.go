package graph

import (
	"strings"
	"testing"
)

// A template's placeholder quote is refused wherever a relation is
// written (a file, importFacts, addRelation), whatever its case and
// punctuation; a quote that only contains the words is not.
func TestPlaceholderQuotesAreRefused(t *testing.T) {
	for _, tc := range []struct {
		quote   string
		refused bool
	}{
		{"The sentence of the source, verbatim.", true},
		{"  the SENTENCE of the source verbatim ", true},
		{"Your quote here", true},
		{"Lorem ipsum dolor sit amet", true},
		{"By early April, an estimated 100,000 Russians had fled to Georgia.", false},
		{"She said: your quote here is not what I wrote, and the sentence of the source, verbatim, is another.", false},
		{strings.Repeat("your quote here ", 10), false},
	} {
		r := Relation{Subject: "a", Predicate: "p", Sources: []Source{{Quote: tc.quote}}}
		ps := r.Validate()
		refused := false
		for _, p := range ps {
			if p.Field == "sources[0].quote" && strings.Contains(p.Message, "placeholder") {
				refused = true
			}
		}
		if refused != tc.refused {
			t.Errorf("%q: refused %v (%v), want %v", tc.quote, refused, ps, tc.refused)
		}
	}
}
