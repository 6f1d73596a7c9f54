package schema

import "github.com/graphql-go/graphql"

// A missing description is null in introspection, as the GraphQL spec has
// it, not "". graphql-go (v0.8.1) resolves `description` of __Type, __Field,
// __InputValue, __EnumValue and __Directive with its default resolver, which
// reads the Go string and so answers "" for none. Every part of our schema is
// described (TestEverythingIsDescribed), but graphql-go's own introspection
// types are not (__Type.name, __Field.args, ...), and GraphiQL asks for those
// too. Their description resolvers are wrapped here, once, before any schema
// exists: they are graphql-go's package-level types, shared by every schema,
// so doing it at each build would race with requests being executed.
func init() {
	for _, t := range []*graphql.Object{graphql.TypeType, graphql.FieldType, graphql.InputValueType,
		graphql.EnumValueType, graphql.DirectiveType, graphql.SchemaType} {
		f := t.Fields()["description"]
		if f == nil {
			continue // __Schema has no description in this version of graphql-go
		}
		inner := f.Resolve
		if inner == nil {
			inner = graphql.DefaultResolveFn
		}
		f.Resolve = func(p graphql.ResolveParams) (any, error) {
			v, err := inner(p)
			if s, ok := v.(string); ok && s == "" {
				return nil, err
			}
			return v, err
		}
	}
}
