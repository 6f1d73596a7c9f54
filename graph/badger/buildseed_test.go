package badger_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/seed"
)

// seedCase is the embedded seed and a file loaded over it that corrects a
// seed predicate and a seed entity (a new name, an alias added and one
// taken away), restates a seed relation with another source, retracts two
// seed relations (by id and by their fields), and adds entities and
// relations of its own, some naming seed entities by name.
func seedCase(t *testing.T) (base, file *graph.Changeset) {
	t.Helper()
	base, err := seed.Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(base.Relations) < 3 || len(base.Predicates) == 0 {
		t.Fatal("the seed is too small for this test")
	}
	file = &graph.Changeset{}
	p := base.Predicates[0].Predicate
	p.Description = "corrected by the file"
	file.Predicates = append(file.Predicates, graph.PredicateChange{Where: "file:p", Predicate: p})
	// a seed entity corrected: the subject of the first seed relation
	var corrected graph.Entity
	for _, ec := range base.Entities {
		if len(ec.Entity.Aliases) > 0 {
			corrected = ec.Entity
			break
		}
	}
	if corrected.ID == "" {
		t.Fatal("no seed entity has an alias")
	}
	file.Entities = append(file.Entities, graph.EntityChange{Where: "file:e", Entity: graph.Entity{ID: corrected.ID,
		Name: corrected.Name + " (corrected)", Aliases: []string{"Corrected Alias"}}, RemoveAliases: corrected.Aliases[:1]})
	// a seed relation restated with another source, two retracted
	restated := base.Relations[0].Relation
	restated.Sources = []graph.Source{{Quote: "another source, from the file", URL: "https://example.org/file"}}
	file.Relations = append(file.Relations, graph.RelationChange{Where: "file:r0", Relation: restated})
	byID := base.Relations[1].Relation
	if byID.ID == "" {
		byID.ID = byID.DeriveID()
	}
	file.Retractions = append(file.Retractions, graph.Retraction{Where: "file:x1", Relation: graph.Relation{ID: byID.ID}},
		graph.Retraction{Where: "file:x2", Relation: base.Relations[2].Relation})
	for i := range 200 {
		id := fmt.Sprintf("person/file-%d", i)
		file.Entities = append(file.Entities, graph.EntityChange{Where: id, Entity: graph.Entity{ID: id, Name: fmt.Sprintf("File Person %d", i%9), Type: graph.Person}})
		object := "country/georgia"
		if i%2 == 0 {
			object = "Georgia" // by name
		}
		file.Relations = append(file.Relations, graph.RelationChange{Where: id, Relation: graph.Relation{Subject: id, Predicate: "fled-to",
			Object: object, Date: fmt.Sprintf("2023-%02d", 1+i%12), Sources: []graph.Source{{Quote: "q"}}}})
	}
	return base, file
}

// A build with the seed writes what seeding a store and then loading the
// file through transactions writes, key for key, and records the seed as
// the seeding does; the summary is the file's.
func TestBuildWithSeedWritesWhatSeedingThenLoadingWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	base, file := seedCase(t)
	txn, err := badger.Open(t.TempDir(), badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	defer txn.Close()
	if _, err := txn.Apply(ctx, base, false); err != nil {
		t.Fatal(err)
	}
	if err := txn.SetMeta("seeded", "seed:test"); err != nil {
		t.Fatal(err)
	}
	want, err := txn.Load(ctx, file, badger.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want.RelationsRetracted != 2 || want.EntitiesUpdated != 1 || want.PredicatesUpdated != 1 || want.RelationsUpdated != 1 {
		t.Fatalf("the file did not correct the seed as meant: %v", want)
	}

	base, file = seedCase(t)
	dir := filepath.Join(t.TempDir(), "built")
	got, err := badger.Build(ctx, dir, file, badger.BuildOptions{Seed: base, Meta: map[string]string{"seeded": "seed:test"}})
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("summary %v, want %v", got, want)
	}
	bulk, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	defer bulk.Close()
	if v, _ := bulk.Meta("seeded"); v != "seed:test" {
		t.Errorf("m:seeded = %q", v)
	}
	sameKeys(t, dump(t, bulk), dump(t, txn))
}

// sameKeys compares two dumps key for key; a counter at zero is taken for
// an absent one (transactions write a counter that fell to zero, the build
// writes none).
func sameKeys(t *testing.T, got, want map[string]string) {
	t.Helper()
	zero := string(make([]byte, 8))
	for _, m := range []map[string]string{got, want} {
		for k, v := range m {
			if strings.HasPrefix(k, "c:") && v == zero {
				delete(m, k)
			}
		}
	}
	bad := 0
	for k, v := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("the build lacks %q", k)
			bad++
		} else if g != v {
			t.Errorf("%q = %q in the build, %q through transactions", k, g, v)
			bad++
		}
		if bad > 20 {
			t.Fatal("and more")
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("the build has %q, transactions do not", k)
			bad++
		}
		if bad > 20 {
			t.Fatal("and more")
		}
	}
}

// A build with a memory budget far below what its keys take spills sorted
// runs and merges them, and writes what a build in memory writes, key for
// key.
func TestBuildWithSmallMemoryBudgetWritesWhatAnInMemoryBuildWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	built := func(budget int64) map[string]string {
		base, file := seedCase(t)
		for i := range 3000 {
			id := fmt.Sprintf("person/many-%d", i)
			file.Entities = append(file.Entities, graph.EntityChange{Where: id, Entity: graph.Entity{ID: id, Name: fmt.Sprintf("Many Person %d", i), Type: graph.Person, Aliases: []string{fmt.Sprintf("Alias %d", i%50)}}})
			file.Relations = append(file.Relations, graph.RelationChange{Where: id, Relation: graph.Relation{Subject: id, Predicate: "fled-to",
				Object: "country/georgia", Date: fmt.Sprintf("2022-%02d", 1+i%12), EndDate: "2024", Sources: []graph.Source{{Quote: "q"}}}})
		}
		dir := filepath.Join(t.TempDir(), "built")
		if _, err := badger.Build(ctx, dir, file, badger.BuildOptions{Seed: base, MemoryBudget: budget}); err != nil {
			t.Fatal(err)
		}
		st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		return dump(t, st)
	}
	want := built(0)
	if len(want) < 50000 {
		t.Fatalf("only %d keys: the case is too small to spill", len(want))
	}
	sameKeys(t, built(64<<10), want)
}
