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
// writer uses the default graph only): predicates, entities, relations and
// retractions in the order of the changeset, each node's triples together.
// Relations without an id and all sources are blank nodes _:rN and _:sN.
func Write(w io.Writer, c *graph.Changeset) error {
	if err := format.CheckWritable(c); err != nil {
		return fmt.Errorf("nquads: %w", err)
	}
	// RDF merges nodes with the same IRI: refuse what would merge.
	seen := map[string]string{}
	claim := func(iri, what string) error {
		if first, dup := seen[iri]; dup {
			return fmt.Errorf("nquads: %s and %s are both <%s>; RDF would merge them", first, what, iri)
		}
		seen[iri] = what
		return nil
	}
	var b bytes.Buffer
	triple := func(s, p, o string) {
		b.WriteString(s)
		b.WriteByte(' ')
		b.WriteString(p)
		b.WriteByte(' ')
		b.WriteString(o)
		b.WriteString(" .\n")
	}
	ont := func(name string) string {
		if iri, ok := ontologyIRIs[name]; ok {
			return iri
		}
		return rdf.FormatIRI(NSOntology + name)
	}
	typ := rdf.FormatIRI(rdf.Type)
	text := func(s, prop, v string) {
		if v != "" {
			triple(s, ont(prop), rdf.FormatLiteral(v, ""))
		}
	}
	class := func(what string, t graph.EntityType) (string, error) {
		if t == "" {
			return ont("Entity"), nil
		}
		if !t.Valid() {
			return "", fmt.Errorf("nquads: %s: type %q has no class in the vocabulary", what, t)
		}
		return ont(className(t)), nil
	}
	for i, pc := range c.Predicates {
		p := pc.Predicate
		what := format.Describe("predicate", i, pc.Where, p.ID)
		if err := claim(NSPredicate+p.ID, what); err != nil {
			return err
		}
		s := rdf.FormatIRI(NSPredicate + p.ID)
		triple(s, typ, ont("Predicate"))
		text(s, "label", p.Label)
		text(s, "inverseLabel", p.InverseLabel)
		for prop, ts := range [][]graph.EntityType{p.SubjectTypes, p.ObjectTypes} {
			for _, t := range ts {
				if t == "" {
					return fmt.Errorf("nquads: %s: an empty type has no class", what)
				}
				cl, err := class(what, t)
				if err != nil {
					return err
				}
				triple(s, ont([]string{"subjectType", "objectType"}[prop]), cl)
			}
		}
		if p.ObjectOptional {
			triple(s, ont("objectOptional"), rdf.FormatLiteral("true", rdf.XSD+"boolean"))
		}
		text(s, "description", p.Description)
		if p.Broader != "" {
			triple(s, ont("broader"), rdf.FormatIRI(NSPredicate+p.Broader))
		}
	}
	for i, ec := range c.Entities {
		e := ec.Entity
		what := format.Describe("entity", i, ec.Where, e.ID)
		if err := claim(NSID+e.ID, what); err != nil {
			return err
		}
		s := rdf.FormatIRI(NSID + e.ID)
		cl, err := class(what, e.Type)
		if err != nil {
			return err
		}
		triple(s, typ, cl)
		text(s, "name", e.Name)
		for _, a := range e.Aliases {
			triple(s, ont("aliases"), rdf.FormatLiteral(a, ""))
		}
		text(s, "description", e.Description)
		for _, a := range ec.RemoveAliases {
			triple(s, ont("removeAliases"), rdf.FormatLiteral(a, ""))
		}
	}
	blankRel, blankSrc := 0, 0
	ref := func(v string) string {
		if graph.ValidID(v) {
			return rdf.FormatIRI(NSID + v)
		}
		return rdf.FormatLiteral(v, "")
	}
	relation := func(kind, what string, r *graph.Relation) error {
		var s string
		if r.ID == "" {
			blankRel++
			s = "_:r" + strconv.Itoa(blankRel)
		} else {
			if err := claim(NSID+r.ID, what); err != nil {
				return err
			}
			s = rdf.FormatIRI(NSID + r.ID)
		}
		triple(s, typ, ont(kind))
		if r.Subject != "" {
			triple(s, ont("subject"), ref(r.Subject))
		}
		if r.Predicate != "" {
			triple(s, ont("predicate"), rdf.FormatIRI(NSPredicate+r.Predicate))
		}
		if r.Object != "" {
			triple(s, ont("object"), ref(r.Object))
		}
		text(s, "date", r.Date)
		text(s, "endDate", r.EndDate)
		text(s, "timing", string(r.Timing))
		for _, h := range r.Hedges {
			text(s, "hedge", string(h))
		}
		if q := r.Quantity; q != nil {
			triple(s, ont("amount"), writeNumber(q.Amount))
			if q.LowerBound != nil {
				triple(s, ont("lowerBound"), writeNumber(*q.LowerBound))
			}
			if q.UpperBound != nil {
				triple(s, ont("upperBound"), writeNumber(*q.UpperBound))
			}
			text(s, "unit", q.Unit)
			text(s, "approximation", string(q.Approximation))
		}
		text(s, "note", r.Note)
		for _, src := range r.Sources {
			blankSrc++
			n := "_:s" + strconv.Itoa(blankSrc)
			triple(s, ont("source"), n)
			triple(n, typ, ont("Source"))
			text(n, "quote", src.Quote)
			text(n, "section", src.Section)
			text(n, "title", src.Title)
			text(n, "url", src.URL)
		}
		if kind == "Relation" && graph.ValidID(r.Subject) && r.Predicate != "" && r.Object != "" {
			triple(rdf.FormatIRI(NSID+r.Subject), rdf.FormatIRI(NSPredicate+r.Predicate), ref(r.Object))
		}
		return nil
	}
	for i, rc := range c.Relations {
		if err := relation("Relation", format.Describe("relation", i, rc.Where, rc.Relation.ID), &rc.Relation); err != nil {
			return err
		}
	}
	for i, rt := range c.Retractions {
		if err := relation("Retraction", format.Describe("retraction", i, rt.Where, rt.Relation.ID), &rt.Relation); err != nil {
			return err
		}
	}
	_, err := w.Write(b.Bytes())
	return err
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
