package schema

import (
	"fmt"
	"strings"
	"testing"

	"github.com/graphql-go/graphql/testutil"
)

// worstDocuments are the most expensive documents found that reach
// graphql-go's validation under the default limits (each is refused there or
// by the limits after it), beside GraphiQL's introspection query for scale.
func worstDocuments() []struct{ name, query string } {
	var conflicts, nested, variables, directives, wide strings.Builder
	conflicts.WriteString("{")
	for n := 0; n < 10; n++ {
		for i := 0; i < 20; i++ {
			fmt.Fprintf(&conflicts, `a%d: search(text:"N%d"){id} `, n, i)
		}
	}
	conflicts.WriteString("}")
	nested.WriteString("{")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&nested, `e: entity(id:"%d"){ `, i)
		for j := 0; j < 20; j++ {
			fmt.Fprintf(&nested, `n: relations(first:%d){totalCount} `, j)
		}
		nested.WriteString("} ")
	}
	nested.WriteString("}")
	variables.WriteString("query(")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&variables, "$v%d: Int ", i)
	}
	variables.WriteString("){__typename}")
	directives.WriteString("{")
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&directives, "a%d: __typename @a @b @c @d @e @f @g @h @i @j ", i)
	}
	directives.WriteString("}")
	// 9,700 tokens of distinct fields, 200 to a selection set
	wide.WriteString("{")
	for set := 0; set < 16; set++ {
		fmt.Fprintf(&wide, "s%d: entity(id:\"x\"){", set)
		for i := 0; i < 200; i++ {
			fmt.Fprintf(&wide, "f%d: id ", i)
		}
		wide.WriteString("} ")
	}
	wide.WriteString("}")
	return []struct{ name, query string }{
		{"introspection", testutil.IntrospectionQuery},
		{"conflicting fields 10x20", conflicts.String()},
		{"nested conflicts 20x20 (the gate refuses them merged)", nested.String()},
		{"unused variables 1000", variables.String()},
		{"unknown directives 200x10", directives.String()},
		{"distinct fields 16x200", wide.String()},
	}
}

// BenchmarkPrepareWorstCase measures parsing and validation (no cache) of
// the worst documents the gate lets through to graphql-go:
//
//	go test ./schema -run '^$' -bench PrepareWorstCase
func BenchmarkPrepareWorstCase(b *testing.B) {
	api := gateAPI(b, DefaultLimits())
	s := api.schema.Load()
	for _, doc := range worstDocuments() {
		b.Run(doc.name, func(b *testing.B) {
			if pe := api.opts.Limits.scan(doc.query); pe != nil {
				b.Fatalf("the gate refuses it: %v", pe)
			}
			b.SetBytes(int64(len(doc.query)))
			for b.Loop() {
				api.prepare(s, doc.query)
			}
		})
	}
}
