package schema_test

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/graphql-go/graphql"

	"github.com/emigraph/emigraph/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// sdl prints the schema's types, fields and arguments in SDL, sorted, so
// that a change to the public API shows up as a diff of the golden file.
func sdl(s graphql.Schema) string {
	var names []string
	for name := range s.TypeMap() {
		if !strings.HasPrefix(name, "__") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		switch t := s.TypeMap()[name].(type) {
		case *graphql.Object:
			var ifaces []string
			for _, i := range t.Interfaces() {
				ifaces = append(ifaces, i.Name())
			}
			impl := ""
			if len(ifaces) > 0 {
				impl = " implements " + strings.Join(ifaces, " & ")
			}
			fmt.Fprintf(&b, "type %s%s {\n%s}\n\n", name, impl, fields(t.Fields()))
		case *graphql.Interface:
			fmt.Fprintf(&b, "interface %s {\n%s}\n\n", name, fields(t.Fields()))
		case *graphql.InputObject:
			var fs []string
			for fname, f := range t.Fields() {
				fs = append(fs, fmt.Sprintf("  %s: %s\n", fname, f.Type))
			}
			sort.Strings(fs)
			fmt.Fprintf(&b, "input %s {\n%s}\n\n", name, strings.Join(fs, ""))
		case *graphql.Enum:
			var vs []string
			for _, v := range t.Values() {
				vs = append(vs, v.Name)
			}
			sort.Strings(vs)
			fmt.Fprintf(&b, "enum %s { %s }\n\n", name, strings.Join(vs, " "))
		case *graphql.Scalar:
			if !map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}[name] {
				fmt.Fprintf(&b, "scalar %s\n\n", name)
			}
		}
	}
	return b.String()
}

func fields(m graphql.FieldDefinitionMap) string {
	var out []string
	for name, f := range m {
		var args []string
		for _, a := range f.Args {
			arg := fmt.Sprintf("%s: %s", a.Name(), a.Type)
			if a.DefaultValue != nil {
				arg += fmt.Sprintf(" = %v", a.DefaultValue)
			}
			args = append(args, arg)
		}
		sort.Strings(args)
		sig := ""
		if len(args) > 0 {
			sig = "(" + strings.Join(args, ", ") + ")"
		}
		out = append(out, fmt.Sprintf("  %s%s: %s\n", name, sig, f.Type))
	}
	sort.Strings(out)
	return strings.Join(out, "")
}

// The schema over the seed's predicates, as SDL, is testdata/schema.graphql.
// Run `go test ./schema -run SchemaGolden -update` after a deliberate change,
// and check the diff keeps the contract of the spine issue.
func TestSchemaGolden(t *testing.T) {
	api := newAPI(t, seeded(t), schema.Options{})
	got := sdl(api.Schema())
	const golden = "testdata/schema.graphql"
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("the schema differs from %s at line %d:\n got: %s\nwant: %s\n(run with -update after a deliberate change)", golden, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("the schema differs from %s in length: %d lines, want %d", golden, len(gl), len(wl))
	}
}
