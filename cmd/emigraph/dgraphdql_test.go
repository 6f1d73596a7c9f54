package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/seed/format/nquads"
	"github.com/emigraph/emigraph/seed/format/nquads/rdf"
)

// dgraphQuestion is a question of seed/README.md's Dgraph section: its
// GraphQL twin and answer, its DQL and the answer Dgraph must give.
type dgraphQuestion struct {
	graphql, graphqlAnswer, dql, dqlAnswer string
}

// readmeDgraphQuestions reads the questions of seed/README.md's "Scaling out
// onto Dgraph" section: each a ```graphql block, its ```json answer, a ```dql
// block and its ```json answer, in that order.
func readmeDgraphQuestions(t *testing.T) []dgraphQuestion {
	t.Helper()
	raw, err := os.ReadFile("../../seed/README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "## Scaling out onto Dgraph")
	if !ok {
		t.Fatal("seed/README.md has no section Scaling out onto Dgraph")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	re := regexp.MustCompile("(?s)```graphql\n(.*?)```\n```json\n(.*?)```\n```dql\n(.*?)```\n```json\n(.*?)```")
	var qs []dgraphQuestion
	for _, m := range re.FindAllStringSubmatch(section, -1) {
		qs = append(qs, dgraphQuestion{m[1], m[2], m[3], m[4]})
	}
	if n := strings.Count(section, "```dql"); n != len(qs) || n < 3 {
		t.Fatalf("the section shows %d DQL queries, %d of them as GraphQL, answer, DQL, answer; want at least 3, all so", n, len(qs))
	}
	return qs
}

// seedExport is what the seed exports to for Dgraph.
type seedExport struct {
	preds   map[string]dgraphPredicate // the schema's declarations
	types   map[string][]string        // the schema's types
	nodes   map[string]bool            // the IRIs of the export's nodes
	classes map[string]bool            // the objects of its rdf:type
	broader map[string]string          // predicate IRI to its broader one's
	upserts string                     // export --format dgraph-types
}

// exportSeedForDgraph exports a seeded directory as N-Quads, Dgraph schema
// and typing upserts.
func exportSeedForDgraph(t *testing.T, dir string) seedExport {
	t.Helper()
	out := map[string]string{}
	for _, f := range []string{"nquads", "dgraph-schema", "dgraph-types"} {
		text, errs, err := run(t, "", nil, "export", "--data", dir, "--format", f)
		if err != nil {
			t.Fatalf("export --format %s: %v\n%s", f, err, errs)
		}
		out[f] = text
	}
	e := seedExport{nodes: map[string]bool{}, classes: map[string]bool{}, broader: map[string]string{}, upserts: out["dgraph-types"]}
	e.preds, e.types = parseDgraphSchema(t, out["dgraph-schema"])
	rdf.Read(out["nquads"], func(q rdf.Quad, line int) {
		// a loader makes a node, with its IRI in xid, of every IRI
		// subject or object
		for _, term := range []rdf.Term{q.S, q.O} {
			if term.Kind == rdf.IRI {
				e.nodes[term.Value] = true
			}
		}
		switch q.P.Value {
		case rdf.Type:
			e.classes[q.O.Value] = true
		case nquads.NSOntology + "broader":
			e.broader[q.S.Value] = q.O.Value
		}
	}, func(line, column int, msg string) { t.Fatalf("export line %d:%d: %s", line, column, msg) })
	return e
}

// narrowerDepth is how many levels of narrower predicates the hierarchy has
// under pred (0 for none).
func (e seedExport) narrowerDepth(pred string) int {
	depth := 0
	for narrower, broader := range e.broader {
		if broader == pred {
			depth = max(depth, 1+e.narrowerDepth(narrower))
		}
	}
	return depth
}

var (
	dqlIRI       = regexp.MustCompile(`<([^>]*)>`)
	dqlVarDef    = regexp.MustCompile(`\b([A-Za-z][A-Za-z0-9]*) as\b`)
	dqlVarUse    = regexp.MustCompile(`\b(?:uid|len)\(([^()"]*)\)`)
	dqlXIDLookup = regexp.MustCompile(`eq\(xid, "([^"]*)"\)`)
	dqlWidening  = regexp.MustCompile(`([A-Za-z0-9]+) as var\(func: eq\(xid, "(` + regexp.QuoteMeta(nquads.NSPredicate) + `[^"]*)"\)\) \{`)
)

// checkDQL holds a DQL text to Dgraph's grammar as far as this test reads
// it (brackets balanced outside strings, reverse edges in the one form
// Dgraph reads, variables defined once and used) and to the seed's export:
// every predicate declared in the schema, every reverse edge on a
// predicate declared @reverse, every node looked up by xid in the export,
// and every predicate looked up to be widened followed down
// <~.../broader> as deep as the hierarchy goes under it.
func checkDQL(t *testing.T, name, dql string, e seedExport) {
	t.Helper()
	fail := func(format string, args ...any) { t.Errorf("%s: "+format, append([]any{name}, args...)...) }
	if strings.Contains(dql, "~<") {
		fail("a reverse edge written ~<...>, which Dgraph reads as two names: write <~...>")
	}
	checkBrackets(t, name, dql)
	for _, m := range dqlIRI.FindAllStringSubmatch(stripDQLStrings(dql), -1) {
		pred, reverse := strings.CutPrefix(m[1], "~")
		p, ok := e.preds[pred]
		switch {
		case pred == "dgraph.type" && !reverse:
			// Dgraph's own
		case !ok:
			fail("<%s> is not declared in the seed's Dgraph schema", pred)
		case reverse && (!p.reverse || p.typ != "uid"):
			fail("<~%s> follows a predicate the schema does not declare uid @reverse", pred)
		}
	}
	defined := map[string]int{}
	for _, m := range dqlVarDef.FindAllStringSubmatch(dql, -1) {
		defined[m[1]]++
	}
	used := map[string]bool{}
	for _, m := range dqlVarUse.FindAllStringSubmatch(dql, -1) {
		for _, v := range strings.Split(m[1], ",") {
			used[strings.TrimSpace(v)] = true
		}
	}
	for v, n := range defined {
		if n > 1 {
			fail("variable %s is defined %d times", v, n)
		}
		if !used[v] {
			fail("variable %s is defined and not used (Dgraph refuses that)", v)
		}
	}
	for v := range used {
		if defined[v] == 0 {
			fail("uid(%s) uses a variable that is not defined", v)
		}
	}
	for _, m := range dqlXIDLookup.FindAllStringSubmatch(dql, -1) {
		if !e.nodes[m[1]] {
			fail("eq(xid, %q) looks up a node the seed's export does not have", m[1])
		}
	}
	widened := dqlWidening.FindAllStringSubmatchIndex(dql, -1)
	for _, m := range widened {
		pred := dql[m[4]:m[5]]
		block := dql[m[1]:matchingBrace(dql, m[1]-1)]
		depth := strings.Count(block, "<~"+nquads.NSOntology+"broader>")
		if want := e.narrowerDepth(pred); depth < want {
			fail("%s is followed %d levels down <~broader>, and the hierarchy has %d under it", pred, depth, want)
		}
	}
	if strings.Contains(dql, "<~"+nquads.NSOntology+"predicate>") && len(widened) == 0 {
		fail("relations are found by predicate without widening it to its narrower ones")
	}
}

// stripDQLStrings blanks the string literals of a DQL text.
func stripDQLStrings(dql string) string {
	return regexp.MustCompile(`"(?:[^"\\]|\\.)*"`).ReplaceAllString(dql, `""`)
}

// checkBrackets checks that the braces and parentheses of a DQL text
// outside its strings pair up.
func checkBrackets(t *testing.T, name, dql string) {
	t.Helper()
	var stack []rune
	pairs := map[rune]rune{'}': '{', ')': '('}
	for i, r := range stripDQLStrings(dql) {
		switch r {
		case '{', '(':
			stack = append(stack, r)
		case '}', ')':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[r] {
				t.Errorf("%s: %q at byte %d closes nothing open", name, r, i)
				return
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		t.Errorf("%s: %d brackets are not closed", name, len(stack))
	}
}

// matchingBrace returns the index of the brace that closes the one at open.
func matchingBrace(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return len(s)
}

// answerLeaves lists the values of an answer as "field=value", leaving out
// its form: where a value sits (a quantity's fields on the relation or in
// a quantity, a connection's nodes or a list), null and empty values, a
// timing its dates imply, and the namespace of a predicate's IRI. A value's
// field is the innermost field name other than id and nodes.
func answerLeaves(v any, field string, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k == "id" || k == "nodes" {
				k = field
			}
			answerLeaves(x, k, out)
		}
	case []any:
		for _, x := range v {
			answerLeaves(x, field, out)
		}
	case nil:
	case string:
		if field == "timing" && (v == "PERIOD" || v == "POINT") {
			return
		}
		*out = append(*out, field+"="+strings.TrimPrefix(v, nquads.NSPredicate))
	default:
		*out = append(*out, fmt.Sprintf("%s=%v", field, v))
	}
}

// namesInOrder lists the name values of an answer in the order its lists
// give them.
func namesInOrder(v any, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if name, ok := v["name"].(string); ok {
			*out = append(*out, name)
		}
		for _, k := range keys {
			namesInOrder(v[k], out)
		}
	case []any:
		for _, x := range v {
			namesInOrder(x, out)
		}
	}
}

// TestDgraphQueriesMatchTheExport keeps seed/README.md's DQL in step with the
// GraphQL and the export: each GraphQL twin runs on the seed and gives the
// answer shown, the answer shown for the DQL holds the same values (in
// Dgraph's form) in the same order, and the DQL names only what the seed's
// export and Dgraph schema have, widens the predicates it asks for as deep
// as the hierarchy goes, and is written as Dgraph reads it (checkDQL).
func TestDgraphQueriesMatchTheExport(t *testing.T) {
	t.Parallel()
	qs := readmeDgraphQuestions(t)
	dir := t.TempDir()
	base, stop := serve(t, dir)
	results := make([]any, len(qs))
	for i, q := range qs {
		out := query(t, base, q.graphql)
		if out["errors"] != nil || out["data"] == nil {
			t.Fatalf("the GraphQL twin\n%s\nfailed: %v", q.graphql, out)
		}
		results[i] = out["data"]
	}
	stop()
	e := exportSeedForDgraph(t, dir)
	for i, q := range qs {
		name := fmt.Sprintf("question %d", i+1)
		var shown, dgraph any
		if err := json.Unmarshal([]byte(q.graphqlAnswer), &shown); err != nil {
			t.Fatalf("%s: the GraphQL answer is not JSON: %v", name, err)
		}
		if err := json.Unmarshal([]byte(q.dqlAnswer), &dgraph); err != nil {
			t.Fatalf("%s: the DQL answer is not JSON: %v", name, err)
		}
		if !reflect.DeepEqual(shown, results[i]) {
			got, _ := json.Marshal(results[i])
			t.Errorf("%s: the GraphQL twin\n%s\nanswers\n%s\nnot the answer shown", name, q.graphql, got)
		}
		var want, got []string
		answerLeaves(results[i], "", &want)
		answerLeaves(dgraph, "", &got)
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			t.Errorf("%s: the DQL's answer holds\n%q\nthe GraphQL twin's\n%q", name, got, want)
		}
		var wantNames, gotNames []string
		namesInOrder(results[i], &wantNames)
		namesInOrder(dgraph, &gotNames)
		if !slices.Equal(wantNames, gotNames) {
			t.Errorf("%s: the DQL's answer names %q in this order, the GraphQL twin's %q", name, gotNames, wantNames)
		}
		checkDQL(t, name, q.dql, e)
	}
}

// dgraphTypeUpsert is the form of a typing upsert: a query block that
// finds the nodes of a class by rdf:type, back from the class's node, and a
// mutation, run only when it found some, that types them.
var dgraphTypeUpsert = regexp.MustCompile(`^upsert \{ query \{ var\(func: eq\(xid, "` + regexp.QuoteMeta(nquads.NSOntology) +
	`([A-Za-z]+)"\)\) \{ v as <~` + regexp.QuoteMeta(rdf.Type) + `> \} \} mutation @if\(gt\(len\(v\), 0\)\) \{ set \{ uid\(v\) <dgraph\.type> "([A-Za-z]+)" \. \} \} \}$`)

// TestDgraphTypeUpserts: export --format dgraph-types writes, for each class
// the seed's export has nodes of and the schema has a type for, one upsert
// that types them, held to the export and schema as the README's DQL is;
// and seed/README.md shows the one for Person as it is written.
func TestDgraphTypeUpserts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, stop := serve(t, dir)
	stop()
	e := exportSeedForDgraph(t, dir)
	var want []string
	for class := range e.classes {
		name := strings.TrimPrefix(class, nquads.NSOntology)
		if _, typed := e.types[name]; typed {
			want = append(want, name)
		} else {
			t.Errorf("the export has nodes of <%s>, which the schema has no type for", class)
		}
	}
	lines := strings.Split(strings.TrimSuffix(e.upserts, "\n"), "\n")
	var got []string
	for _, line := range lines {
		m := dgraphTypeUpsert.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("not a typing upsert: %s", line)
			continue
		}
		if m[1] != m[2] {
			t.Errorf("the upsert for the nodes of %s types them %s", m[1], m[2])
		}
		got = append(got, m[1])
		checkDQL(t, "the upsert for "+m[1], line, e)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("upserts for %v, want one for each class with nodes: %v", got, want)
	}
	readme, err := os.ReadFile("../../seed/README.md")
	if err != nil {
		t.Fatal(err)
	}
	person := nquads.DgraphTypeUpsert("Person")
	if !strings.Contains(e.upserts, person+"\n") || !strings.Contains(string(readme), "    "+person+"\n") {
		t.Errorf("seed/README.md does not show the upsert for Person as it is written:\n%s", person)
	}
}
