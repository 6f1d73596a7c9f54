package schema_test

import (
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
			for fname, f := range typ.Fields() {
				if f.Description == "" {
					missing = append(missing, name+"."+fname)
				}
				for _, arg := range f.Args {
					if arg.Description() == "" {
						missing = append(missing, name+"."+fname+"("+arg.Name()+")")
					}
				}
			}
		case *graphql.Interface:
			if typ.Description() == "" {
				missing = append(missing, "interface "+name)
			}
			for fname, f := range typ.Fields() {
				if f.Description == "" {
					missing = append(missing, name+"."+fname)
				}
				for _, arg := range f.Args {
					if arg.Description() == "" {
						missing = append(missing, name+"."+fname+"("+arg.Name()+")")
					}
				}
			}
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
