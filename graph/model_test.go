package graph

import (
	"regexp"
	"strings"
	"testing"
)

var slugPattern = regexp.MustCompile(`^[a-z]+/[a-z0-9]+(?:[-.][a-z0-9]+)*$`)

// ValidID accepts exactly what the slug expression accepts.
func FuzzValidID(f *testing.F) {
	for _, id := range []string{"person/chulpan-khamatova", "rel/gen-12", "law/2022.1", "a/b", "", "/", "a/", "/b",
		"Person/x", "person/x-", "person/-x", "person/x--y", "person/x.-y", "person/x/y", "person/ж", "person/x y", "rel/0"} {
		f.Add(id)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := ValidID(id), slugPattern.MatchString(id); got != want {
			t.Errorf("ValidID(%q) = %v, the expression says %v", id, got, want)
		}
	})
}

// Ids and names are bounded (they go into the store's keys), and the
// problem says by how much.
func TestLengthLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name  string
		probs Problems
		field string
	}{
		{"entity id", (&Entity{ID: "person/" + long(MaxIDLength), Name: "x", Type: Person}).Validate(), "id"},
		{"entity name", (&Entity{ID: "person/x", Name: long(MaxNameLength + 1), Type: Person}).Validate(), "name"},
		{"alias", (&Entity{ID: "person/x", Name: "x", Type: Person, Aliases: []string{"y", long(MaxNameLength + 1)}}).Validate(), "aliases[1]"},
		{"relation id", (&Relation{ID: "rel/" + long(MaxIDLength), Subject: "s", Predicate: "p", Sources: []Source{{Quote: "q"}}}).Validate(), "id"},
		{"predicate id", (&Predicate{ID: long(MaxIDLength + 1), Label: "l", InverseLabel: "i", SubjectTypes: []EntityType{Person}}).Validate(), "id"},
	}
	for _, tt := range tests {
		found := false
		for _, p := range tt.probs {
			if p.Field == tt.field && strings.Contains(p.Message, "bytes long, more than") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: problems %v, want one on %s saying how long", tt.name, tt.probs, tt.field)
		}
	}
	if ps := (&Entity{ID: "person/x", Name: long(MaxNameLength), Type: Person}).Validate(); len(ps) > 0 {
		t.Errorf("a name of exactly %d bytes: %v", MaxNameLength, ps)
	}
}

// A retraction that matches no relation is not an error (retracting twice
// changes nothing), but the summary says so and where.
func TestRetractingNothingIsReported(t *testing.T) {
	c := &Changeset{Retractions: []Retraction{{Where: "f.yaml:3", Relation: Relation{ID: "rel/no-such"}}}}
	plan, err := PlanChangeset(c, mapView{})
	if err != nil {
		t.Fatal(err)
	}
	s := plan.Summary
	if s.RetractionsNotFound != 1 || len(plan.Warnings) != 1 || !strings.Contains(plan.Warnings[0], "f.yaml:3: retract: no relation rel/no-such") ||
		!strings.Contains(s.String(), "1 retraction matched no relation") {
		t.Errorf("summary %+v: %s", s, s.String())
	}
}
