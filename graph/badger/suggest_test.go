package badger_test

import (
	"context"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/seedtest"
)

// A write naming an entity or a predicate that does not exist is refused
// with the nearest ones offered, found by the forgiving search and by edit
// distance.
func TestUnknownNamesInAWriteSuggest(t *testing.T) {
	t.Parallel()
	st := seedtest.Open(t)
	c := &graph.Changeset{Relations: []graph.RelationChange{
		{Where: "f.yaml:2", Relation: graph.Relation{Subject: "Oxxymiron", Predicate: "fled-to", Object: "country/georgia", Sources: []graph.Source{{Quote: "q"}}}},
		{Where: "f.yaml:8", Relation: graph.Relation{Subject: "person/oxxxymiron", Predicate: "deportedby", Object: "Kazakstan", Sources: []graph.Source{{Quote: "q"}}}},
	}}
	_, err := st.Apply(context.Background(), c, true)
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
