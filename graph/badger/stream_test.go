package badger_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// streamCase is a changeset over the seed that spills at a small budget:
// a seed predicate and entity corrected, a seed relation restated, and
// thousands of entities and relations of their own, some with figures,
// some named by name.
func streamCase(t *testing.T) (base, file *graph.Changeset) {
	base, file = seedCase(t)
	file.Retractions = nil // a changeset with retractions is planned whole
	file.Entities = append(file.Entities, graph.EntityChange{Where: "file:land", Entity: graph.Entity{ID: "country/many-land", Name: "Many Land", Type: graph.Country}})
	for i := range 3000 {
		id := fmt.Sprintf("person/many-%d", i)
		file.Entities = append(file.Entities, graph.EntityChange{Where: id, Entity: graph.Entity{ID: id, Name: fmt.Sprintf("Many Person %d", i), Type: graph.Person, Aliases: []string{fmt.Sprintf("Alias %d", i%50)}}})
		subject := id
		if i%7 == 0 {
			subject = fmt.Sprintf("Many Person %d", i) // by name
		}
		r := graph.Relation{Subject: subject, Predicate: "fled-to", Object: "country/many-land", Date: fmt.Sprintf("2022-%02d", 1+i%12), Sources: []graph.Source{{Quote: "q"}}}
		switch i % 5 { // sources named inline: records made as the relations stream in
		case 0:
			r.Sources[0].URL = fmt.Sprintf("https://example.org/many/%d", i%3)
		case 1:
			r.Sources[0].Title = fmt.Sprintf("Many Title %d", i%2)
		}
		if i%3 == 0 {
			r.EndDate = "2024"
		}
		if i%4 == 0 {
			r.Quantity = &graph.Quantity{Amount: float64(i), Unit: "people", Approximation: "ABOUT"}
		}
		file.Relations = append(file.Relations, graph.RelationChange{Where: fmt.Sprintf("file:%d", i), Relation: r})
	}
	return base, file
}

// streamed builds file with its relations streamed in pieces of n.
func streamed(ctx context.Context, dir string, file *graph.Changeset, n int, o badger.BuildOptions) (graph.Summary, error) {
	head := *file
	head.Relations = nil
	o.RelationCount = len(file.Relations)
	o.Relations = func(piece func([]graph.RelationChange) error) error {
		for rest := file.Relations; len(rest) > 0; {
			k := min(n, len(rest))
			if err := piece(rest[:k]); err != nil {
				return err
			}
			rest = rest[k:]
		}
		return nil
	}
	return badger.Build(ctx, dir, &head, o)
}

func TestStreamedBuildWritesWhatAWholeBuildWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, seeded := range []bool{false, true} {
		t.Run(fmt.Sprintf("seeded=%v", seeded), func(t *testing.T) {
			base, file := streamCase(t)
			o := badger.BuildOptions{}
			if seeded {
				o.Seed = base
			} else {
				// the seed's predicates, and none of what refers to the seed
				file.Predicates = base.Predicates
				file.Relations = file.Relations[201:]
				file.Entities = file.Entities[201:]
			}
			open := func(dir string) map[string]string {
				st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				return dump(t, st)
			}
			whole := filepath.Join(t.TempDir(), "whole")
			wantSum, err := badger.Build(ctx, whole, file, o)
			if err != nil {
				t.Fatal(err)
			}
			want := open(whole)
			// a budget far below the keys: the families spill runs while the
			// pieces stream in, and merge them
			o.MemoryBudget = 64 << 10
			dir := filepath.Join(t.TempDir(), "streamed")
			sum, err := streamed(ctx, dir, file, 100, o)
			if err != nil {
				t.Fatal(err)
			}
			if sum != wantSum {
				t.Errorf("summary %+v, want %+v", sum, wantSum)
			}
			if len(want) < 40000 {
				t.Fatalf("only %d keys: the case is too small to spill", len(want))
			}
			sameKeys(t, open(dir), want)
		})
	}
}

func TestStreamedBuildRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a relation stated twice", func(t *testing.T) {
		_, file := streamCase(t)
		file.Relations = append(file.Relations, file.Relations[len(file.Relations)-1])
		dir := filepath.Join(t.TempDir(), "d")
		if _, err := streamed(ctx, dir, file, 100, badger.BuildOptions{MemoryBudget: 64 << 10}); !errors.Is(err, graph.ErrRestated) {
			t.Fatalf("got %v, want ErrRestated", err)
		}
		left, _ := filepath.Glob(dir + "*")
		if len(left) > 0 {
			t.Fatalf("left %v", left)
		}
	})
	t.Run("problems anywhere", func(t *testing.T) {
		base, file := streamCase(t)
		file.Entities[5].Entity.Type = "NOT A TYPE"
		file.Relations[2500].Relation.Object = "country/nowhere"
		dir := filepath.Join(t.TempDir(), "d")
		_, err := streamed(ctx, dir, file, 100, badger.BuildOptions{Seed: base, MemoryBudget: 64 << 10})
		var ve *graph.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("got %v, want a ValidationError", err)
		}
		wheres := map[string]bool{}
		for _, it := range ve.Items {
			wheres[it.Where] = true
		}
		if !wheres[file.Entities[5].Where] || !wheres[file.Relations[2500].Where] {
			t.Errorf("problems at %v, want the entity's (%s) and the relation's (%s) among them", wheres, file.Entities[5].Where, file.Relations[2500].Where)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the directory is there: %v", err)
		}
	})
}
