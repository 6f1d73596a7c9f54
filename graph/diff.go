package graph

import (
	"fmt"
	"slices"
	"strings"
)

// Change is one line of what a write does: an added, changed or retracted
// predicate, entity, relation or source record, with what differs.
type Change struct {
	Op     string   `json:"op"`   // "add", "change" or "retract"
	Kind   string   `json:"kind"` // "predicate", "entity", "relation" or "source"
	ID     string   `json:"id"`
	About  string   `json:"about"`            // a readable name of the item
	Fields []string `json:"fields,omitempty"` // for a change: what differs, "field: old → new"
}

// String writes the change as a diff line: "+", "~" or "-", then the item.
func (c Change) String() string {
	sign := map[string]string{"add": "+", "change": "~", "retract": "-"}[c.Op]
	s := fmt.Sprintf("%s %s %s", sign, c.Kind, c.ID)
	if c.About != "" && c.About != c.ID {
		s += " (" + c.About + ")"
	}
	if len(c.Fields) > 0 {
		s += ": " + strings.Join(c.Fields, "; ")
	}
	return s
}

// Changes lists what the plan adds, changes and retracts, in its order;
// unchanged items are left out.
func (p *Plan) Changes() []Change {
	var out []Change
	for _, w := range p.Predicates {
		switch {
		case w.Old == nil:
			out = append(out, Change{Op: "add", Kind: "predicate", ID: w.New.ID, About: w.New.Label})
		case !predicateEqual(w.Old, w.New):
			out = append(out, Change{Op: "change", Kind: "predicate", ID: w.New.ID, About: w.New.Label, Fields: predicateDiff(w.Old, w.New)})
		}
	}
	for _, w := range p.Entities {
		switch {
		case w.Old == nil:
			out = append(out, Change{Op: "add", Kind: "entity", ID: w.New.ID, About: fmt.Sprintf("%s, %s", w.New.Name, w.New.Type)})
		case !w.Old.Equal(w.New):
			out = append(out, Change{Op: "change", Kind: "entity", ID: w.New.ID, About: w.New.Name, Fields: entityDiff(w.Old, w.New)})
		}
	}
	for _, w := range p.Relations {
		switch {
		case w.New == nil:
			out = append(out, Change{Op: "retract", Kind: "relation", ID: w.Old.ID, About: statement(w.Old)})
		case w.Old == nil:
			out = append(out, Change{Op: "add", Kind: "relation", ID: w.New.ID, About: statement(w.New)})
		case !relationEqual(w.Old, w.New):
			out = append(out, Change{Op: "change", Kind: "relation", ID: w.New.ID, About: statement(w.New), Fields: relationDiff(w.Old, w.New)})
		}
	}
	return append(out, p.sourceChanges()...)
}

// statement writes a relation as a line: subject predicate object, date,
// quantity.
func statement(r *Relation) string {
	s := r.Subject + " " + r.Predicate
	if r.Object != "" {
		s += " " + r.Object
	}
	if r.Date != "" {
		switch {
		case r.Timing == Since:
			s += ", since " + r.Date
		case r.EndDate != "":
			s += ", " + r.Date + " to " + r.EndDate
		default:
			s += ", " + r.Date
		}
	}
	if q := r.Quantity; q != nil {
		s += fmt.Sprintf(", %s %g %s", strings.ToLower(strings.ReplaceAll(string(q.Approximation), "_", " ")), q.Amount, q.Unit)
	}
	for _, h := range r.Hedges {
		s += ", " + strings.ToLower(string(h))
	}
	return s
}

func changed(fields *[]string, name string, old, new any) {
	if fmt.Sprint(old) != fmt.Sprint(new) {
		*fields = append(*fields, fmt.Sprintf("%s: %q → %q", name, fmt.Sprint(old), fmt.Sprint(new)))
	}
}

// listDiff writes what a list gained and lost: "aliases: +X -Y".
func listDiff(fields *[]string, name string, old, new []string) {
	var parts []string
	for _, v := range new {
		if !slices.Contains(old, v) {
			parts = append(parts, fmt.Sprintf("+%q", v))
		}
	}
	for _, v := range old {
		if !slices.Contains(new, v) {
			parts = append(parts, fmt.Sprintf("-%q", v))
		}
	}
	if len(parts) > 0 {
		*fields = append(*fields, name+": "+strings.Join(parts, " "))
	}
}

func entityDiff(a, b *Entity) []string {
	var f []string
	changed(&f, "name", a.Name, b.Name)
	changed(&f, "type", a.Type, b.Type)
	listDiff(&f, "aliases", a.Aliases, b.Aliases)
	changed(&f, "description", a.Description, b.Description)
	if len(f) == 0 {
		f = append(f, "changed")
	}
	return f
}

func predicateDiff(a, b *Predicate) []string {
	var f []string
	changed(&f, "label", a.Label, b.Label)
	changed(&f, "inverseLabel", a.InverseLabel, b.InverseLabel)
	changed(&f, "subjectTypes", a.SubjectTypes, b.SubjectTypes)
	changed(&f, "objectTypes", a.ObjectTypes, b.ObjectTypes)
	changed(&f, "objectOptional", a.ObjectOptional, b.ObjectOptional)
	changed(&f, "broader", a.Broader, b.Broader)
	changed(&f, "description", a.Description, b.Description)
	if len(f) == 0 {
		f = append(f, "changed")
	}
	return f
}

func relationDiff(a, b *Relation) []string {
	var f []string
	changed(&f, "note", a.Note, b.Note)
	hedges := func(r *Relation) []string {
		var out []string
		for _, h := range r.Hedges {
			out = append(out, string(h))
		}
		return out
	}
	listDiff(&f, "hedges", hedges(a), hedges(b))
	quotes := func(r *Relation) []string {
		var q []string
		for _, s := range r.Sources {
			q = append(q, citationLabel(s))
		}
		return q
	}
	listDiff(&f, "sources", quotes(a), quotes(b))
	if len(f) == 0 {
		f = append(f, "sources' titles, sections or links")
	}
	return f
}
