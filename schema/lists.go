package schema

import (
	"fmt"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
)

// List arguments are bounded in length, counted as given: a document can
// hold a few thousand items in a literal list (the token limit), and a
// variable a hundred thousand in a 1 MiB body, and every predicate in a
// list is a scan of its own (95,000 copies of "fled-to" in
// neighborhood(predicates:) ran 16.7 s). Lists of input objects (the
// documents of importFacts) are writes, bounded by the body, and left to
// what a write checks; lists of names, ids, predicates and types are not.
// The resolvers then use each item once (distinct).

// tooLong is the error for a list over the limit, at a place ("predicates",
// "entity.aliases").
func tooLong(at string, n, limit int) gqlerrors.FormattedError {
	return limitError("the list %s holds %d items; a list argument holds at most %d (each item once is enough)", at, n, limit)
}

// checkListVariables refuses a variable that holds a list of scalars or
// enums longer than MaxListItems, anywhere in its value, before its items
// are coerced one by one.
func (l Limits) checkListVariables(s *graphql.Schema, op *ast.OperationDefinition, vars map[string]any) []gqlerrors.FormattedError {
	if l.MaxListItems <= 0 {
		return nil
	}
	for _, def := range op.VariableDefinitions {
		if def.Variable == nil || def.Variable.Name == nil {
			continue
		}
		name := def.Variable.Name.Value
		v, given := vars[name]
		if !given {
			continue
		}
		if at, n := overlong(schemaType(s, def.Type), v, l.MaxListItems, "$"+name); n > 0 {
			return []gqlerrors.FormattedError{tooLong(at, n, l.MaxListItems)}
		}
	}
	return nil
}

// overlong finds a list of scalars or enums in v, a value of type t, with
// more than limit items: its place and length (n is 0 when there is none).
func overlong(t graphql.Type, v any, limit int, at string) (place string, n int) {
	switch t := t.(type) {
	case *graphql.NonNull:
		return overlong(t.OfType, v, limit, at)
	case *graphql.List:
		items, ok := v.([]any)
		if !ok {
			return overlong(t.OfType, v, limit, at) // a single value stands for a list of one
		}
		if _, objects := namedType(t.OfType).(*graphql.InputObject); !objects {
			if len(items) > limit {
				return at, len(items)
			}
			return "", 0
		}
		for i, item := range items {
			if place, n := overlong(t.OfType, item, limit, fmt.Sprintf("%s[%d]", at, i)); n > 0 {
				return place, n
			}
		}
	case *graphql.InputObject:
		obj, _ := v.(map[string]any)
		for name, f := range t.Fields() {
			if fv, ok := obj[name]; ok {
				if place, n := overlong(f.Type, fv, limit, join(at, name)); n > 0 {
					return place, n
				}
			}
		}
	}
	return "", 0
}

// namedType is t without its NonNull and List wrappers.
func namedType(t graphql.Type) graphql.Type {
	for {
		switch w := t.(type) {
		case *graphql.NonNull:
			t = w.OfType
		case *graphql.List:
			t = w.OfType
		default:
			return t
		}
	}
}

// checkListLiterals refuses a list literal of more than MaxListItems items
// in an argument of an operation (or in an input object it holds).
func (l Limits) checkListLiterals(doc *ast.Document) []gqlerrors.FormattedError {
	if l.MaxListItems <= 0 {
		return nil
	}
	w := &walker{fragments: fragments(doc), visiting: map[string]bool{}}
	var errs []gqlerrors.FormattedError
	var walk func(set *ast.SelectionSet)
	walk = func(set *ast.SelectionSet) {
		w.fields(set, func(f *ast.Field) {
			if len(errs) > 0 {
				return
			}
			for _, arg := range f.Arguments {
				if arg.Name == nil {
					continue
				}
				if at, n := overlongLiteral(arg.Value, l.MaxListItems, f.Name.Value+"("+arg.Name.Value+":)"); n > 0 {
					errs = append(errs, tooLong(at, n, l.MaxListItems))
					return
				}
			}
			walk(f.SelectionSet)
		})
	}
	for _, def := range doc.Definitions {
		if op, ok := def.(*ast.OperationDefinition); ok {
			walk(op.SelectionSet)
		}
	}
	return errs
}

// overlongLiteral is overlong for a literal value: a list of anything but
// objects is counted, and objects are looked into.
func overlongLiteral(v ast.Value, limit int, at string) (string, int) {
	switch v := v.(type) {
	case *ast.ListValue:
		objects := len(v.Values) > 0
		for _, item := range v.Values {
			if _, ok := item.(*ast.ObjectValue); !ok {
				objects = false
			}
		}
		if !objects {
			if len(v.Values) > limit {
				return at, len(v.Values)
			}
			return "", 0
		}
		for i, item := range v.Values {
			if place, n := overlongLiteral(item, limit, fmt.Sprintf("%s[%d]", at, i)); n > 0 {
				return place, n
			}
		}
	case *ast.ObjectValue:
		for _, f := range v.Fields {
			if f.Name != nil {
				if place, n := overlongLiteral(f.Value, limit, join(at, f.Name.Value)); n > 0 {
					return place, n
				}
			}
		}
	}
	return "", 0
}
