package nquads

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format"
	"github.com/emigraph/emigraph/seed/format/nquads/rdf"
)

// Write writes a changeset as N-Triples (a subset of N-Quads: the
// writer uses the default graph only): source records, predicates,
// entities, relations and retractions in the order of the changeset, each
// node's triples together.
// Relations without an id and all sources are blank nodes _:rN and _:sN.
func Write(w io.Writer, c *graph.Changeset) error {
	if err := format.CheckWritable(c); err != nil {
		return fmt.Errorf("nquads: %w", err)
	}
	nw := &writer{seen: map[string]string{}}
	for i, sc := range c.Sources {
		if err := nw.record(format.Describe("source", i, sc.Where, sc.Source.ID), &sc.Source); err != nil {
			return err
		}
	}
	for i, pc := range c.Predicates {
		if err := nw.predicate(format.Describe("predicate", i, pc.Where, pc.Predicate.ID), &pc.Predicate); err != nil {
			return err
		}
	}
	for i, ec := range c.Entities {
		if err := nw.entity(format.Describe("entity", i, ec.Where, ec.Entity.ID), &ec); err != nil {
			return err
		}
	}
	for i, rc := range c.Relations {
		if err := nw.relation("Relation", format.Describe("relation", i, rc.Where, rc.Relation.ID), &rc.Relation); err != nil {
			return err
		}
	}
	for i, rt := range c.Retractions {
		if err := nw.relation("Retraction", format.Describe("retraction", i, rt.Where, rt.Relation.ID), &rt.Relation); err != nil {
			return err
		}
	}
	_, err := w.Write(nw.b.Bytes())
	return err
}

// writer is the state of one Write.
type writer struct {
	b bytes.Buffer
	// seen names what claimed each IRI: RDF merges nodes with the same
	// IRI, so what would merge is refused
	seen               map[string]string
	blankRel, blankSrc int // blank nodes numbered so far
}

func (w *writer) claim(iri, what string) error {
	if first, dup := w.seen[iri]; dup {
		return fmt.Errorf("nquads: %s and %s are both <%s>; RDF would merge them", first, what, iri)
	}
	w.seen[iri] = what
	return nil
}

func (w *writer) triple(s, p, o string) {
	w.b.WriteString(s)
	w.b.WriteByte(' ')
	w.b.WriteString(p)
	w.b.WriteByte(' ')
	w.b.WriteString(o)
	w.b.WriteString(" .\n")
}

// text writes a text property, unless it is empty.
func (w *writer) text(s, prop, v string) {
	if v != "" {
		w.triple(s, ontIRI(prop), rdf.FormatLiteral(v, ""))
	}
}

// typeIRI is rdf:type, written.
var typeIRI = rdf.FormatIRI(rdf.Type)

// ontIRI writes the IRI of a class or property of the vocabulary.
func ontIRI(name string) string {
	if iri, ok := ontologyIRIs[name]; ok {
		return iri
	}
	return rdf.FormatIRI(NSOntology + name)
}

// classIRI writes the class of an entity type (Entity for none).
func classIRI(what string, t graph.EntityType) (string, error) {
	if t == "" {
		return ontIRI("Entity"), nil
	}
	if !t.Valid() {
		return "", fmt.Errorf("nquads: %s: type %q has no class in the vocabulary", what, t)
	}
	return ontIRI(className(t)), nil
}

// refTerm writes a subject or an object: the IRI of an entity when v is an
// id, a literal otherwise.
func refTerm(v string) string {
	if graph.ValidID(v) {
		return rdf.FormatIRI(NSID + v)
	}
	return rdf.FormatLiteral(v, "")
}

func (w *writer) predicate(what string, p *graph.Predicate) error {
	if err := w.claim(NSPredicate+p.ID, what); err != nil {
		return err
	}
	s := rdf.FormatIRI(NSPredicate + p.ID)
	w.triple(s, typeIRI, ontIRI("Predicate"))
	w.text(s, "label", p.Label)
	w.text(s, "inverseLabel", p.InverseLabel)
	for prop, ts := range [][]graph.EntityType{p.SubjectTypes, p.ObjectTypes} {
		for _, t := range ts {
			if t == "" {
				return fmt.Errorf("nquads: %s: an empty type has no class", what)
			}
			cl, err := classIRI(what, t)
			if err != nil {
				return err
			}
			w.triple(s, ontIRI([]string{"subjectType", "objectType"}[prop]), cl)
		}
	}
	if p.ObjectOptional {
		w.triple(s, ontIRI("objectOptional"), rdf.FormatLiteral("true", rdf.XSD+"boolean"))
	}
	w.text(s, "description", p.Description)
	if p.Broader != "" {
		w.triple(s, ontIRI("broader"), rdf.FormatIRI(NSPredicate+p.Broader))
	}
	return nil
}

func (w *writer) entity(what string, ec *graph.EntityChange) error {
	e := &ec.Entity
	if err := w.claim(NSID+e.ID, what); err != nil {
		return err
	}
	s := rdf.FormatIRI(NSID + e.ID)
	cl, err := classIRI(what, e.Type)
	if err != nil {
		return err
	}
	w.triple(s, typeIRI, cl)
	w.text(s, "name", e.Name)
	for _, a := range e.Aliases {
		w.triple(s, ontIRI("aliases"), rdf.FormatLiteral(a, ""))
	}
	w.text(s, "description", e.Description)
	for _, a := range ec.RemoveAliases {
		w.triple(s, ontIRI("removeAliases"), rdf.FormatLiteral(a, ""))
	}
	return nil
}

// relation writes a relation or a retraction (kind is its class), a blank
// node when it has no id, then, for a relation between entities, the plain
// triple subject-predicate-object that RDF tools query.
func (w *writer) relation(kind, what string, r *graph.Relation) error {
	var s string
	if r.ID == "" {
		w.blankRel++
		s = "_:r" + strconv.Itoa(w.blankRel)
	} else {
		if err := w.claim(NSID+r.ID, what); err != nil {
			return err
		}
		s = rdf.FormatIRI(NSID + r.ID)
	}
	w.triple(s, typeIRI, ontIRI(kind))
	if r.Subject != "" {
		w.triple(s, ontIRI("subject"), refTerm(r.Subject))
	}
	if r.Predicate != "" {
		w.triple(s, ontIRI("predicate"), rdf.FormatIRI(NSPredicate+r.Predicate))
	}
	if r.Object != "" {
		w.triple(s, ontIRI("object"), refTerm(r.Object))
	}
	w.text(s, "date", r.Date)
	w.text(s, "endDate", r.EndDate)
	w.text(s, "timing", string(r.Timing))
	for _, h := range r.Hedges {
		w.text(s, "hedge", string(h))
	}
	if q := r.Quantity; q != nil {
		w.quantity(s, q)
	}
	w.text(s, "note", r.Note)
	for _, src := range r.Sources {
		w.source(s, src)
	}
	if kind == "Relation" && graph.ValidID(r.Subject) && r.Predicate != "" && r.Object != "" {
		w.triple(rdf.FormatIRI(NSID+r.Subject), rdf.FormatIRI(NSPredicate+r.Predicate), refTerm(r.Object))
	}
	return nil
}

func (w *writer) quantity(s string, q *graph.Quantity) {
	w.triple(s, ontIRI("amount"), writeNumber(q.Amount))
	if q.LowerBound != nil {
		w.triple(s, ontIRI("lowerBound"), writeNumber(*q.LowerBound))
	}
	if q.UpperBound != nil {
		w.triple(s, ontIRI("upperBound"), writeNumber(*q.UpperBound))
	}
	w.text(s, "unit", q.Unit)
	w.text(s, "approximation", string(q.Approximation))
}

// source writes a source of the relation s as a blank node of its own.
func (w *writer) source(s string, src graph.Source) {
	w.blankSrc++
	n := "_:s" + strconv.Itoa(w.blankSrc)
	w.triple(s, ontIRI("source"), n)
	w.triple(n, typeIRI, ontIRI("Source"))
	w.text(n, "quote", src.Quote)
	w.text(n, "section", src.Section)
	w.text(n, "title", src.Title)
	w.text(n, "url", src.URL)
	if src.SourceID != "" {
		w.triple(n, ontIRI("cites"), rdf.FormatIRI(NSID+src.SourceID))
	}
}

// record writes a source record as a node named by its id.
func (w *writer) record(what string, rec *graph.SourceRecord) error {
	if err := w.claim(NSID+rec.ID, what); err != nil {
		return err
	}
	s := rdf.FormatIRI(NSID + rec.ID)
	w.triple(s, typeIRI, ontIRI("SourceRecord"))
	for _, p := range []struct{ prop, v string }{{"title", rec.Title}, {"publisher", rec.Publisher}, {"author", rec.Author},
		{"published", rec.Published}, {"retrieved", rec.Retrieved}, {"url", rec.URL}, {"language", rec.Language},
		{"kind", string(rec.Kind)}, {"note", rec.Note}} {
		w.text(s, p.prop, p.v)
	}
	return nil
}

// ontologyIRIs holds the written IRIs of the classes and properties.
var ontologyIRIs = map[string]string{}

func init() {
	for name := range classes {
		ontologyIRIs[name] = rdf.FormatIRI(NSOntology + name)
	}
	for name := range properties {
		ontologyIRIs[name] = rdf.FormatIRI(NSOntology + name)
	}
}

// writeNumber writes a number with a datatype that Dgraph's live and bulk
// loaders take (DgraphDatatypes; they refuse xsd:decimal): a whole number
// within xsd:int's 32 bits as "50000"^^xsd:int, anything else as
// xsd:double ("2.5", "5000000000", "1e+25"), spelled by format.FormatNumber
// so that it reads back as the same float64. xsd:int is kept to its XSD
// range, although Dgraph's int has 64 bits, so that the file stays valid RDF
// for other tools as well; the Dgraph schema declares the numbers float,
// which takes both.
func writeNumber(f float64) string {
	if f == math.Trunc(f) && f >= math.MinInt32 && f <= math.MaxInt32 && !(f == 0 && math.Signbit(f)) {
		return rdf.FormatLiteral(strconv.FormatInt(int64(f), 10), rdf.XSD+"int")
	}
	return rdf.FormatLiteral(format.FormatNumber(f), rdf.XSD+"double")
}
