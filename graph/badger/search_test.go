package badger_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/seed"
)

// Fuzzy search has a floor (a score of 0.18, a trigram similarity of 0.36):
// on the seed, a name that shares only a word ending with the query is not
// offered ("Montenegro" used to find Allegro, an alias of the Saint
// Petersburg–Helsinki railway, at 0.176), while one-typo names still are.
func TestFuzzyFloor(t *testing.T) {
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

// A store of layout 3, whose trigram postings were g:<trigram>␀<id>␀<name>,
// is migrated on open to postings ordered by length, the same keys a new
// store writes, also when an interrupted migration left some of both.
func TestTrigramLayoutMigration(t *testing.T) {
	ctx := context.Background()
	c, err := seed.Default()
	if err != nil {
		t.Fatal(err)
	}
	st, dir := openStore(t)
	if _, err := st.Load(ctx, c, badger.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	want := trigramKeys(t, st)
	if len(want) == 0 {
		t.Fatal("no trigram postings")
	}
	// back to layout 3: every posting without its length, but one
	err = badger.DBOf(st).Update(func(txn *bg.Txn) error {
		kept := false
		for k := range want {
			parts := strings.SplitN(k, "\x00", 3) // g:<trigram>, <len>, <id>␀<name>
			if !kept {
				kept = true
				continue
			}
			if err := txn.Delete([]byte(k)); err != nil {
				return err
			}
			if err := txn.Set([]byte(parts[0]+"\x00"+parts[2]), nil); err != nil {
				return err
			}
		}
		return txn.Set([]byte("m:layout"), []byte("3"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	migrated, err := badger.Open(dir, badger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer migrated.Close()
	if v, _ := migrated.Meta("layout"); v != fmt.Sprint(badger.LayoutVersion) {
		t.Errorf("m:layout = %q after the migration", v)
	}
	got := trigramKeys(t, migrated)
	for k := range want {
		if !got[k] {
			t.Errorf("migrated store lacks %q", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("migrated store has %q, which a new store does not", k)
		}
	}
	if hits, _ := migrated.Search(ctx, "Khamatowa", nil, 3); len(hits) == 0 || hits[0].Entity.ID != "person/chulpan-khamatova" {
		t.Errorf("Khamatowa after the migration = %v", hits)
	}
}

func trigramKeys(t *testing.T, st *badger.Store) map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	err := badger.DBOf(st).View(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte("g:")})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			keys[string(it.Item().KeyCopy(nil))] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
