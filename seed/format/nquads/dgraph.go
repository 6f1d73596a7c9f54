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
// rdf:type); DgraphSchema.WriteTypeUpserts writes the upserts that set it.
//
// The schema holds a predicate of pred: as an edge between nodes, so a
// relation whose subject or object is a name rather than an id is refused:
// Dgraph would refuse its literal on a uid predicate. An export of a store
// has ids only.
func WriteDgraphSchema(w io.Writer, c *graph.Changeset) error {
	s := NewDgraphSchema()
	if len(c.Sources) > 0 {
		s.AddSourceRecord()
	}
	for i := range c.Predicates {
		s.AddPredicate(&c.Predicates[i].Predicate)
	}
	for i := range c.Relations {
		if err := s.AddRelation(&c.Relations[i]); err != nil {
			return err
		}
	}
	return s.Write(w)
}

// WriteDgraphTypeUpserts writes the upserts that type the nodes of what
// Write writes for c (DgraphSchema.WriteTypeUpserts).
func WriteDgraphTypeUpserts(w io.Writer, c *graph.Changeset) error {
	s := NewDgraphSchema()
	if len(c.Sources) > 0 {
		s.AddSourceRecord()
	}
	for i := range c.Predicates {
		s.AddPredicate(&c.Predicates[i].Predicate)
	}
	for i := range c.Entities {
		s.AddEntity(&c.Entities[i].Entity)
	}
	for i := range c.Relations {
		if err := s.AddRelation(&c.Relations[i]); err != nil {
			return err
		}
	}
	if len(c.Retractions) > 0 {
		s.classes["Retraction"] = true
	}
	return s.WriteTypeUpserts(w)
}

// DgraphSchema gathers what the Dgraph schema of an export needs, a node at
// a time: the predicates defined (whole: a type lists the predicates its
// subjects may have) and the ids of those the relations use. Entities need
// not be added. Its memory grows with the predicates, not the relations.
type DgraphSchema struct {
	preds     map[string]graph.Predicate
	used      map[string]bool
	relations int
	// classes holds the classes that have nodes, for the typing upserts
	classes map[string]bool
}

// NewDgraphSchema returns an empty DgraphSchema.
func NewDgraphSchema() *DgraphSchema {
	return &DgraphSchema{preds: map[string]graph.Predicate{}, used: map[string]bool{}, classes: map[string]bool{}}
}

// AddPredicate adds a predicate definition.
func (s *DgraphSchema) AddPredicate(p *graph.Predicate) {
	s.preds[p.ID] = *p
	s.used[p.ID] = true
	s.classes["Predicate"] = true
}

// AddEntity adds an entity: only its class counts, for the typing upserts
// (WriteTypeUpserts); the schema does not need entities.
func (s *DgraphSchema) AddEntity(e *graph.Entity) {
	if e.Type.Valid() {
		s.classes[className(e.Type)] = true
	}
}

// AddRelation adds a relation, refusing one whose subject or object is a
// name rather than an id.
func (s *DgraphSchema) AddRelation(rc *graph.RelationChange) error {
	r := &rc.Relation
	what := format.Describe("relation", s.relations, rc.Where, r.ID)
	s.relations++
	for _, ref := range [][2]string{{"subject", r.Subject}, {"object", r.Object}} {
		if v := ref[1]; v != "" && !graph.ValidID(v) {
			return fmt.Errorf("dgraph-schema: %s: %s %q is a name, not an id: Dgraph would refuse it on the uid predicate %s", what, ref[0], v, dgraphIRI(ref[0]))
		}
	}
	if r.Predicate != "" && r.Object != "" {
		s.used[r.Predicate] = true
	}
	s.classes["Relation"] = true
	if len(r.Sources) > 0 {
		s.classes["Source"] = true
	}
	return nil
}

// AddSourceRecord adds that there are source records (their class has
// nodes).
func (s *DgraphSchema) AddSourceRecord() { s.classes["SourceRecord"] = true }

// WriteTypeUpserts writes, for each class that has nodes among those added
// (in the order of the schema's types), the Dgraph upsert that gives its
// nodes the dgraph.type of the schema's type of that name, one upsert a
// line, for Dgraph's /mutate?commitNow=true with Content-Type
// application/rdf. The export writes rdf:type, an edge to the class's node
// (found by its IRI in xid); the query block follows that edge back
// (<~rdf:type>, which the schema declares @reverse) to the nodes of the
// class, and the mutation types them. The mutation runs only when there
// are some (@if): Dgraph takes uid(v) of an empty v as a new node, and
// would type one empty node.
func (s *DgraphSchema) WriteTypeUpserts(w io.Writer) error {
	var b bytes.Buffer
	for _, class := range dgraphClasses() {
		if s.classes[class] {
			b.WriteString(DgraphTypeUpsert(class))
			b.WriteByte('\n')
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// DgraphTypeUpsert is the upsert that types the nodes of a class (see
// WriteTypeUpserts).
func DgraphTypeUpsert(class string) string {
	return fmt.Sprintf(`upsert { query { var(func: eq(%s, %q)) { v as <~%s> } } mutation @if(gt(len(v), 0)) { set { uid(v) <dgraph.type> %q . } } }`,
		DgraphXID, NSOntology+class, rdf.Type, class)
}

// dgraphClasses lists the classes that have a type in the schema, in its
// order.
func dgraphClasses() []string {
	var out []string
	for _, t := range graph.EntityTypes {
		out = append(out, className(t))
	}
	for _, c := range dgraphOtherTypes {
		out = append(out, c.class)
	}
	return out
}

// Write writes the schema of what was added.
func (s *DgraphSchema) Write(w io.Writer) error {
	ids := make([]string, 0, len(s.used))
	for id := range s.used {
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
	for _, t := range graph.EntityTypes {
		var edges []string
		for _, id := range ids {
			p, defined := s.preds[id]
			if !defined || len(p.SubjectTypes) == 0 || containsType(p.SubjectTypes, t) {
				edges = append(edges, id)
			}
		}
		typ(className(t), dgraphEntityProps, edges)
	}
	for _, c := range dgraphOtherTypes {
		typ(c.class, c.props, nil)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// dgraphEntityProps are the fields of the type of every entity class.
var dgraphEntityProps = []string{rdf.Type, "name", "aliases", "description"}

// dgraphRelationProps are the fields of the Relation and Retraction types.
var dgraphRelationProps = []string{rdf.Type, "subject", "predicate", "object", "date", "endDate", "timing", "hedge", "amount", "lowerBound", "upperBound",
	"unit", "approximation", "note", "source"}

// dgraphOtherTypes are the types of the classes that are not entity
// classes, in the order the schema lists them.
var dgraphOtherTypes = []struct {
	class string
	props []string
}{
	{"Predicate", []string{rdf.Type, "label", "inverseLabel", "subjectType", "objectType", "objectOptional", "description", "broader"}},
	{"Relation", dgraphRelationProps},
	{"Retraction", dgraphRelationProps},
	{"Source", []string{rdf.Type, "quote", "section", "title", "url", "cites"}},
	{"SourceRecord", []string{rdf.Type, "title", "publisher", "author", "published", "retrieved", "url", "language", "kind", "note"}},
}

func containsType(ts []graph.EntityType, t graph.EntityType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}
