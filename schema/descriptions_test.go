package schema_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/graphql-go/graphql"

	"github.com/emigraph/emigraph/schema"
)

// Every type, field, argument, enum value and input field of the schema has
// a description, so that GraphiQL's documentation explorer answers every
// question; a new field without one fails here.
func TestEverythingIsDescribed(t *testing.T) {
	api := newAPI(t, seeded(t), schema.Options{})
	s := api.Schema()
	var missing []string
	for name, typ := range s.TypeMap() {
		if strings.HasPrefix(name, "__") {
			continue // graphql-go's introspection types
		}
		switch typ := typ.(type) {
		case *graphql.Scalar:
			if typ.Description() == "" {
				missing = append(missing, "scalar "+name)
			}
		case *graphql.Object:
			if typ.Description() == "" {
				missing = append(missing, "type "+name)
			}
			missing = append(missing, undescribedFields(name, typ.Fields())...)
		case *graphql.Interface:
			if typ.Description() == "" {
				missing = append(missing, "interface "+name)
			}
			missing = append(missing, undescribedFields(name, typ.Fields())...)
		case *graphql.Enum:
			if typ.Description() == "" {
				missing = append(missing, "enum "+name)
			}
			for _, v := range typ.Values() {
				if v.Description == "" {
					missing = append(missing, name+"."+v.Name)
				}
			}
		case *graphql.InputObject:
			if typ.Description() == "" {
				missing = append(missing, "input "+name)
			}
			for fname, f := range typ.Fields() {
				if f.Description() == "" {
					missing = append(missing, name+"."+fname)
				}
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d parts of the schema have no description:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

// Introspection answers null, not "", for a missing description: none of our
// schema's, but graphql-go's own introspection types have fields without one
// (__Type.name), and GraphiQL's documentation explorer asks for them too.
func TestMissingDescriptionsAreNull(t *testing.T) {
	api := newAPI(t, seeded(t), schema.Options{})
	out := do(t, api, context.Background(), `{ __schema {
		types { name description
			fields(includeDeprecated: true) { name description args { name description } }
			inputFields { name description }
			enumValues(includeDeprecated: true) { name description } }
		directives { name description args { name description } } } }`, nil)
	if out["errors"] != nil {
		t.Fatal(out["errors"])
	}
	var empty []string
	nulls := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if name, ok := x["name"].(string); ok {
				path += "/" + name
			}
			if d, ok := x["description"]; ok {
				switch {
				case d == nil:
					nulls++
				case d == "":
					empty = append(empty, path)
				}
			}
			for _, e := range x {
				walk(path, e)
			}
		case []any:
			for _, e := range x {
				walk(path, e)
			}
		}
	}
	walk("", out["data"])
	sort.Strings(empty)
	if len(empty) > 0 {
		t.Errorf("%d descriptions are \"\" rather than null:\n%s", len(empty), strings.Join(empty, "\n"))
	}
	if nulls == 0 {
		t.Errorf("no description is null: the query no longer reaches graphql-go's undescribed introspection fields, so this test checks nothing")
	}
}

// undescribedFields lists the fields and arguments of a type that have no
// description.
func undescribedFields(typeName string, fields graphql.FieldDefinitionMap) []string {
	var missing []string
	for fname, f := range fields {
		if f.Description == "" {
			missing = append(missing, typeName+"."+fname)
		}
		for _, arg := range f.Args {
			if arg.Description() == "" {
				missing = append(missing, typeName+"."+fname+"("+arg.Name()+")")
			}
		}
	}
	return missing
}
