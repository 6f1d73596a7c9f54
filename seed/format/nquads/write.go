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
// Nothing is written unless all of it can be: it is a Writer writing into
// memory, copied to w at the end.
func Write(w io.Writer, c *graph.Changeset) error {
	if err := format.CheckWritable(c); err != nil {
		return fmt.Errorf("nquads: %w", err)
	}
	var whole bytes.Buffer
	nw := NewWriter(&whole)
	for i := range c.Sources {
		if err := nw.WriteSourceRecord(&c.Sources[i]); err != nil {
			return err
		}
	}
	for i := range c.Predicates {
		if err := nw.WritePredicate(&c.Predicates[i]); err != nil {
			return err
		}
	}
	for i := range c.Entities {
		if err := nw.WriteEntity(&c.Entities[i]); err != nil {
			return err
		}
	}
	for i := range c.Relations {
		if err := nw.WriteRelation(&c.Relations[i]); err != nil {
			return err
		}
	}
	for i := range c.Retractions {
		if err := nw.WriteRetraction(&c.Retractions[i]); err != nil {
			return err
		}
	}
	if err := nw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(whole.Bytes())
	return err
}

// Writer writes N-Triples a node at a time, as Write writes a changeset:
// called with the source records, predicates, entities, relations and retractions of a
// changeset in its order, it writes the same bytes. What it holds between
// calls is the statements not yet flushed (at most flushAt bytes and one
// node), the blank node counters and, unless DistinctIDs was called, the
// IRIs written so far. Once a call fails, the writer stays failed.
type Writer struct {
	out io.Writer
	b   bytes.Buffer
	// seen names what claimed each IRI: RDF merges nodes with the same
	// IRI, so what would merge is refused; nil after DistinctIDs
	seen               map[string]string
	blankRel, blankSrc int // blank nodes numbered so far
	// nodes written so far of each kind, to name one in an error
	sources, predicates, entities, relations, retractions int
	err                                                   error
}

// flushAt is how many bytes a Writer gathers before it writes them out.
const flushAt = 64 << 10

// NewWriter returns a Writer writing to w, which refuses a node whose IRI
// an earlier node has.
func NewWriter(w io.Writer) *Writer {
	return &Writer{out: w, seen: map[string]string{}}
}

// DistinctIDs tells the writer that no two nodes it will be given share an
// IRI, so that it remembers none and its memory does not grow with what it
// writes. Predicates are told apart from entities and relations by their
// namespace; the caller vouches that ids are distinct among predicates and
// among entities and relations taken together (a store's keys keep each
// kind's apart; an entity and a relation with one id must be refused by
// the caller, as Write refuses them).
func (w *Writer) DistinctIDs() { w.seen = nil }

// WriteSourceRecord writes a source record.
func (w *Writer) WriteSourceRecord(sc *graph.SourceChange) error {
	what := format.Describe("source", w.sources, sc.Where, sc.Source.ID)
	w.sources++
	return w.node(w.record(what, &sc.Source))
}

// WritePredicate writes a predicate definition.
func (w *Writer) WritePredicate(pc *graph.PredicateChange) error {
	what := format.Describe("predicate", w.predicates, pc.Where, pc.Predicate.ID)
	w.predicates++
	return w.node(w.predicate(what, &pc.Predicate))
}

// WriteEntity writes an entity.
func (w *Writer) WriteEntity(ec *graph.EntityChange) error {
	what := format.Describe("entity", w.entities, ec.Where, ec.Entity.ID)
	w.entities++
	return w.node(w.entity(what, ec))
}

// WriteRelation writes a relation.
func (w *Writer) WriteRelation(rc *graph.RelationChange) error {
	what := format.Describe("relation", w.relations, rc.Where, rc.Relation.ID)
	w.relations++
	return w.node(w.relation("Relation", what, &rc.Relation))
}

// WriteRetraction writes a retraction.
func (w *Writer) WriteRetraction(rt *graph.Retraction) error {
	what := format.Describe("retraction", w.retractions, rt.Where, rt.Relation.ID)
	w.retractions++
	return w.node(w.relation("Retraction", what, &rt.Relation))
}

// node ends the writing of one node: a failure sticks, and the statements
// gathered go out once there are enough of them.
func (w *Writer) node(err error) error {
	if w.err != nil {
		return w.err
	}
	if err != nil {
		w.err = err
		return err
	}
	if w.b.Len() >= flushAt {
		return w.Flush()
	}
	return nil
}

// Flush writes out the statements gathered; the caller flushes after the
// last node.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if _, err := w.out.Write(w.b.Bytes()); err != nil {
		w.err = err
		return err
	}
	w.b.Reset()
	return nil
}

func (w *Writer) claim(iri, what string) error {
	if w.seen == nil {
		return nil
	}
	if first, dup := w.seen[iri]; dup {
		return fmt.Errorf("nquads: %s and %s are both <%s>; RDF would merge them", first, what, iri)
	}
	w.seen[iri] = what
	return nil
}

func (w *Writer) triple(s, p, o string) {
	w.b.WriteString(s)
	w.b.WriteByte(' ')
	w.b.WriteString(p)
	w.b.WriteByte(' ')
	w.b.WriteString(o)
	w.b.WriteString(" .\n")
}

// text writes a text property, unless it is empty.
func (w *Writer) text(s, prop, v string) {
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

func (w *Writer) predicate(what string, p *graph.Predicate) error {
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

func (w *Writer) entity(what string, ec *graph.EntityChange) error {
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
func (w *Writer) relation(kind, what string, r *graph.Relation) error {
	if err := checkFinite(what, r.Quantity); err != nil {
		return err
	}
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

func (w *Writer) quantity(s string, q *graph.Quantity) {
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
func (w *Writer) source(s string, src graph.Source) {
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
func (w *Writer) record(what string, rec *graph.SourceRecord) error {
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

// checkFinite refuses a quantity no format can carry, as
// format.CheckWritable does for a whole changeset.
func checkFinite(what string, q *graph.Quantity) error {
	if q == nil {
		return nil
	}
	for _, v := range []*float64{&q.Amount, q.LowerBound, q.UpperBound} {
		if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
			return fmt.Errorf("nquads: %s: quantity: %v is not a finite number", what, *v)
		}
	}
	return nil
}
