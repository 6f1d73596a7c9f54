package seed_test

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/seed/format"
)

// One source of truth for the fields of the model: TestEveryFieldRoundTrips
// sets every field of Entity, Relation (with its Quantity and several
// Sources), Predicate and EntityChange by reflection, writes the changeset in
// every registered format, reads it back and compares field by field.
//
// Adding a field to one of those types therefore fails this test until every
// format carries it (or lists it in its Format.Unsupported, with the reason),
// and until fieldValues below says how to set it if its values are
// constrained or of a kind fill does not know. TestFieldCheckCatches shows
// both failures: a format that drops a field, and a field fill cannot set.

// fieldValues holds valid values for the fields whose values are
// constrained (ids, dates, enumerations) or whose kind fill does not know,
// by "Type.Field". Every other field gets a value from its kind.
var fieldValues = map[string]any{
	"Entity.ID":              "person/every-field",
	"Entity.Type":            graph.Person,
	"Relation.ID":            "rel/every-field",
	"Relation.Subject":       "person/every-field",
	"Relation.Predicate":     "fled-to",
	"Relation.Object":        "country/georgia",
	"Relation.Date":          "2022-09",
	"Relation.EndDate":       "2023",
	"Relation.Timing":        graph.Since,
	"Relation.Hedges":        []graph.Hedge{graph.Alleged, graph.Partial},
	"Quantity.Amount":        50000.5,
	"Quantity.LowerBound":    fptr(40000),
	"Quantity.UpperBound":    fptr(60000),
	"Quantity.Approximation": graph.About,
	"Predicate.ID":           "fled-to",
	"Predicate.SubjectTypes": []graph.EntityType{graph.Person, graph.Group},
	"Predicate.ObjectTypes":  []graph.EntityType{graph.Country},
	"Source.URL":             "https://example.org/every-field",
}

// skipped are fields that are not data of the model: where an item was
// read from.
var skipped = map[string]bool{"EntityChange.Where": true, "PredicateChange.Where": true, "RelationChange.Where": true, "Retraction.Where": true}

// fill sets every field of the struct v to a value that is not zero,
// naming the fields it cannot set in problems. n tells copies apart (the
// second source of a relation).
func fill(v reflect.Value, n int, values map[string]any, problems *[]string) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf, fv := t.Field(i), v.Field(i)
		name := t.Name() + "." + sf.Name
		if skipped[name] {
			continue
		}
		if val, ok := values[name]; ok {
			x := reflect.ValueOf(val)
			if !x.Type().AssignableTo(fv.Type()) {
				*problems = append(*problems, fmt.Sprintf("fieldValues[%q] is a %s, the field a %s", name, x.Type(), fv.Type()))
				continue
			}
			fv.Set(x)
			continue
		}
		switch sf.Type.Kind() {
		case reflect.String:
			fv.SetString(fmt.Sprintf("%s %d, «every field»", name, n))
		case reflect.Bool:
			fv.SetBool(true)
		case reflect.Float64, reflect.Float32:
			fv.SetFloat(float64(n) + 0.25)
		case reflect.Int, reflect.Int64, reflect.Int32:
			fv.SetInt(int64(n) + 7)
		case reflect.Struct:
			fill(fv, n, values, problems)
		case reflect.Pointer:
			if sf.Type.Elem().Kind() != reflect.Struct {
				*problems = append(*problems, fmt.Sprintf("%s: a pointer to %s: add a value to fieldValues", name, sf.Type.Elem()))
				continue
			}
			p := reflect.New(sf.Type.Elem())
			fill(p.Elem(), n, values, problems)
			fv.Set(p)
		case reflect.Slice:
			s := reflect.MakeSlice(sf.Type, 2, 2)
			for j := 0; j < 2; j++ {
				switch e := s.Index(j); sf.Type.Elem().Kind() {
				case reflect.String:
					e.SetString(fmt.Sprintf("%s %d.%d", name, n, j))
				case reflect.Struct:
					fill(e, n*10+j, values, problems)
				default:
					*problems = append(*problems, fmt.Sprintf("%s: a list of %s: add a value to fieldValues", name, sf.Type.Elem()))
				}
			}
			fv.Set(s)
		default:
			*problems = append(*problems, fmt.Sprintf("%s: the test does not know how to set a %s: add a value to fieldValues", name, sf.Type))
		}
	}
}

// differing lists the fields ("Relation.Note") in which got and want differ,
// walking structs, pointers to structs and lists of structs.
func differing(got, want reflect.Value, out map[string]bool) {
	t := want.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name := t.Name() + "." + sf.Name
		if skipped[name] {
			continue
		}
		g, w := got.Field(i), want.Field(i)
		switch {
		case sf.Type.Kind() == reflect.Struct:
			differing(g, w, out)
		case sf.Type.Kind() == reflect.Pointer && sf.Type.Elem().Kind() == reflect.Struct && !g.IsNil() && !w.IsNil():
			differing(g.Elem(), w.Elem(), out)
		case sf.Type.Kind() == reflect.Slice && sf.Type.Elem().Kind() == reflect.Struct && g.Len() == w.Len():
			for j := 0; j < w.Len(); j++ {
				differing(g.Index(j), w.Index(j), out)
			}
		case !reflect.DeepEqual(g.Interface(), w.Interface()):
			out[name] = true
		}
	}
}

// everyField is a changeset with one predicate, entity, relation and
// retraction, every field set.
func everyField(values map[string]any) (*graph.Changeset, []string) {
	var problems []string
	var p graph.PredicateChange
	var e graph.EntityChange
	var r, rt graph.Relation
	fill(reflect.ValueOf(&p).Elem(), 1, values, &problems)
	fill(reflect.ValueOf(&e).Elem(), 1, values, &problems)
	fill(reflect.ValueOf(&r).Elem(), 1, values, &problems)
	fill(reflect.ValueOf(&rt).Elem(), 2, values, &problems)
	rt.ID = "rel/every-field-retracted"
	return &graph.Changeset{Predicates: []graph.PredicateChange{p}, Entities: []graph.EntityChange{e},
		Relations: []graph.RelationChange{{Relation: r}}, Retractions: []graph.Retraction{{Relation: rt}}}, problems
}

// checkFields writes c in f, reads it back and returns what does not hold:
// fields lost that f does not list as unsupported, and fields listed that
// are carried after all.
func checkFields(f format.Format, c *graph.Changeset) []string {
	var buf bytes.Buffer
	if err := f.Write(&buf, c); err != nil {
		return []string{"Write: " + err.Error()}
	}
	got, err := f.ParseData("every-field"+f.Extensions[0], buf.Bytes())
	if err != nil {
		return []string{"Parse(Write(c)): " + err.Error()}
	}
	if got.Len() != c.Len() || len(got.Relations) != len(c.Relations) || len(got.Entities) != len(c.Entities) ||
		len(got.Predicates) != len(c.Predicates) || len(got.Retractions) != len(c.Retractions) {
		return []string{fmt.Sprintf("read back %d items, wrote %d", got.Len(), c.Len())}
	}
	lost := map[string]bool{}
	differing(reflect.ValueOf(*got), reflect.ValueOf(*c), lost)
	var out []string
	for name := range lost {
		if _, listed := f.Unsupported[name]; !listed {
			out = append(out, fmt.Sprintf("%s is lost: carry it, or list it in the format's Unsupported with the reason", name))
		}
	}
	for name, why := range f.Unsupported {
		if !lost[name] {
			out = append(out, fmt.Sprintf("%s is listed as unsupported (%s) but round-trips: take it off the list", name, why))
		}
	}
	sort.Strings(out)
	return out
}

func TestEveryFieldRoundTrips(t *testing.T) {
	c, problems := everyField(fieldValues)
	if len(problems) > 0 {
		t.Fatalf("cannot set every field of the model:\n%s", strings.Join(problems, "\n"))
	}
	for _, f := range seed.Formats() {
		t.Run(f.Name, func(t *testing.T) {
			for _, p := range checkFields(f, c) {
				t.Errorf("%s: %s", f.Name, p)
			}
		})
	}
}

// TestFieldCheckCatches shows that the check fails when a format drops a
// field, as it would for a field added to the model and not to a format,
// and when a field cannot be set, as for a new field of a kind fill does not
// know.
func TestFieldCheckCatches(t *testing.T) {
	jsonl, _ := seed.FormatByName("jsonl")
	dropsNote := jsonl
	dropsNote.Write = func(w io.Writer, c *graph.Changeset) error {
		d := *c
		d.Relations = append([]graph.RelationChange(nil), c.Relations...)
		d.Relations[0].Relation.Note = ""
		return jsonl.Write(w, &d)
	}
	c, _ := everyField(fieldValues)
	got := checkFields(dropsNote, c)
	if len(got) != 1 || !strings.HasPrefix(got[0], "Relation.Note is lost") {
		t.Errorf("a format that drops Relation.Note: got %q, want Relation.Note named as lost", got)
	}
	dropsNote.Unsupported = map[string]string{"Relation.Note": "a test"}
	if got := checkFields(dropsNote, c); len(got) != 0 {
		t.Errorf("a format that lists the note it drops: got %q, want nothing", got)
	}
	jsonl.Unsupported = map[string]string{"Relation.Note": "a test"}
	if got := checkFields(jsonl, c); len(got) != 1 || !strings.Contains(got[0], "round-trips") {
		t.Errorf("a format that lists a field it carries: got %q, want it named", got)
	}
	type withNewField struct {
		graph.Entity
		Born chan int
	}
	var problems []string
	fill(reflect.ValueOf(&withNewField{}).Elem(), 1, fieldValues, &problems)
	if len(problems) != 1 || !strings.Contains(problems[0], "withNewField.Born") {
		t.Errorf("a field fill cannot set: got %q, want withNewField.Born named", problems)
	}
}
