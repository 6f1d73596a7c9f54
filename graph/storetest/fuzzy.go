package storetest

import (
	"context"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"

	"github.com/emigraph/emigraph/seed"
)

// Fuzzy search has a floor (a score of 0.18, a trigram similarity of 0.36):
// on the seed, a name that shares only a word ending with the query is not
// offered ("Montenegro" used to find Allegro, an alias of the Saint
// Petersburg–Helsinki railway, at 0.176), while one-typo names still are.
func testFuzzyFloor(t *testing.T, newStore New) {
	ctx := context.Background()
	st := open(t, newStore)
	c, err := seed.Default()
	if err != nil {
		t.Fatal(err)
	}
	apply(t, st, c)
	hits, err := st.Search(ctx, "Montenegro", nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		t.Errorf("Montenegro found %s (%s, %s %.3f): no entity is Montenegro", h.Entity.ID, h.Matched, h.Kind, h.Score)
	}
	for text, want := range map[string]string{
		"Galkn":             "person/maxim-galkin",
		"Putn":              "person/vladimir-putin",
		"Khamatowa":         "person/chulpan-khamatova",
		"Roshkov":           "person/alexei-rozhkov",
		"Ukriane":           "country/ukraine",
		"Kirgizstan":        "country/kyrgyzstan",
		"Serebrenikov":      "person/kirill-serebrennikov",
		"Tadjikistan":       "country/tajikistan",
		"Gergia":            "country/georgia",
		"Helsinky":          "place/helsinki",
		"Pugachyova":        "person/alla-pugacheva",
		"Istambul":          "place/istanbul",
		"Yuzefovitch":       "person/galina-yuzefovich",
		"Mariupl":           "place/mariupol",
		"Azerbaidjan":       "country/azerbaijan",
		"Srilanka":          "country/sri-lanka",
		"Chulpan Khamatowa": "person/chulpan-khamatova",
	} {
		hits, err := st.Search(ctx, text, nil, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || hits[0].Entity.ID != want {
			t.Errorf("Search(%q) = %v, want %s first", text, hits, want)
		}
		for _, h := range hits {
			if h.Kind == "FUZZY" && h.Score < 0.18 {
				t.Errorf("Search(%q) offered %s at %.3f, under the floor of 0.18", text, h.Entity.ID, h.Score)
			}
		}
	}
}

// A write naming an entity or a predicate that does not exist is refused
// with the nearest ones offered, found by the forgiving search and by edit
// distance.
func testRefusalsSuggest(t *testing.T, newStore New) {
	st := open(t, newStore)
	c, err := seed.Default()
	if err != nil {
		t.Fatal(err)
	}
	apply(t, st, c)
	c = &graph.Changeset{Relations: []graph.RelationChange{
		{Where: "f.yaml:2", Relation: graph.Relation{Subject: "Oxxymiron", Predicate: "fled-to", Object: "country/georgia", Sources: []graph.Source{{Quote: "q"}}}},
		{Where: "f.yaml:8", Relation: graph.Relation{Subject: "person/oxxxymiron", Predicate: "deportedby", Object: "Kazakstan", Sources: []graph.Source{{Quote: "q"}}}},
	}}
	_, err = st.Apply(context.Background(), c, true)
	if err == nil {
		t.Fatal("the write was accepted")
	}
	for _, want := range []string{
		`unknown entity "Oxxymiron": no entity has this id, name or alias; did you mean person/oxxxymiron (Oxxxymiron)`,
		`unknown predicate "deportedby"; did you mean deported-by`,
		`did you mean country/kazakhstan (Kazakhstan)`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %q:\n%v", want, err)
		}
	}
}
