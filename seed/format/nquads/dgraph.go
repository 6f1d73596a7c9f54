package nquads

import (
	"bytes"
	"fmt"
	"io"
	"sort"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format"
	"github.com/emigraph/emigraph/seed/format/nquads/rdf"
)

// This file writes the Dgraph schema that matches what Write writes, for
// `emigraph export --format dgraph-schema`. It is an output only: a schema
// cannot be read back as facts, so it is not a format of the registry.

// DgraphXID is the predicate Dgraph's loaders keep each node's IRI in
// (dgraph live --upsertPredicate xid, dgraph bulk --store_xids); the schema
// indexes it so that an entity is found by its IRI.
const DgraphXID = "xid"

// dgraphDecl is the Dgraph declaration of a property: its type and
// directives, after the predicate name.
type dgraphDecl struct {
	prop string // ontology property, or an IRI outside it (rdf:type)
	decl string
}

// dgraphProperties declares every property Write writes, in the order the
// schema lists them. Texts Write writes as plain literals are strings;
// dates too (Dgraph's datetime takes RFC 3339 only, not "2022" or
// "2022-09", and exact keeps them sortable: ISO dates of reduced precision
// sort as text); numbers are float, which takes Write's xsd:int and
// xsd:double alike; references to nodes are uid, with @reverse where a
// query goes from the node back (an entity to the relations about it, a
// predicate to its relations).
var dgraphProperties = []dgraphDecl{
	{rdf.Type, "uid @reverse"},
	{"name", "string @index(exact, term, trigram)"},
	{"aliases", "[string] @index(exact, term, trigram)"},
	{"removeAliases", "[string]"},
	{"description", "string"},
	{"label", "string @index(exact)"},
	{"inverseLabel", "string @index(exact)"},
	{"subjectType", "[uid] @reverse"},
	{"objectType", "[uid] @reverse"},
	{"objectOptional", "bool"},
	{"broader", "uid @reverse"},
	{"subject", "uid @reverse"},
	{"predicate", "uid @reverse"},
	{"object", "uid @reverse"},
	{"date", "string @index(exact)"},
	{"endDate", "string @index(exact)"},
	{"timing", "string @index(exact)"},
	{"hedge", "[string] @index(exact)"},
	{"amount", "float @index(float)"},
	{"lowerBound", "float @index(float)"},
	{"upperBound", "float @index(float)"},
	{"unit", "string @index(exact)"},
	{"approximation", "string @index(exact)"},
	{"note", "string"},
	{"source", "[uid] @reverse"},
	{"quote", "string @index(fulltext)"},
	{"section", "string @index(exact)"},
	{"title", "string"},
	{"url", "string @index(exact)"},
	{"cites", "uid @reverse"},
	{"publisher", "string @index(exact)"},
	{"author", "string @index(exact)"},
	{"published", "string @index(exact)"},
	{"retrieved", "string"},
	{"language", "string @index(exact)"},
	{"kind", "string @index(exact)"},
}

// dgraphRelationEdge declares a predicate of pred: as Write's plain triples
// use it: an edge from entity to entity, many to a subject, with @reverse so
// that Georgia's ~<.../predicate/fled-to> lists who fled there.
const dgraphRelationEdge = "[uid] @reverse"

// dgraphIRI is how a predicate is named in a Dgraph schema or query: an
// IRI in angle brackets.
func dgraphIRI(prop string) string {
	if prop == rdf.Type {
		return "<" + rdf.Type + ">"
	}
	return "<" + NSOntology + prop + ">"
}

// WriteDgraphSchema writes the Dgraph schema of the N-Quads that Write
// writes for c: a declaration of every property of the vocabulary (type,
// list or not, indexes, @reverse), of xid, of every predicate of pred: that
// c defines or uses (an edge with @reverse), and a type per class, whose
// fields are the properties its nodes have and, for an entity class, the
// predicates whose subjects may be of that type. Dgraph's types apply to
// nodes with a dgraph.type, which the export does not write (it writes
// rdf:type); seed/README.md shows the upsert that sets it from rdf:type.
//
// The schema holds a predicate of pred: as an edge between nodes, so a
// relation whose subject or object is a name rather than an id is refused:
// Dgraph would refuse its literal on a uid predicate. An export of a store
// has ids only.
func WriteDgraphSchema(w io.Writer, c *graph.Changeset) error {
	preds := map[string]graph.Predicate{}
	for _, pc := range c.Predicates {
		preds[pc.Predicate.ID] = pc.Predicate
	}
	checkRef := func(what, field, v string) error {
		if v != "" && !graph.ValidID(v) {
			return fmt.Errorf("dgraph-schema: %s: %s %q is a name, not an id: Dgraph would refuse it on the uid predicate %s", what, field, v, dgraphIRI(field))
		}
		return nil
	}
	used := map[string]bool{}
	for i, rc := range c.Relations {
		r := rc.Relation
		what := format.Describe("relation", i, rc.Where, r.ID)
		if err := checkRef(what, "subject", r.Subject); err != nil {
			return err
		}
		if err := checkRef(what, "object", r.Object); err != nil {
			return err
		}
		if r.Predicate != "" && r.Object != "" {
			used[r.Predicate] = true
		}
	}
	for id := range preds {
		used[id] = true
	}
	ids := make([]string, 0, len(used))
	for id := range used {
		ids = append(ids, id)
	}
	sort.Strings(ids)

	var b bytes.Buffer
	for _, d := range dgraphProperties {
		fmt.Fprintf(&b, "%s: %s .\n", dgraphIRI(d.prop), d.decl)
	}
	fmt.Fprintf(&b, "%s: string @index(exact) .\n", DgraphXID)
	for _, id := range ids {
		fmt.Fprintf(&b, "<%s>: %s .\n", NSPredicate+id, dgraphRelationEdge)
	}

	typ := func(name string, props []string, edges []string) {
		fmt.Fprintf(&b, "\ntype %s {\n", name)
		for _, p := range props {
			fmt.Fprintf(&b, "\t%s\n", dgraphIRI(p))
		}
		for _, id := range edges {
			fmt.Fprintf(&b, "\t<%s>\n", NSPredicate+id)
		}
		b.WriteString("}\n")
	}
	entityProps := []string{rdf.Type, "name", "aliases", "description"}
	for _, t := range graph.EntityTypes {
		var edges []string
		for _, id := range ids {
			p, defined := preds[id]
			if !defined || len(p.SubjectTypes) == 0 || containsType(p.SubjectTypes, t) {
				edges = append(edges, id)
			}
		}
		typ(className(t), entityProps, edges)
	}
	typ("Predicate", []string{rdf.Type, "label", "inverseLabel", "subjectType", "objectType", "objectOptional", "description", "broader"}, nil)
	relationProps := []string{rdf.Type, "subject", "predicate", "object", "date", "endDate", "timing", "hedge", "amount", "lowerBound", "upperBound",
		"unit", "approximation", "note", "source"}
	typ("Relation", relationProps, nil)
	typ("Retraction", relationProps, nil)
	typ("Source", []string{rdf.Type, "quote", "section", "title", "url", "cites"}, nil)
	typ("SourceRecord", []string{rdf.Type, "title", "publisher", "author", "published", "retrieved", "url", "language", "kind", "note"}, nil)
	_, err := w.Write(b.Bytes())
	return err
}

func containsType(ts []graph.EntityType, t graph.EntityType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}
