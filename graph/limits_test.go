package graph

import (
	"fmt"
	"strings"
	"testing"
)

// Every text and list an item carries is bounded; a value at the bound is
// accepted, one byte (or item) over is refused with a problem that names the
// field and the bound.
func TestSizeLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	entity := func(f func(*Entity)) func() Problems {
		return func() Problems {
			e := Entity{ID: "person/x", Name: "X", Type: Person}
			f(&e)
			return e.Validate()
		}
	}
	relation := func(f func(*Relation)) func() Problems {
		return func() Problems {
			r := Relation{Subject: "person/x", Predicate: "fled-to", Object: "country/georgia", Sources: []Source{{Quote: "q"}}}
			f(&r)
			return r.Validate()
		}
	}
	predicate := func(f func(*Predicate)) func() Problems {
		return func() Problems {
			p := Predicate{ID: "fled-to", Label: "fled to", InverseLabel: "received", SubjectTypes: []EntityType{Person}, ObjectTypes: []EntityType{Country}}
			f(&p)
			return p.Validate()
		}
	}
	aliases := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprint("alias ", i)
		}
		return out
	}
	sources := func(n int) []Source {
		out := make([]Source, n)
		for i := range out {
			out[i] = Source{Quote: fmt.Sprint("quote ", i)}
		}
		return out
	}
	tests := []struct {
		name   string
		max    int
		field  string
		at     func() Problems // exactly at the bound
		over   func() Problems // one over
		phrase string
	}{
		{"aliases", MaxAliases, "aliases",
			entity(func(e *Entity) { e.Aliases = aliases(MaxAliases) }),
			entity(func(e *Entity) { e.Aliases = aliases(MaxAliases + 1) }), "aliases, more than the 100 an entity may have"},
		{"entity description", MaxDescriptionLength, "description",
			entity(func(e *Entity) { e.Description = long(MaxDescriptionLength) }),
			entity(func(e *Entity) { e.Description = long(MaxDescriptionLength + 1) }), "more than the 10000 a description may have"},
		{"quote", MaxQuoteLength, "sources[0].quote",
			relation(func(r *Relation) { r.Sources[0].Quote = long(MaxQuoteLength) }),
			relation(func(r *Relation) { r.Sources[0].Quote = long(MaxQuoteLength + 1) }), "more than the 10000 a quote may have"},
		{"second quote", MaxQuoteLength, "sources[1].quote",
			relation(func(r *Relation) { r.Sources = append(r.Sources, Source{Quote: long(MaxQuoteLength)}) }),
			relation(func(r *Relation) { r.Sources = append(r.Sources, Source{Quote: long(MaxQuoteLength + 1)}) }), "more than the 10000 a quote may have"},
		{"section", MaxSectionLength, "sources[0].section",
			relation(func(r *Relation) { r.Sources[0].Section = long(MaxSectionLength) }),
			relation(func(r *Relation) { r.Sources[0].Section = long(MaxSectionLength + 1) }), "more than the 1000 a section may have"},
		{"title", MaxTitleLength, "sources[0].title",
			relation(func(r *Relation) { r.Sources[0].Title = long(MaxTitleLength) }),
			relation(func(r *Relation) { r.Sources[0].Title = long(MaxTitleLength + 1) }), "more than the 1000 a title may have"},
		{"url", MaxURLLength, "sources[0].url",
			relation(func(r *Relation) { r.Sources[0].URL = long(MaxURLLength) }),
			relation(func(r *Relation) { r.Sources[0].URL = long(MaxURLLength + 1) }), "more than the 2000 a URL may have"},
		{"sources", MaxSources, "sources",
			relation(func(r *Relation) { r.Sources = sources(MaxSources) }),
			relation(func(r *Relation) { r.Sources = sources(MaxSources + 1) }), "sources, more than the 100 a relation may have"},
		{"note", MaxNoteLength, "note",
			relation(func(r *Relation) { r.Note = long(MaxNoteLength) }),
			relation(func(r *Relation) { r.Note = long(MaxNoteLength + 1) }), "more than the 10000 a note may have"},
		{"unit", MaxUnitLength, "quantity.unit",
			relation(func(r *Relation) { r.Quantity = &Quantity{Amount: 1, Approximation: Exact, Unit: long(MaxUnitLength)} }),
			relation(func(r *Relation) {
				r.Quantity = &Quantity{Amount: 1, Approximation: Exact, Unit: long(MaxUnitLength + 1)}
			}), "more than the 100 a unit may have"},
		{"subject", MaxNameLength, "subject",
			relation(func(r *Relation) { r.Subject = long(MaxNameLength) }),
			relation(func(r *Relation) { r.Subject = long(MaxNameLength + 1) }), "more than the 1000 an id or name may have"},
		{"object", MaxNameLength, "object",
			relation(func(r *Relation) { r.Object = long(MaxNameLength) }),
			relation(func(r *Relation) { r.Object = long(MaxNameLength + 1) }), "more than the 1000 an id or name may have"},
		{"predicate reference", MaxIDLength, "predicate",
			relation(func(r *Relation) { r.Predicate = long(MaxIDLength) }),
			relation(func(r *Relation) { r.Predicate = long(MaxIDLength + 1) }), "more than the 200 an id may have"},
		{"predicate label", MaxNameLength, "label",
			predicate(func(p *Predicate) { p.Label = long(MaxNameLength) }),
			predicate(func(p *Predicate) { p.Label = long(MaxNameLength + 1) }), "more than the 1000 a label may have"},
		{"predicate inverse label", MaxNameLength, "inverseLabel",
			predicate(func(p *Predicate) { p.InverseLabel = long(MaxNameLength) }),
			predicate(func(p *Predicate) { p.InverseLabel = long(MaxNameLength + 1) }), "more than the 1000 a label may have"},
		{"predicate description", MaxDescriptionLength, "description",
			predicate(func(p *Predicate) { p.Description = long(MaxDescriptionLength) }),
			predicate(func(p *Predicate) { p.Description = long(MaxDescriptionLength + 1) }), "more than the 10000 a description may have"},
	}
	for _, tt := range tests {
		if ps := tt.at(); len(ps) > 0 {
			t.Errorf("%s: exactly at the bound of %d: %v", tt.name, tt.max, ps)
		}
		ps := tt.over()
		if len(ps) != 1 || ps[0].Field != tt.field || !strings.Contains(ps[0].Message, tt.phrase) {
			t.Errorf("%s: one over the bound of %d: problems %v, want one on %s saying %q", tt.name, tt.max, ps, tt.field, tt.phrase)
		}
	}
}

// mapView is a View over maps, for planning tests.
type mapView struct {
	entities  map[string]*Entity
	relations map[string]*Relation
}

func (v mapView) Predicate(id string) (*Predicate, error) {
	if id != "fled-to" {
		return nil, nil
	}
	return &Predicate{ID: "fled-to", Label: "fled to", InverseLabel: "received", SubjectTypes: []EntityType{Person}, ObjectTypes: []EntityType{Country}}, nil
}
func (v mapView) Entity(id string) (*Entity, error)                   { return v.entities[id], nil }
func (v mapView) EntityIDsByName(normalized string) ([]string, error) { return nil, nil }
func (v mapView) Relation(id string) (*Relation, error)               { return v.relations[id], nil }

// The bounds on aliases and sources hold for what a write makes of an item
// together with what is stored, and with the same item stated twice.
func TestSizeLimitsAfterMerge(t *testing.T) {
	names := func(from, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprint("alias ", from+i)
		}
		return out
	}
	quotes := func(from, n int) []Source {
		out := make([]Source, n)
		for i := range out {
			out[i] = Source{Quote: fmt.Sprint("quote ", from+i)}
		}
		return out
	}
	stored := Relation{Subject: "person/x", Predicate: "fled-to", Object: "country/georgia", Sources: quotes(0, 60)}
	stored.ID = stored.DeriveID()
	view := mapView{
		entities: map[string]*Entity{
			"person/x":        {ID: "person/x", Name: "X", Type: Person, Aliases: names(0, 60)},
			"country/georgia": {ID: "country/georgia", Name: "Georgia", Type: Country},
		},
		relations: map[string]*Relation{stored.ID: &stored},
	}
	fact := func(from, n int) RelationChange {
		return RelationChange{Where: "f:1", Relation: Relation{Subject: "person/x", Predicate: "fled-to", Object: "country/georgia", Sources: quotes(from, n)}}
	}
	tests := []struct {
		name  string
		c     Changeset
		field string // "" if the write is accepted
	}{
		{"aliases within the bound", Changeset{Entities: []EntityChange{{Where: "f:1", Entity: Entity{ID: "person/x", Aliases: names(60, 40)}}}}, ""},
		{"aliases over the bound with the stored ones", Changeset{Entities: []EntityChange{{Where: "f:1", Entity: Entity{ID: "person/x", Aliases: names(60, 41)}}}}, "aliases"},
		{"stored aliases repeated", Changeset{Entities: []EntityChange{{Where: "f:1", Entity: Entity{ID: "person/x", Aliases: names(0, 60)}}}}, ""},
		{"sources within the bound", Changeset{Relations: []RelationChange{fact(60, 40)}}, ""},
		{"sources over the bound with the stored ones", Changeset{Relations: []RelationChange{fact(60, 41)}}, "sources"},
		{"stored sources repeated", Changeset{Relations: []RelationChange{fact(0, 60)}}, ""},
		{"sources over the bound in one write", Changeset{Relations: []RelationChange{fact(60, 30), fact(90, 11)}}, "sources"},
	}
	for _, tt := range tests {
		_, err := PlanChangeset(&tt.c, view)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		ve, ok := err.(*ValidationError)
		if !ok || ve.Count() != 1 || ve.Items[0].Problems[0].Field != tt.field || !strings.Contains(ve.Items[0].Problems[0].Message, "more than the 100") {
			t.Errorf("%s: %v, want one problem on %s naming the bound", tt.name, err, tt.field)
		}
	}
}

// An unknown predicate in a write suggests the nearest stored ones.
func TestUnknownPredicateSuggests(t *testing.T) {
	c := &Changeset{Relations: []RelationChange{{Where: "f.csv:2", Relation: Relation{Subject: "person/x", Predicate: "fled_to", Object: "country/y", Sources: []Source{{Quote: "q"}}}}}}
	_, err := PlanChangeset(c, listingView{})
	if err == nil || !strings.Contains(err.Error(), `unknown predicate "fled_to"; did you mean fled-to?`) {
		t.Errorf("%v", err)
	}
}

type listingView struct{ mapView }

func (listingView) Predicates() ([]*Predicate, error) {
	p, _ := mapView{}.Predicate("fled-to")
	return []*Predicate{p}, nil
}
