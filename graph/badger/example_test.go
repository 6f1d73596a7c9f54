package badger_test

import (
	"context"
	"fmt"
	"os"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// Open a store, write a fact with its quote, and ask who fled to a country.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "emigraph-example")
	defer os.RemoveAll(dir)
	st, err := badger.Open(dir, badger.Options{})
	if err != nil {
		panic(err)
	}
	defer st.Close()
	ctx := context.Background()
	_, err = st.Apply(ctx, &graph.Changeset{
		Predicates: []graph.PredicateChange{{Predicate: graph.Predicate{ID: "fled-to", Label: "fled to", InverseLabel: "received emigrants",
			SubjectTypes: []graph.EntityType{graph.Person}, ObjectTypes: []graph.EntityType{graph.Country}}}},
		Entities: []graph.EntityChange{
			{Entity: graph.Entity{ID: "person/chulpan-khamatova", Name: "Chulpan Khamatova", Type: graph.Person, Aliases: []string{"Чулпан Хаматова"}}},
			{Entity: graph.Entity{ID: "country/latvia", Name: "Latvia", Type: graph.Country}},
		},
		Relations: []graph.RelationChange{{Relation: graph.Relation{
			Subject: "Чулпан Хаматова", Predicate: "fled-to", Object: "Latvia", Date: "2022",
			Sources: []graph.Source{{Quote: "Actress Chulpan Khamatova stayed in exile in Latvia after she signed a petition against the war in Ukraine."}},
		}}},
	}, false)
	if err != nil {
		panic(err)
	}
	page, _ := st.Relations(ctx, graph.RelationFilter{Object: "country/latvia", Predicates: []string{"fled-to"}, First: 10})
	for _, r := range page.Relations {
		fmt.Println(r.Subject, r.Predicate, r.Object, r.Date)
		fmt.Println(r.Sources[0].Quote)
	}
	// Output:
	// person/chulpan-khamatova fled-to country/latvia 2022
	// Actress Chulpan Khamatova stayed in exile in Latvia after she signed a petition against the war in Ukraine.
}
