package schema_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/schema"
)

// Every argument that names an entity takes an id, a name or an alias
// (Cyrillic too), and refuses an unknown name with a suggestion and an
// ambiguous one with its candidates, never answering with an empty list.
func TestEntityArgumentsTakeIdsAndNames(t *testing.T) {
	st := seeded(t)
	twins := &graph.Changeset{Entities: []graph.EntityChange{
		{Where: "test", Entity: graph.Entity{ID: "person/twin-a", Name: "Twin Name", Type: graph.Person}},
		{Where: "test", Entity: graph.Entity{ID: "person/twin-b", Name: "Twin Name", Type: graph.Person}},
	}}
	if _, err := st.Apply(context.Background(), twins, false); err != nil {
		t.Fatal(err)
	}
	api := newAPI(t, st, schema.Options{Limits: schema.DefaultLimits()})
	arguments := []struct{ name, query string }{
		{"relations(subject:)", `{ relations(subject: %s) { totalCount } }`},
		{"relations(object:)", `{ relations(object: %s) { totalCount } }`},
		{"timeline(entity:)", `{ timeline(entity: %s) { totalCount } }`},
		{"path(from:)", `{ path(from: %s, to: "person/alla-pugacheva") { hops } }`},
		{"path(to:)", `{ path(from: "person/alla-pugacheva", to: %s) { hops } }`},
		{"neighborhood(id:)", `{ neighborhood(id: %s) { entities { id } } }`},
	}
	values := []struct {
		name, value string
		wantError   []string // empty: the same answer as the id
	}{
		{"id", "country/georgia", nil},
		{"name", "Georgia", nil},
		{"name in another case", "georgia", nil},
		{"Cyrillic alias", "Грузия", nil},
		{"unknown name", "Georgiaa", []string{"no entity has the id or name", "did you mean country/georgia (Georgia)"}},
		{"ambiguous name", "Twin Name", []string{"person/twin-a", "person/twin-b"}},
	}
	for _, arg := range arguments {
		byID := do(t, api, context.Background(), fmt.Sprintf(arg.query, `"country/georgia"`), nil)
		want, _ := json.Marshal(mustData(t, byID))
		for _, v := range values {
			t.Run(arg.name+" with "+v.name, func(t *testing.T) {
				q, _ := json.Marshal(v.value)
				out := do(t, api, context.Background(), fmt.Sprintf(arg.query, q), nil)
				got, _ := json.Marshal(out)
				if len(v.wantError) == 0 {
					if data, _ := json.Marshal(out["data"]); out["errors"] != nil || string(data) != string(want) {
						t.Errorf("%s: %s, want the answer for the id: %s", v.value, got, want)
					}
					return
				}
				if out["errors"] == nil {
					t.Fatalf("%s: no error: %s", v.value, got)
				}
				for _, w := range v.wantError {
					if !strings.Contains(string(got), w) {
						t.Errorf("%s: the error %s does not say %q", v.value, got, w)
					}
				}
			})
		}
	}
}

// An unknown predicate is an error that suggests the nearest ones; an
// unknown entity type is a validation error.
func TestUnknownPredicatesAndTypesAreErrors(t *testing.T) {
	api := newAPI(t, seeded(t), schema.Options{Limits: schema.DefaultLimits()})
	for q, want := range map[string]string{
		`{ relations(predicate: "fled_to") { totalCount } }`:                                `did you mean fled-to`,
		`{ relations(predicates: ["fled-to", "deportedby"]) { totalCount } }`:               `did you mean deported-by`,
		`{ entity(id: "country/georgia") { relations(predicate: "nope") { totalCount } } }`: `no predicate has the id \"nope\"`,
		`{ timeline(predicates: ["Fled To"]) { totalCount } }`:                              `did you mean fled-to`,
		`{ path(from: "Georgia", to: "Armenia", predicates: ["migraton-to"]) { hops } }`:    `did you mean migration-to`,
		`{ entities(type: PLANET) { totalCount } }`:                                         `PLANET`,
	} {
		out := do(t, api, context.Background(), q, nil)
		got, _ := json.Marshal(out)
		if out["errors"] == nil || !strings.Contains(string(got), want) {
			t.Errorf("%s: %s, want an error saying %s", q, got, want)
		}
	}
}

// A name thousands of entities share is an error that lists ten of them
// and says how many more, whatever the count, and that reads no more than
// maxNameMatches of them; below that, the entity whose main name it is
// still wins. Before, the error listed every id (30,000 made 499 KB, and
// 25 aliases asking for it 10 MB).
func TestAmbiguousNamesListTenCandidates(t *testing.T) {
	t.Parallel()
	st, err := badger.Open(t.TempDir(), badger.Options{NoSync: true, MemTableSize: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &graph.Changeset{}
	add := func(id, name string, aliases ...string) {
		c.Entities = append(c.Entities, graph.EntityChange{Where: "test", Entity: graph.Entity{ID: id, Name: name, Type: graph.Person, Aliases: aliases}})
	}
	for i := range 1500 {
		add(fmt.Sprintf("person/many-%04d", i), fmt.Sprintf("Many %d", i), "Everyone")
	}
	for i := range 30 {
		add(fmt.Sprintf("person/some-%02d", i), fmt.Sprintf("Some %d", i), "Someone")
	}
	add("person/someone", "Someone")
	add("person/twin-a", "Twin")
	add("person/twin-b", "Twin")
	if _, err := st.Apply(context.Background(), c, false); err != nil {
		t.Fatal(err)
	}
	api := newAPI(t, st, schema.Options{Limits: schema.DefaultLimits()})
	var fields []string
	for i := range 15 {
		fields = append(fields, fmt.Sprintf(`e%d: entity(name: "Everyone") { id }`, i))
	}
	out := do(t, api, context.Background(), "{ "+strings.Join(fields, " ")+" }", nil)
	raw, _ := json.Marshal(out)
	errs, _ := out["errors"].([]any)
	if len(errs) != 15 || len(raw) > 15*1000 {
		t.Fatalf("15 fields asking for a name 1,500 share: %d errors in %d bytes; want 15, under 1 KB each", len(errs), len(raw))
	}
	msg := errs[0].(map[string]any)["message"].(string)
	if !strings.Contains(msg, "matches 1500 entities (person/many-0000, person/many-0001,") ||
		!strings.Contains(msg, "person/many-0009 and 1,490 more); ask by id") || strings.Contains(msg, "person/many-0010") {
		t.Errorf("the error lists %q; want the first ten and how many more", msg)
	}
	for name, want := range map[string]string{
		"Someone": `"id":"person/someone"`, // the one whose main name it is, among 31
		"Twin":    `matches 2 entities (person/twin-a, person/twin-b); ask by id`,
	} {
		q, _ := json.Marshal(name)
		raw, _ := json.Marshal(do(t, api, context.Background(), fmt.Sprintf(`{ entity(name: %s) { id } }`, q), nil))
		if !strings.Contains(string(raw), want) {
			t.Errorf("entity(name: %s) = %s; want %s", q, raw, want)
		}
	}
}
