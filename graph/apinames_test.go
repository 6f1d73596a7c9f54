package graph

import (
	"strings"
	"testing"
)

func TestFieldName(t *testing.T) {
	for in, want := range map[string]string{
		"fled-to":             "fledTo",
		"received emigrants":  "receivedEmigrants",
		"Received  Emigrants": "receivedEmigrants",
		"2022-wave":           "_2022Wave",
		"получил эмигрантов":  "",
		"visa-free for":       "visaFreeFor",
	} {
		if got := FieldName(in); got != want {
			t.Errorf("FieldName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTypedFields(t *testing.T) {
	for _, tt := range []struct {
		id, inverse, out, in string
	}{
		{"fled-to", "received emigrants", "fledTo", "receivedEmigrants"},
		{"allied-with", "allied with", "alliedWith", "alliedWithInverse"},
		{"fled-to", "получил эмигрантов", "fledTo", "fledToIn"},
	} {
		p := &Predicate{ID: tt.id, InverseLabel: tt.inverse}
		if out, in := p.TypedFields(); out != tt.out || in != tt.in {
			t.Errorf("%s / %q: TypedFields() = %s, %s; want %s, %s", tt.id, tt.inverse, out, in, tt.out, tt.in)
		}
	}
}

// storedView is a View whose stored predicates are listed (PredicateLister).
type storedView struct {
	mapView
	predicates []*Predicate
}

func (v storedView) Predicate(id string) (*Predicate, error) {
	for _, p := range v.predicates {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, nil
}

func (v storedView) Predicates() ([]*Predicate, error) { return v.predicates, nil }

var fledTo = &Predicate{ID: "fled-to", Label: "fled to", InverseLabel: "received emigrants",
	SubjectTypes: []EntityType{Group, Person}, ObjectTypes: []EntityType{Country, Place}}

// A predicate whose typed field would take the name of another predicate's
// field, or of a field every entity has, is refused at planning, naming the
// field and who holds it: loaded, it would have renamed the older field
// (Country.receivedEmigrants of fled-to became fledToIn).
func TestPlanRefusesATypedFieldNameThatIsTaken(t *testing.T) {
	view := storedView{predicates: []*Predicate{fledTo}}
	pred := func(id, inverse string, subjects, objects []EntityType) PredicateChange {
		return PredicateChange{Where: "predicates.yaml:3", Predicate: Predicate{ID: id, Label: id, InverseLabel: inverse,
			SubjectTypes: subjects, ObjectTypes: objects}}
	}
	refused := []struct {
		name   string
		c      Changeset
		field  string
		phrase []string
	}{
		{"the inverse label of a stored predicate's", Changeset{Predicates: []PredicateChange{
			pred("admitted", "received emigrants", []EntityType{Country}, []EntityType{Country})}},
			"inverseLabel", []string{"receivedEmigrants of COUNTRY", "predicate fled-to's", `"received emigrants"`, "choose another inverse label"}},
		{"a stored predicate's field named after its id", Changeset{Predicates: []PredicateChange{
			pred("exiles", "fled to", []EntityType{Country}, []EntityType{Person})}},
			"inverseLabel", []string{"fledTo of PERSON", "predicate fled-to's (after its id)"}},
		{"an id giving a stored inverse label's name", Changeset{Predicates: []PredicateChange{
			pred("received-emigrants", "counted by", []EntityType{Place}, []EntityType{Law})}},
			"id", []string{"receivedEmigrants of PLACE", "choose another id"}},
		{"a field every entity has", Changeset{Predicates: []PredicateChange{
			pred("aliases", "alias of", []EntityType{Person}, []EntityType{Person})}},
			"id", []string{"aliases of PERSON", "every entity has"}},
		{"another predicate of the same write", Changeset{Predicates: []PredicateChange{
			pred("hosted", "guests", []EntityType{Country}, []EntityType{Person}),
			pred("sheltered", "guests", []EntityType{Country}, []EntityType{Person})}},
			"inverseLabel", []string{"guests of PERSON", "predicate hosted's"}},
	}
	for _, tt := range refused {
		_, err := PlanChangeset(&tt.c, view)
		ve, ok := err.(*ValidationError)
		if !ok || len(ve.Items) == 0 {
			t.Errorf("%s: planned (%v), want it refused", tt.name, err)
			continue
		}
		got := ve.Items[len(ve.Items)-1]
		p := got.Problems[0]
		ok = p.Field == tt.field && got.Where == "predicates.yaml:3"
		for _, phrase := range tt.phrase {
			ok = ok && strings.Contains(p.Message, phrase)
		}
		if !ok {
			t.Errorf("%s: refused with %v, want a problem of %s saying %q", tt.name, ve, tt.field, tt.phrase)
		}
	}

	// names on other types, fled-to stated again or corrected, and a
	// predicate whose id and inverse label name one field: all planned
	fixed := *fledTo
	fixed.Description = "Left Russia."
	for _, c := range []Changeset{
		{Predicates: []PredicateChange{pred("admitted", "received emigrants", []EntityType{Person}, []EntityType{Law})}},
		{Predicates: []PredicateChange{{Predicate: *fledTo}}},
		{Predicates: []PredicateChange{{Predicate: fixed}}},
		{Predicates: []PredicateChange{pred("allied-with", "allied with", []EntityType{Country}, []EntityType{Country})}},
	} {
		if _, err := PlanChangeset(&c, view); err != nil {
			t.Errorf("%v: %v", c.Predicates[0].Predicate, err)
		}
	}
}
