package schema

import (
	"fmt"
	"math"
	"strings"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
)

// checkVariables coerces the request's variables as the GraphQL spec does
// (section 6.1.2), before graphql-go sees them: graphql-go's own coercion is
// lenient (an Int variable takes "10", 1.5 or true) and its failures come
// back as an execution error with data null. A refusal here is a request
// error: no data, status 400. Variables arrive decoded from JSON, so numbers
// are float64.
func checkVariables(s *graphql.Schema, op *ast.OperationDefinition, vars map[string]any) []gqlerrors.FormattedError {
	var errs []gqlerrors.FormattedError
	for _, def := range op.VariableDefinitions {
		if def.Variable == nil || def.Variable.Name == nil {
			continue
		}
		name := def.Variable.Name.Value
		v, given := vars[name]
		_, nonNull := def.Type.(*ast.NonNull)
		if !given {
			if nonNull && def.DefaultValue == nil {
				errs = append(errs, variableError(name, "of required type %s was not provided", typeString(def.Type)))
			}
			continue
		}
		if problem := coerceProblem(s, schemaType(s, def.Type), v, ""); problem != "" {
			errs = append(errs, variableError(name, "got invalid value %s; %s", shortJSON(v), problem))
		}
		if len(errs) >= maxErrors {
			break
		}
	}
	return errs
}

func variableError(name, format string, args ...any) gqlerrors.FormattedError {
	fe := gqlerrors.NewFormattedError(fmt.Sprintf("Variable \"$%s\" ", name) + fmt.Sprintf(format, args...))
	fe.Extensions = map[string]any{"code": EVARIABLES}
	return fe
}

// schemaType is the schema's type for a variable's declared type, or nil
// when it names no type (validation has refused such a document already).
func schemaType(s *graphql.Schema, t ast.Type) graphql.Type {
	switch t := t.(type) {
	case *ast.NonNull:
		if of := schemaType(s, t.Type); of != nil {
			return graphql.NewNonNull(of)
		}
	case *ast.List:
		if of := schemaType(s, t.Type); of != nil {
			return graphql.NewList(of)
		}
	case *ast.Named:
		if t.Name != nil {
			return s.Type(t.Name.Value)
		}
	}
	return nil
}

func namedProblem(s *graphql.Schema, t graphql.Type, v any, at string, where func(string) string) string {
	switch t := t.(type) {
	case *graphql.Scalar:
		switch t.Name() {
		case "Int":
			f, ok := number(v)
			if !ok || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
				return where("Int is a whole number from -2147483648 to 2147483647")
			}
		case "Float":
			if _, ok := number(v); !ok {
				return where("Float is a number")
			}
		case "String":
			if _, ok := v.(string); !ok {
				return where("String is a string")
			}
		case "Boolean":
			if _, ok := v.(bool); !ok {
				return where("Boolean is true or false")
			}
		case "ID":
			if _, isString := v.(string); !isString {
				if f, ok := number(v); !ok || f != math.Trunc(f) {
					return where("ID is a string or a whole number")
				}
			}
		default:
			if t.ParseValue(v) == nil {
				return where("not a valid " + t.Name())
			}
		}
	case *graphql.Enum:
		name, ok := v.(string)
		if ok {
			for _, ev := range t.Values() {
				if ev.Name == name {
					return ""
				}
			}
		}
		var names []string
		for _, ev := range t.Values() {
			names = append(names, ev.Name)
		}
		return where(t.Name() + " is one of " + strings.Join(names, ", "))
	case *graphql.InputObject:
		obj, ok := v.(map[string]any)
		if !ok {
			return where(t.Name() + " is an object")
		}
		fields := t.Fields()
		for key := range obj {
			if _, ok := fields[key]; !ok {
				return where(fmt.Sprintf("%s has no field %q", t.Name(), key))
			}
		}
		for name, f := range fields {
			fv, given := obj[name]
			if !given {
				if _, nonNull := f.Type.(*graphql.NonNull); nonNull && f.DefaultValue == nil {
					return where(fmt.Sprintf("%s.%s is required", t.Name(), name))
				}
				continue
			}
			if p := coerceProblem(s, f.Type, fv, join(at, name)); p != "" {
				return p
			}
		}
	case nil:
		// an unknown type: validation has already refused the document
	}
	return ""
}

// coerceProblem says why v is not a value of type t, or "" when it is; at
// names the place inside v for nested values.
func coerceProblem(s *graphql.Schema, t graphql.Type, v any, at string) string {
	where := func(msg string) string {
		if at == "" {
			return msg
		}
		return "at " + at + ": " + msg
	}
	switch t := t.(type) {
	case *graphql.NonNull:
		if v == nil {
			return where("expected a non-null " + t.OfType.String())
		}
		return coerceProblem(s, t.OfType, v, at)
	case *graphql.List:
		if v == nil {
			return ""
		}
		items, ok := v.([]any)
		if !ok {
			// a single value stands for a list of one
			return coerceProblem(s, t.OfType, v, at)
		}
		for i, item := range items {
			if p := coerceProblem(s, t.OfType, item, fmt.Sprintf("%s[%d]", at, i)); p != "" {
				return p
			}
		}
		return ""
	}
	if v == nil {
		return ""
	}
	return namedProblem(s, t, v, at, where)
}

// number is v as a number: float64 from JSON, or a Go integer from a caller
// of Do.
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	}
	return 0, false
}

func join(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

func typeString(t ast.Type) string {
	switch t := t.(type) {
	case *ast.NonNull:
		return typeString(t.Type) + "!"
	case *ast.List:
		return "[" + typeString(t.Type) + "]"
	case *ast.Named:
		if t.Name != nil {
			return t.Name.Value
		}
	}
	return "?"
}

// shortJSON shows a value in an error, cut to a readable length.
func shortJSON(v any) string {
	s := fmt.Sprintf("%#v", v)
	switch v := v.(type) {
	case string:
		s = fmt.Sprintf("%q", v)
	case float64:
		s = fmt.Sprint(v)
	case bool:
		s = fmt.Sprint(v)
	case map[string]any:
		s = "an object"
	case []any:
		s = "a list"
	}
	if len(s) > 60 {
		s = strings.ToValidUTF8(s[:60], "") + "..."
	}
	return s
}
