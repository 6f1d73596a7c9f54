package graph

import (
	"fmt"
	"strings"
	"testing"
)

// sharedNameView is a view in which every name is shared by n entities.
type sharedNameView struct {
	mapView
	n int
}

func (v sharedNameView) EntityIDsByName(string) ([]string, error) {
	ids := make([]string, v.n)
	for i := range ids {
		ids[i] = fmt.Sprintf("person/p-%05d", i)
	}
	return ids, nil
}

// A write that names an entity by a name thousands share is refused with
// ten of them and how many more, not with every one (30,000 ids made a
// problem of half a megabyte, and a write lists 200 failing items).
func TestAmbiguousReferenceListsTenCandidates(t *testing.T) {
	c := &Changeset{Relations: []RelationChange{{Where: "facts.csv:2", Relation: Relation{Subject: "Ivan",
		Predicate: "fled-to", Object: "country/georgia", Sources: []Source{{Quote: "q"}}}}}}
	view := sharedNameView{mapView: mapView{entities: map[string]*Entity{"country/georgia": {ID: "country/georgia", Name: "Georgia", Type: Country}}}, n: 30_000}
	_, err := PlanChangeset(c, view)
	msg := fmt.Sprint(err)
	want := `facts.csv:2: subject: ambiguous entity "Ivan": it names 30000 entities (person/p-00000, person/p-00001,`
	if !strings.HasPrefix(msg, want) || !strings.HasSuffix(msg, "person/p-00009 and 29,990 more); use an id") || len(msg) > 500 {
		t.Errorf("error of %d bytes: %.300s; want it to begin %q and list ten", len(msg), msg, want)
	}
}

func TestListCandidates(t *testing.T) {
	for _, tt := range []struct {
		ids   []string
		total int
		want  string
	}{
		{[]string{"a", "b"}, 2, "a, b"},
		{[]string{"a", "b"}, 1002, "a, b and 1,000 more"},
		{strings.Split("a b c d e f g h i j k l", " "), 12, "a, b, c, d, e, f, g, h, i, j and 2 more"},
		{strings.Split("a b c d e f g h i j", " "), 1_234_567, "a, b, c, d, e, f, g, h, i, j and 1,234,557 more"},
	} {
		if got := ListCandidates(tt.ids, tt.total); got != tt.want {
			t.Errorf("ListCandidates(%v, %d) = %q, want %q", tt.ids, tt.total, got, tt.want)
		}
	}
}
