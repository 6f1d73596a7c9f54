package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/seed/format/jsonl"
	"github.com/emigraph/emigraph/seed/format/nquads"
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
	typ     string // uid, string, float, bool, int, datetime
	list    bool
	reverse bool // @reverse
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
			preds[name] = dgraphPredicate{typ: m[3], list: m[2] == "[", reverse: strings.Contains(m[4], "@reverse")}
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

// exportWhole is what export wrote before it streamed: the store's Snapshot
// through the format's whole-changeset writer.
func exportWhole(t *testing.T, dir string, write func(io.Writer, *graph.Changeset) error) string {
	t.Helper()
	st, err := badger.Open(dir, badger.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := write(&b, c); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestStreamedExportIsTheSnapshotsExport: export --format nquads and
// dgraph-schema read the store a node at a time (nquads.WriteSnapshot) and
// write, byte for byte, what the whole-changeset writers write for the
// store's Snapshot: on the seed, and on a generated store large enough
// that the writer flushes many times, read from the directory and through a
// server's /admin/export.
func TestStreamedExportIsTheSnapshotsExport(t *testing.T) {
	t.Parallel()
	seeded := t.TempDir()
	_, stop := serve(t, seeded)
	stop()
	generated := t.TempDir()
	c, err := Generate(400, 4000, 7)
	if err != nil {
		t.Fatal(err)
	}
	var facts bytes.Buffer
	if err := jsonl.Write(&facts, c); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "gen.jsonl")
	if err := os.WriteFile(file, facts.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, err := run(t, "", nil, "load", file, "--data", generated, "--no-seed"); err != nil {
		t.Fatalf("load: %v\n%s", err, errs)
	}
	// the server's /admin/export streams too
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("tok-stream\n"), 0o600)
	base, stop := serve(t, generated, "--token-file", tokenFile)
	served, errs, err := run(t, "", nil, "export", "--server", base, "--token-file", tokenFile, "--format", "nquads")
	stop()
	if err != nil {
		t.Fatalf("export --server --format nquads: %v\n%s", err, errs)
	}
	if whole := exportWhole(t, generated, nquads.Write); served != whole {
		t.Errorf("export --server --format nquads (%d bytes) differs from the Snapshot's (%d bytes)", len(served), len(whole))
	}
	for _, store := range []struct{ name, dir string }{{"seed", seeded}, {"generated", generated}} {
		for _, f := range []struct {
			name  string
			write func(io.Writer, *graph.Changeset) error
		}{{"nquads", nquads.Write}, {"dgraph-schema", nquads.WriteDgraphSchema}} {
			streamed, errs, err := run(t, "", nil, "export", "--data", store.dir, "--format", f.name)
			if err != nil {
				t.Fatalf("%s: export --format %s: %v\n%s", store.name, f.name, err, errs)
			}
			if whole := exportWhole(t, store.dir, f.write); streamed != whole {
				i := 0
				for i < len(streamed) && i < len(whole) && streamed[i] == whole[i] {
					i++
				}
				t.Errorf("%s: export --format %s (%d bytes) differs from the Snapshot's (%d bytes) at byte %d: %.200q",
					store.name, f.name, len(streamed), len(whole), i, streamed[max(0, i-100):])
			}
		}
	}
}

// TestNQuadsExportRefusesAnEntityAndARelationOfOneID: a store keeps an
// entity and a relation with the same id apart; N-Quads names both by one
// IRI, so the streamed export refuses them as the whole-changeset writer
// does, and leaves no file.
func TestNQuadsExportRefusesAnEntityAndARelationOfOneID(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "clash.yaml")
	os.WriteFile(file, []byte(`url: https://example.org/clash
entities:
  - {id: person/clash, name: Clash Person, type: PERSON}
relations:
  - id: person/clash
    subject: person/clash
    predicate: fled-to
    object: country/georgia
    quote: A made-up person fled to Georgia.
`), 0o644)
	if _, errs, err := run(t, "", nil, "load", file, "--data", dir); err != nil {
		t.Fatalf("load: %v\n%s", err, errs)
	}
	out := filepath.Join(t.TempDir(), "out.nq")
	_, _, err := run(t, "", nil, "export", "--data", dir, "--format", "nquads", "--out", out)
	if err == nil || !strings.Contains(err.Error(), "person/clash") || !strings.Contains(err.Error(), "RDF would merge them") {
		t.Errorf("export of an entity and a relation both person/clash: %v", err)
	}
	if _, serr := os.Stat(out); serr == nil {
		t.Error("the refused export left a file")
	}
	st, err := badger.Open(dir, badger.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := nquads.Write(io.Discard, c); err == nil {
		t.Error("nquads.Write took them too")
	}
}
