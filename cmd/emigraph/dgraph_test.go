package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/seed/format/nquads/rdf"
)

var updateDgraph = flag.Bool("update-dgraph", false, "rewrite testdata/seed.dgraph-schema from the seed's export")

// dgraphDatatypes are the literal datatypes Dgraph's RDF loaders document
// (the "RDF types" table of Dgraph's schema and mutation documentation:
// xs:string, xs:dateTime, xs:date, xs:int, xs:boolean, xs:double, xs:float,
// as xs: or spelled out; geo:geojson and xs:password do not apply), with ""
// for a simple literal, which Dgraph takes as its default (string) type.
// xsd:decimal is not among them: the live loader refuses it.
var dgraphDatatypes = map[string]string{
	"":                   "string",
	rdf.XSD + "string":   "string",
	rdf.XSD + "dateTime": "datetime",
	rdf.XSD + "date":     "datetime",
	rdf.XSD + "int":      "int",
	rdf.XSD + "boolean":  "bool",
	rdf.XSD + "double":   "float",
	rdf.XSD + "float":    "float",
}

// dgraphSchemaDecl is a predicate declaration of a Dgraph schema:
// `<iri>: [type] @directives .` or `name: type .`.
var dgraphSchemaDecl = regexp.MustCompile(`^(<[^>]+>|[A-Za-z_.]+): (\[?)([a-z]+)\]?((?: @[a-z]+(?:\([a-z, ]+\))?)*) \.$`)

type dgraphPredicate struct {
	typ  string // uid, string, float, bool, int, datetime
	list bool
}

// parseDgraphSchema reads the declarations and type definitions of a schema
// WriteDgraphSchema wrote, refusing any line it does not know.
func parseDgraphSchema(t *testing.T, schema string) (preds map[string]dgraphPredicate, types map[string][]string) {
	t.Helper()
	preds, types = map[string]dgraphPredicate{}, map[string][]string{}
	inType := ""
	for i, line := range strings.Split(strings.TrimSuffix(schema, "\n"), "\n") {
		switch {
		case line == "":
		case inType != "" && line == "}":
			inType = ""
		case inType != "":
			types[inType] = append(types[inType], strings.TrimSpace(line))
		case strings.HasPrefix(line, "type ") && strings.HasSuffix(line, " {"):
			inType = strings.TrimSuffix(strings.TrimPrefix(line, "type "), " {")
			types[inType] = []string{}
		default:
			m := dgraphSchemaDecl.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("schema line %d is not a declaration: %q", i+1, line)
			}
			name := strings.TrimSuffix(strings.TrimPrefix(m[1], "<"), ">")
			if _, dup := preds[name]; dup {
				t.Errorf("schema line %d declares %s again", i+1, name)
			}
			preds[name] = dgraphPredicate{typ: m[3], list: m[2] == "["}
			if strings.Contains(m[4], "@reverse") && m[3] != "uid" {
				t.Errorf("schema line %d: @reverse on a %s predicate", i+1, m[3])
			}
		}
	}
	if inType != "" {
		t.Fatalf("type %s is not closed", inType)
	}
	return preds, types
}

// TestNQuadsExportLoadsIntoDgraph exports the seed as N-Quads and as a
// Dgraph schema, reads the N-Quads with the project's own parser and holds
// every statement to what Dgraph's loaders take with that schema: every
// literal's datatype one Dgraph documents (so no xsd:decimal), every
// predicate declared, nodes on uid predicates and literals of a
// convertible type on the others, one value of a predicate that is not a
// list; and every field of a type declared. The schema is compared with
// testdata/seed.dgraph-schema (-update-dgraph rewrites it).
func TestNQuadsExportLoadsIntoDgraph(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, stop := serve(t, dir) // seeds the directory
	stop()
	nq, errs, err := run(t, "", nil, "export", "--data", dir, "--format", "nquads")
	if err != nil {
		t.Fatalf("export --format nquads: %v\n%s", err, errs)
	}
	schema, errs, err := run(t, "", nil, "export", "--data", dir, "--format", "dgraph-schema")
	if err != nil {
		t.Fatalf("export --format dgraph-schema: %v\n%s", err, errs)
	}

	golden := filepath.Join("testdata", "seed.dgraph-schema")
	if *updateDgraph {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(schema), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/emigraph -run TestNQuadsExportLoadsIntoDgraph -update-dgraph writes it)", err)
	}
	if schema != string(want) {
		t.Errorf("the seed's Dgraph schema differs from %s (rerun with -update-dgraph if the change is intended):\n%s", golden, schema)
	}

	preds, types := parseDgraphSchema(t, schema)
	if p, ok := preds["xid"]; !ok || p.typ != "string" {
		t.Errorf("xid is not declared a string: %+v", p)
	}
	used := map[string]bool{}
	datatypes := map[string]int{}
	values := map[[2]string]map[rdf.Term]bool{}
	problems := 0
	fail := func(line int, format string, args ...any) {
		if problems++; problems <= 20 {
			t.Errorf("export line %d: "+format, append([]any{line}, args...)...)
		}
	}
	rdf.Read(nq, func(q rdf.Quad, line int) {
		if q.G.Kind != rdf.None {
			fail(line, "a named graph %s", q.G)
		}
		p, declared := preds[q.P.Value]
		used[q.P.Value] = true
		if !declared {
			fail(line, "predicate <%s> is not declared in the Dgraph schema", q.P.Value)
			return
		}
		switch q.O.Kind {
		case rdf.IRI, rdf.Blank:
			if p.typ != "uid" {
				fail(line, "a node on <%s>, declared %s", q.P.Value, p.typ)
			}
		case rdf.Literal:
			datatypes[q.O.Datatype]++
			dt, documented := dgraphDatatypes[q.O.Datatype]
			switch {
			case q.O.Lang != "":
				fail(line, "a language tag, which the schema does not declare (@lang)")
			case !documented:
				fail(line, "datatype <%s> is not one Dgraph's loaders document", q.O.Datatype)
			case p.typ == "uid":
				fail(line, "a literal on <%s>, declared uid", q.P.Value)
			case p.typ != dt && !(p.typ == "float" && dt == "int"):
				fail(line, "a %s literal %s on <%s>, declared %s", dt, q.O, q.P.Value, p.typ)
			}
		}
		if !p.list {
			k := [2]string{q.S.String(), q.P.Value}
			if values[k] == nil {
				values[k] = map[rdf.Term]bool{}
			}
			if values[k][q.O] = true; len(values[k]) > 1 {
				fail(line, "a second value of <%s> for %s, declared single-valued", q.P.Value, q.S)
			}
		}
	}, func(line, column int, msg string) {
		fail(line, "column %d: %s", column, msg)
	})
	if strings.Contains(nq, "decimal") {
		t.Error("the export mentions xsd:decimal")
	}
	if datatypes[rdf.XSD+"int"] == 0 {
		t.Errorf("no xsd:int in the export (datatypes: %v): the seed's quantities are missing", datatypes)
	}
	for _, pred := range []string{rdf.Type, "https://emigraph.org/ontology/name", "https://emigraph.org/ontology/quote",
		"https://emigraph.org/ontology/amount", "https://emigraph.org/predicate/fled-to"} {
		if !used[pred] {
			t.Errorf("the export does not use <%s>", pred)
		}
	}
	for name, fields := range types {
		if len(fields) == 0 {
			t.Errorf("type %s has no fields", name)
		}
		for _, f := range fields {
			if _, ok := preds[strings.TrimSuffix(strings.TrimPrefix(f, "<"), ">")]; !ok {
				t.Errorf("type %s: field %s is not declared", name, f)
			}
		}
	}
	for _, name := range []string{"Person", "Country", "Relation", "Source", "Predicate"} {
		if _, ok := types[name]; !ok {
			t.Errorf("no type %s in the schema", name)
		}
	}
}

// TestDgraphSchemaIsExportOnly: dgraph-schema is not a format load takes.
func TestDgraphSchemaIsExportOnly(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "facts.schema")
	os.WriteFile(file, []byte("xid: string .\n"), 0o644)
	if _, _, err := run(t, "", nil, "load", file, "--format", "dgraph-schema", "--data", t.TempDir()); err == nil {
		t.Error("load --format dgraph-schema succeeded")
	}
}
