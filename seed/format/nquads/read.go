package nquads

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format"
	"github.com/emigraph/emigraph/seed/format/nquads/rdf"
)

// The namespaces of the vocabulary.
const (
	NSID        = "https://emigraph.org/id/"
	NSOntology  = "https://emigraph.org/ontology/"
	NSPredicate = "https://emigraph.org/predicate/"
)

// Format is the N-Triples and N-Quads format, for the registry.
var Format = format.Format{Name: "nquads", Title: "N-Quads", MediaType: "application/n-quads", Extensions: []string{".nq", ".nt"}, Parse: Parse, Write: Write}

// This file maps statements onto the vocabulary (reading); write.go maps the
// vocabulary onto statements; package rdf is the syntax.

type nodeKind uint8

const (
	unknownNode nodeKind = iota
	entityNode
	predicateNode
	relationNode
	retractionNode
	sourceNode
	recordNode // a source record (ont:SourceRecord); sourceNode is a citation
)

var nodeKindNames = map[nodeKind]string{entityNode: "an entity", predicateNode: "a predicate", relationNode: "a relation",
	retractionNode: "a retraction", sourceNode: "a source", recordNode: "a source record"}

// classes maps the ontology classes to node kinds and entity types.
var classes = map[string]struct {
	kind nodeKind
	typ  graph.EntityType
}{
	"Entity": {kind: entityNode}, "Predicate": {kind: predicateNode}, "Relation": {kind: relationNode},
	"Retraction": {kind: retractionNode}, "Source": {kind: sourceNode}, "SourceRecord": {kind: recordNode},
}

func init() {
	for _, t := range graph.EntityTypes {
		classes[className(t)] = struct {
			kind nodeKind
			typ  graph.EntityType
		}{entityNode, t}
	}
}

// className is the class of an entity type: PERSON is ont:Person.
func className(t graph.EntityType) string {
	s := strings.ToLower(string(t))
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// properties says which node kinds a property applies to and whether it may
// be repeated.
var properties = map[string]struct {
	kinds []nodeKind
	multi bool
}{
	"name":           {kinds: []nodeKind{entityNode}},
	"aliases":        {kinds: []nodeKind{entityNode}, multi: true},
	"removeAliases":  {kinds: []nodeKind{entityNode}, multi: true},
	"description":    {kinds: []nodeKind{entityNode, predicateNode}},
	"label":          {kinds: []nodeKind{predicateNode}},
	"inverseLabel":   {kinds: []nodeKind{predicateNode}},
	"subjectType":    {kinds: []nodeKind{predicateNode}, multi: true},
	"objectType":     {kinds: []nodeKind{predicateNode}, multi: true},
	"objectOptional": {kinds: []nodeKind{predicateNode}},
	"broader":        {kinds: []nodeKind{predicateNode}},
	"subject":        {kinds: []nodeKind{relationNode, retractionNode}},
	"predicate":      {kinds: []nodeKind{relationNode, retractionNode}},
	"object":         {kinds: []nodeKind{relationNode, retractionNode}},
	"date":           {kinds: []nodeKind{relationNode, retractionNode}},
	"endDate":        {kinds: []nodeKind{relationNode, retractionNode}},
	"timing":         {kinds: []nodeKind{relationNode, retractionNode}},
	"hedge":          {kinds: []nodeKind{relationNode, retractionNode}, multi: true},
	"amount":         {kinds: []nodeKind{relationNode, retractionNode}},
	"lowerBound":     {kinds: []nodeKind{relationNode, retractionNode}},
	"upperBound":     {kinds: []nodeKind{relationNode, retractionNode}},
	"unit":           {kinds: []nodeKind{relationNode, retractionNode}},
	"approximation":  {kinds: []nodeKind{relationNode, retractionNode}},
	"note":           {kinds: []nodeKind{relationNode, retractionNode, recordNode}},
	"source":         {kinds: []nodeKind{relationNode, retractionNode}, multi: true},
	"quote":          {kinds: []nodeKind{sourceNode}},
	"section":        {kinds: []nodeKind{sourceNode}},
	"title":          {kinds: []nodeKind{sourceNode, recordNode}},
	"url":            {kinds: []nodeKind{sourceNode, recordNode}},
	"cites":          {kinds: []nodeKind{sourceNode}},
	"publisher":      {kinds: []nodeKind{recordNode}},
	"author":         {kinds: []nodeKind{recordNode}},
	"published":      {kinds: []nodeKind{recordNode}},
	"retrieved":      {kinds: []nodeKind{recordNode}},
	"language":       {kinds: []nodeKind{recordNode}},
	"kind":           {kinds: []nodeKind{recordNode}},
}

var numericTypes = map[string]bool{}

func init() {
	for _, t := range []string{"decimal", "double", "float", "integer", "int", "long", "short", "byte",
		"nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
		"unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"} {
		numericTypes[rdf.XSD+t] = true
	}
}

type propValue struct {
	o    rdf.Term
	line int
}

type node struct {
	t     rdf.Term
	first int // line of the first rdf:type or ont: triple about the node
	kind  nodeKind
	typ   graph.EntityType
	props map[string][]propValue
}

type nqReader struct {
	name  string
	probs format.Problems
	nodes map[rdf.Term]*node
	order []*node
	plain []statement // triples whose predicate is in pred:
}

func (r *nqReader) where(line int) string { return fmt.Sprintf("%s:%d", r.name, line) }

func (r *nqReader) node(t rdf.Term, line int) *node {
	n := r.nodes[t]
	if n == nil {
		n = &node{t: t, first: line, props: map[string][]propValue{}}
		r.nodes[t] = n
		r.order = append(r.order, n)
	}
	return n
}

// statement is a quad with the line it was read from.
type statement struct {
	rdf.Quad
	line int
}

// Parse reads RDF N-Triples or N-Quads in the emigraph vocabulary, which
// the package documentation describes: entities as
// <https://emigraph.org/id/person/...> nodes, relations as nodes with
// subject, predicate, object and sources, and plain triples
// <subject> <https://emigraph.org/predicate/ID> <object> sourced from their
// named graph.
func Parse(name string, rd io.Reader) (*graph.Changeset, error) {
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	r := &nqReader{name: name, nodes: map[rdf.Term]*node{}}
	rdf.Read(string(data), func(q rdf.Quad, line int) {
		r.add(statement{q, line})
	}, func(line, column int, msg string) {
		r.probs.Add(r.where(line), "column "+strconv.Itoa(column), "%s", msg)
	})
	return r.interpret()
}

// add files a statement under its subject node, or as a plain triple.
func (r *nqReader) add(q statement) {
	switch {
	case q.P.Value == rdf.Type:
		n := r.node(q.S, q.line)
		c, ok := strings.CutPrefix(q.O.Value, NSOntology)
		cl, known := classes[c]
		if q.O.Kind != rdf.IRI || !ok || !known {
			r.probs.Add(r.where(q.line), "rdf:type", "%s is not a class of the vocabulary (%s)", q.O, classList())
			return
		}
		if n.kind != unknownNode && (n.kind != cl.kind || n.typ != cl.typ) {
			r.probs.Add(r.where(q.line), "rdf:type", "%s is already typed as %s", n.t, r.className(n))
			return
		}
		n.kind, n.typ = cl.kind, cl.typ
	case strings.HasPrefix(q.P.Value, NSOntology):
		prop := strings.TrimPrefix(q.P.Value, NSOntology)
		if _, ok := properties[prop]; !ok {
			r.probs.Add(r.where(q.line), prop, "%s is not a property of the vocabulary (%s)", q.P, propertyList())
			return
		}
		n := r.node(q.S, q.line)
		n.props[prop] = append(n.props[prop], propValue{o: q.O, line: q.line})
	case strings.HasPrefix(q.P.Value, NSPredicate):
		r.plain = append(r.plain, q)
	default:
		r.probs.Add(r.where(q.line), "predicate", "%s is not part of the vocabulary: use rdf:type, %sNAME or %sID", q.P, NSOntology, NSPredicate)
	}
}

func (r *nqReader) interpret() (*graph.Changeset, error) {
	if !r.probs.Empty() {
		return nil, r.probs.Err()
	}

	// kinds of untyped nodes, and which properties apply
	for _, n := range r.order {
		if n.kind == unknownNode {
			n.kind = sourceNode // untyped nodes may only describe a source
			for _, prop := range sortedProps(n) {
				if !applies(prop, sourceNode) {
					r.probs.Add(r.where(n.props[prop][0].line), "rdf:type", "%s has %s but no rdf:type: say what it is (%s)", n.t, NSOntology+prop, classList())
					break
				}
			}
			continue
		}
		for _, prop := range sortedProps(n) {
			if !applies(prop, n.kind) {
				r.probs.Add(r.where(n.props[prop][0].line), prop, "does not apply to %s (%s is %s)", nodeKindNames[n.kind], n.t, r.className(n))
			}
		}
	}
	if !r.probs.Empty() {
		return nil, r.probs.Err()
	}

	type item struct {
		line int
		add  func(c *graph.Changeset)
	}
	var srcs, preds, ents, rels, rets []item
	reified := map[string]bool{} // subject, predicate, object of relation nodes
	for _, n := range r.order {
		w := r.where(n.first)
		switch n.kind {
		case recordNode:
			if rec, ok := r.record(n); ok {
				srcs = append(srcs, item{n.first, func(c *graph.Changeset) {
					c.Sources = append(c.Sources, graph.SourceChange{Where: w, Source: rec})
				}})
			}
		case predicateNode:
			p, ok := r.predicate(n)
			if ok {
				preds = append(preds, item{n.first, func(c *graph.Changeset) {
					c.Predicates = append(c.Predicates, graph.PredicateChange{Where: w, Predicate: p})
				}})
			}
		case entityNode:
			e, ok := r.entity(n)
			if ok {
				ents = append(ents, item{n.first, func(c *graph.Changeset) { c.Entities = append(c.Entities, e) }})
			}
		case relationNode, retractionNode:
			rel, ok := r.relation(n)
			if !ok {
				continue
			}
			if n.kind == retractionNode {
				rets = append(rets, item{n.first, func(c *graph.Changeset) {
					c.Retractions = append(c.Retractions, graph.Retraction{Where: w, Relation: rel})
				}})
				continue
			}
			reified[rel.Subject+"\x00"+rel.Predicate+"\x00"+rel.Object] = true
			rels = append(rels, item{n.first, func(c *graph.Changeset) {
				c.Relations = append(c.Relations, graph.RelationChange{Where: w, Relation: rel})
			}})
		}
	}
	for _, q := range r.plain {
		w := r.where(q.line)
		rel := graph.Relation{Predicate: strings.TrimPrefix(q.P.Value, NSPredicate)}
		ok := true
		if q.S.Kind != rdf.IRI || !strings.HasPrefix(q.S.Value, NSID) {
			r.probs.Add(w, "subject", "%s: the subject of a plain triple must be an entity IRI %sTYPE/NAME", q.S, NSID)
			ok = false
		} else {
			rel.Subject = strings.TrimPrefix(q.S.Value, NSID)
		}
		if obj, err := r.ref(q.O); err != nil {
			r.probs.Add(w, "object", "%v", err)
			ok = false
		} else {
			rel.Object = obj
		}
		if !ok {
			continue
		}
		switch {
		case q.G.Kind == rdf.None && reified[rel.Subject+"\x00"+rel.Predicate+"\x00"+rel.Object]:
			continue // the shortcut of a relation node
		case q.G.Kind == rdf.None:
			// a relation with no source, which graph refuses
		default:
			src, ok := r.source(r.nodes[q.G], q.G, w)
			if !ok {
				continue
			}
			rel.Sources = []graph.Source{src}
		}
		rels = append(rels, item{q.line, func(c *graph.Changeset) {
			c.Relations = append(c.Relations, graph.RelationChange{Where: w, Relation: rel})
		}})
	}
	if err := r.probs.Err(); err != nil {
		return nil, err
	}
	c := &graph.Changeset{}
	for _, items := range [][]item{srcs, preds, ents, rels, rets} {
		sort.SliceStable(items, func(i, j int) bool { return items[i].line < items[j].line })
		for _, it := range items {
			it.add(c)
		}
	}
	return c, nil
}

func applies(prop string, k nodeKind) bool {
	for _, x := range properties[prop].kinds {
		if x == k {
			return true
		}
	}
	return false
}

func sortedProps(n *node) []string {
	ps := make([]string, 0, len(n.props))
	for p := range n.props {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool {
		return n.props[ps[i]][0].line < n.props[ps[j]][0].line || (n.props[ps[i]][0].line == n.props[ps[j]][0].line && ps[i] < ps[j])
	})
	return ps
}

func (r *nqReader) className(n *node) string {
	for name, cl := range classes {
		if cl.kind == n.kind && cl.typ == n.typ {
			return NSOntology + name
		}
	}
	return "untyped"
}

func classList() string {
	names := make([]string, 0, len(classes))
	for name := range classes {
		names = append(names, name)
	}
	sort.Strings(names)
	return NSOntology + "{" + strings.Join(names, ",") + "}"
}

func propertyList() string {
	names := make([]string, 0, len(properties))
	for name := range properties {
		names = append(names, name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// single returns the one value of a property, refusing different values.
func (r *nqReader) single(n *node, prop string) (propValue, bool) {
	vs := n.props[prop]
	if len(vs) == 0 {
		return propValue{}, false
	}
	for _, v := range vs[1:] {
		if v.o != vs[0].o {
			r.probs.Add(r.where(v.line), prop, "%s has two values: %s (line %d) and %s", n.t, vs[0].o, vs[0].line, v.o)
			return propValue{}, false
		}
	}
	return vs[0], true
}

// predicateRef reads a property whose value is a predicate IRI, as its id.
func (r *nqReader) predicateRef(n *node, prop string, ok *bool) string {
	v, has := r.single(n, prop)
	if !has {
		return ""
	}
	id, inNS := strings.CutPrefix(v.o.Value, NSPredicate)
	if v.o.Kind != rdf.IRI || !inNS {
		r.probs.Add(r.where(v.line), prop, "%s is not a predicate IRI %sID", v.o, NSPredicate)
		*ok = false
	}
	return id
}

// text reads a property whose value is text.
func (r *nqReader) text(n *node, prop string, ok *bool) string {
	v, has := r.single(n, prop)
	if !has {
		return ""
	}
	s, err := textValue(v.o, prop == "url")
	if err != nil {
		r.probs.Add(r.where(v.line), prop, "%v", err)
		*ok = false
	}
	return s
}

func textValue(o rdf.Term, iriToo bool) (string, error) {
	if o.Kind == rdf.IRI && iriToo {
		return o.Value, nil
	}
	if o.Kind != rdf.Literal || (o.Datatype != "" && o.Datatype != rdf.LangString) {
		return "", fmt.Errorf("expected a text literal \"...\", got %s", o)
	}
	return o.Value, nil
}

func (r *nqReader) texts(n *node, prop string, ok *bool) []string {
	var out []string
	for _, v := range n.props[prop] {
		s, err := textValue(v.o, false)
		if err != nil {
			r.probs.Add(r.where(v.line), prop, "%v", err)
			*ok = false
			continue
		}
		out = append(out, s)
	}
	return out
}

func (r *nqReader) date(n *node, prop string, ok *bool) string {
	v, has := r.single(n, prop)
	if !has {
		return ""
	}
	switch v.o.Datatype {
	case rdf.XSD + "date", rdf.XSD + "gYear", rdf.XSD + "gYearMonth":
		if v.o.Kind == rdf.Literal {
			return v.o.Value
		}
	}
	s, err := textValue(v.o, false)
	if err != nil {
		r.probs.Add(r.where(v.line), prop, "%v", err)
		*ok = false
	}
	return s
}

func (r *nqReader) number(n *node, prop string, ok *bool) *float64 {
	v, has := r.single(n, prop)
	if !has {
		return nil
	}
	if v.o.Kind != rdf.Literal || v.o.Lang != "" || (v.o.Datatype != "" && !numericTypes[v.o.Datatype]) {
		r.probs.Add(r.where(v.line), prop, "expected a number like \"50000\"^^<%sint> or \"2.5\"^^<%sdouble>, got %s", rdf.XSD, rdf.XSD, v.o)
		*ok = false
		return nil
	}
	f, err := format.ParseNumber(strings.TrimSpace(v.o.Value))
	if err != nil {
		r.probs.Add(r.where(v.line), prop, "%v", err)
		*ok = false
		return nil
	}
	return &f
}

// ref reads an entity reference: an id IRI or a name literal.
func (r *nqReader) ref(o rdf.Term) (string, error) {
	switch o.Kind {
	case rdf.IRI:
		if id, ok := strings.CutPrefix(o.Value, NSID); ok {
			return id, nil
		}
		return "", fmt.Errorf("%s is not an entity IRI %sTYPE/NAME", o, NSID)
	case rdf.Literal:
		return textValue(o, false)
	}
	return "", fmt.Errorf("%s: a blank node cannot name an entity: use an entity IRI or a name literal", o)
}

func (r *nqReader) entityTypes(n *node, prop string, ok *bool) []graph.EntityType {
	var out []graph.EntityType
	for _, v := range n.props[prop] {
		c, inNS := strings.CutPrefix(v.o.Value, NSOntology)
		cl, known := classes[c]
		if v.o.Kind != rdf.IRI || !inNS || !known || cl.kind != entityNode || cl.typ == "" {
			r.probs.Add(r.where(v.line), prop, "%s is not an entity class like <%sPerson>", v.o, NSOntology)
			*ok = false
			continue
		}
		out = append(out, cl.typ)
	}
	return out
}

func (r *nqReader) predicate(n *node) (graph.Predicate, bool) {
	ok := true
	id := r.nodeID(n, NSPredicate, "a predicate is named %sID", &ok)
	p := graph.Predicate{ID: id, Label: r.text(n, "label", &ok), InverseLabel: r.text(n, "inverseLabel", &ok),
		SubjectTypes: r.entityTypes(n, "subjectType", &ok), ObjectTypes: r.entityTypes(n, "objectType", &ok),
		Description: r.text(n, "description", &ok)}
	p.Broader = r.predicateRef(n, "broader", &ok)
	if v, has := r.single(n, "objectOptional"); has {
		b, err := strconv.ParseBool(v.o.Value)
		if v.o.Kind != rdf.Literal || v.o.Lang != "" || (v.o.Datatype != "" && v.o.Datatype != rdf.XSD+"boolean") || err != nil {
			r.probs.Add(r.where(v.line), "objectOptional", "expected \"true\"^^<%sboolean> or \"false\", got %s", rdf.XSD, v.o)
			ok = false
		}
		p.ObjectOptional = b
	}
	return p, ok
}

// nodeID is the id of a predicate or entity node, its IRI in namespace ns;
// anything else is a problem described by what (which takes ns).
func (r *nqReader) nodeID(n *node, ns, what string, ok *bool) string {
	id, inNS := strings.CutPrefix(n.t.Value, ns)
	if n.t.Kind != rdf.IRI || !inNS {
		r.probs.Add(r.where(n.first), "id", "%s: "+what, n.t, ns)
		*ok = false
	}
	return id
}

func (r *nqReader) entity(n *node) (graph.EntityChange, bool) {
	ok := true
	id := r.nodeID(n, NSID, "an entity is named %sTYPE/NAME", &ok)
	e := graph.EntityChange{Where: r.where(n.first), Entity: graph.Entity{ID: id, Name: r.text(n, "name", &ok), Type: n.typ,
		Aliases: r.texts(n, "aliases", &ok), Description: r.text(n, "description", &ok)}, RemoveAliases: r.texts(n, "removeAliases", &ok)}
	return e, ok
}

func (r *nqReader) relation(n *node) (graph.Relation, bool) {
	ok := true
	var rel graph.Relation
	if n.t.Kind == rdf.IRI {
		id, inNS := strings.CutPrefix(n.t.Value, NSID)
		if !inNS {
			r.probs.Add(r.where(n.first), "id", "%s: a relation is a blank node or named %srel/NAME", n.t, NSID)
			ok = false
		}
		rel.ID = id
	}
	refProp := func(prop string) string {
		v, has := r.single(n, prop)
		if !has {
			return ""
		}
		s, err := r.ref(v.o)
		if err != nil {
			r.probs.Add(r.where(v.line), prop, "%v", err)
			ok = false
		}
		return s
	}
	rel.Subject = refProp("subject")
	rel.Object = refProp("object")
	rel.Predicate = r.predicateRef(n, "predicate", &ok)
	rel.Date = r.date(n, "date", &ok)
	rel.EndDate = r.date(n, "endDate", &ok)
	rel.Timing = graph.Timing(r.text(n, "timing", &ok))
	for _, h := range r.texts(n, "hedge", &ok) {
		rel.Hedges = append(rel.Hedges, graph.Hedge(h))
	}
	rel.Note = r.text(n, "note", &ok)
	amount, lower, upper := r.number(n, "amount", &ok), r.number(n, "lowerBound", &ok), r.number(n, "upperBound", &ok)
	unit, approx := r.text(n, "unit", &ok), r.text(n, "approximation", &ok)
	switch {
	case amount != nil:
		rel.Quantity = &graph.Quantity{Amount: *amount, LowerBound: lower, UpperBound: upper, Unit: unit, Approximation: graph.Approximation(approx)}
	case len(n.props["amount"]) == 0 && (len(n.props["lowerBound"]) > 0 || len(n.props["upperBound"]) > 0 || len(n.props["unit"]) > 0 || len(n.props["approximation"]) > 0):
		r.probs.Add(r.where(n.first), "amount", "%s: %samount is required when lowerBound, upperBound, unit or approximation is given", n.t, NSOntology)
		ok = false
	}
	sourcesOK := true
	for _, v := range n.props["source"] {
		if v.o.Kind == rdf.Literal {
			r.probs.Add(r.where(v.line), "source", "expected a source node, got %s", v.o)
			sourcesOK = false
			continue
		}
		src, good := r.source(r.nodes[v.o], v.o, r.where(v.line))
		if !good {
			sourcesOK = false
			continue
		}
		rel.Sources = append(rel.Sources, src)
	}
	return rel, ok && sourcesOK
}

// source reads a source node; n is nil when nothing describes it.
func (r *nqReader) source(n *node, t rdf.Term, where string) (graph.Source, bool) {
	if n == nil {
		return graph.Source{}, true
	}
	if n.kind != sourceNode {
		r.probs.Add(where, "source", "%s is %s, not a source", t, nodeKindNames[n.kind])
		return graph.Source{}, false
	}
	ok := true
	s := graph.Source{Quote: r.text(n, "quote", &ok), Section: r.text(n, "section", &ok), Title: r.text(n, "title", &ok), URL: r.text(n, "url", &ok)}
	if v, has := r.single(n, "cites"); has {
		if v.o.Kind != rdf.IRI || !strings.HasPrefix(v.o.Value, NSID) {
			r.probs.Add(r.where(v.line), "cites", "expected the IRI of a source record, %ssource/NAME, got %s", NSID, v.o)
			ok = false
		} else {
			s.SourceID = strings.TrimPrefix(v.o.Value, NSID)
		}
	}
	return s, ok
}

// record reads a source record node, named by its IRI (NSID + its id).
func (r *nqReader) record(n *node) (graph.SourceRecord, bool) {
	ok := true
	id := r.nodeID(n, NSID, "a source record is named %ssource/NAME", &ok)
	rec := graph.SourceRecord{ID: id, Title: r.text(n, "title", &ok), Publisher: r.text(n, "publisher", &ok), Author: r.text(n, "author", &ok),
		Published: r.text(n, "published", &ok), Retrieved: r.text(n, "retrieved", &ok), URL: r.text(n, "url", &ok),
		Language: r.text(n, "language", &ok), Kind: graph.SourceKind(r.text(n, "kind", &ok)), Note: r.text(n, "note", &ok)}
	return rec, ok
}
