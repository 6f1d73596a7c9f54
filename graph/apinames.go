package graph

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// The GraphQL API gives every predicate a typed field on each entity type
// at its ends: Person.fledTo lists a person's fled-to relations, and
// Country.receivedEmigrants a country's, named after the inverse label.
// Those names are part of the API's contract, and a predicate is data: one
// loaded later must not take a name another predicate's field has, or the
// older field would be renamed under its clients. So the naming rule lives
// here, where planning a write checks it (checkFieldNames), and the schema
// names its fields by it.

// EntityFields are the fields every entity type has in the API, whatever
// the predicates: no typed field may take one of these names.
var EntityFields = []string{"id", "name", "type", "aliases", "description", "relations"}

// FieldName turns a predicate id or label into a field name in lower camel
// case: "fled-to" is fledTo, "received emigrants" is receivedEmigrants.
// Only ASCII letters and digits are kept (each other character starts a new
// word), and a name that would begin with a digit gets a "_" before it; a
// label of other letters (Cyrillic) gives "".
func FieldName(s string) string {
	var b strings.Builder
	upper := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			if b.Len() == 0 && r >= '0' && r <= '9' {
				b.WriteByte('_')
			}
			if upper && b.Len() > 0 {
				r = unicode.ToUpper(r)
			} else if b.Len() == 0 {
				r = unicode.ToLower(r)
			}
			b.WriteRune(r)
			upper = false
		default:
			upper = true
		}
	}
	return b.String()
}

// TypedFields returns the names of a predicate's typed fields: out, on each
// of its subject types, from its id (fledTo); in, on each of its object
// types, from its inverse label (receivedEmigrants). An inverse label that
// gives no name gives out with "In" after it, and one that gives out's own
// name, out with "Inverse" after it.
func (p *Predicate) TypedFields() (out, in string) {
	out = FieldName(p.ID)
	switch in = FieldName(p.InverseLabel); in {
	case "":
		in = out + "In"
	case out:
		in = out + "Inverse"
	}
	return out, in
}

// typedField is one typed field: the entity type it is on, its name, and
// the predicate end it stands for.
type typedField struct {
	on    EntityType
	name  string
	pred  *Predicate
	isOut bool
}

// typedFieldsOf lists the typed fields of a predicate.
func typedFieldsOf(p *Predicate) []typedField {
	out, in := p.TypedFields()
	var fs []typedField
	for _, t := range p.SubjectTypes {
		fs = append(fs, typedField{t, out, p, true})
	}
	for _, t := range p.ObjectTypes {
		fs = append(fs, typedField{t, in, p, false})
	}
	return fs
}

// holder says whose a typed field is, for a message: "predicate fled-to's
// (after its inverse label "received emigrants")".
func (f typedField) holder() string {
	if f.isOut {
		return fmt.Sprintf("predicate %s's (after its id)", f.pred.ID)
	}
	return fmt.Sprintf("predicate %s's (after its inverse label %q)", f.pred.ID, f.pred.InverseLabel)
}

// checkFieldNames refuses the predicates this changeset adds or changes
// whose typed fields would take the name of a field every entity has, or of
// another predicate's typed field on the same entity type (stored, or
// added by the changeset): the predicate's fields must be named otherwise,
// so that no field of the API changes its meaning or its name.
func (p *planner) checkFieldNames(c *Changeset, predWhere map[string]string) error {
	changed := map[string]bool{}
	for _, w := range p.plan.Predicates {
		changed[w.New.ID] = true
	}
	if len(changed) == 0 {
		return nil
	}
	// every predicate as the write leaves them: the stored ones, with the
	// changeset's in place of theirs
	all := map[string]*Predicate{}
	if lister, ok := p.view.(PredicateLister); ok {
		stored, err := lister.Predicates()
		if err != nil {
			return err
		}
		for _, s := range stored {
			all[s.ID] = s
		}
	}
	for id, np := range p.predicates {
		all[id] = np
	}
	ids := make([]string, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	type place struct {
		on   EntityType
		name string
	}
	holders := map[place][]typedField{}
	for _, id := range ids {
		for _, f := range typedFieldsOf(all[id]) {
			holders[place{f.on, f.name}] = append(holders[place{f.on, f.name}], f)
		}
	}
	for _, pc := range c.Predicates {
		pred := p.predicates[pc.Predicate.ID]
		if pred == nil || !changed[pred.ID] || predWhere[pred.ID] != pc.Where {
			continue
		}
		var ps Problems
		for _, f := range typedFieldsOf(pred) {
			arg, named, what := "id", pred.ID, "choose another id"
			if !f.isOut {
				arg, named, what = "inverseLabel", fmt.Sprintf("%q", pred.InverseLabel), "choose another inverse label"
			}
			if slices.Contains(EntityFields, f.name) {
				ps.Add(arg, "%s names the field %s of %s entities, which every entity has: %s", named, f.name, f.on, what)
				continue
			}
			for _, other := range holders[place{f.on, f.name}] {
				if other.pred.ID == pred.ID && other.isOut == f.isOut {
					continue
				}
				ps.Add(arg, "%s names the field %s of %s entities, which is %s: %s, so that no field of the API changes its name",
					named, f.name, f.on, other.holder(), what)
				break
			}
		}
		p.fail(pc.Where, ps)
	}
	return nil
}
