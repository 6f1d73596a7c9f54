package badger_test

import (
	"context"
	"testing"

	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/seed"
)

// Fuzzy search has a floor (a score of 0.18, a trigram similarity of 0.36):
// on the seed, a name that shares only a word ending with the query is not
// offered ("Montenegro" used to find Allegro, an alias of the Saint
// Petersburg–Helsinki railway, at 0.176), while one-typo names still are.
func TestFuzzyFloor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := openStore(t)
	c, err := seed.Default()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx, c, badger.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
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
