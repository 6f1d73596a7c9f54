package seed

// RDF N-Triples and N-Quads.
//
// # Vocabulary
//
// Everything lives under https://emigraph.org/, in three namespaces:
//
//	id:   https://emigraph.org/id/          entities and relations: id:person/chulpan-khamatova, id:rel/georgia-visa-2022
//	ont:  https://emigraph.org/ontology/    classes and properties
//	pred: https://emigraph.org/predicate/   predicates: pred:fled-to
//
// with rdf: http://www.w3.org/1999/02/22-rdf-syntax-ns# and xsd:
// http://www.w3.org/2001/XMLSchema#. (The files themselves spell every IRI
// out in full: N-Triples has no prefixes.)
//
// An entity is the node id:ID with
//
//	rdf:type           ont:Person, ont:Country, ont:Law, ont:Event, ont:Organization, ont:Place or
//	                   ont:Group; ont:Entity for a correction that leaves the type as it is
//	ont:name           "..."
//	ont:aliases        "..."   one triple per alias, in order
//	ont:description    "..."
//	ont:removeAliases  "..."   one triple per alias to take away (corrections)
//
// A predicate is the node pred:ID with rdf:type ont:Predicate, ont:label,
// ont:inverseLabel, ont:subjectType and ont:objectType (an entity class, one
// triple per type), ont:objectOptional ("true"^^xsd:boolean) and
// ont:description.
//
// A relation is a node, id:rel/... when it has an id and a blank node
// otherwise, with
//
//	rdf:type           ont:Relation (ont:Retraction to withdraw the relation)
//	ont:subject        id:ENTITY, or a literal that is a name ("Chulpan Khamatova")
//	ont:predicate      pred:ID
//	ont:object         id:ENTITY or a name literal; left out when there is no object
//	ont:date, ont:endDate   "2022-09" (plain literals; xsd:date, xsd:gYear and xsd:gYearMonth are read too)
//	ont:amount, ont:lowerBound, ont:upperBound   "50000"^^xsd:decimal (xsd:double, xsd:integer and the other numeric types are read too)
//	ont:unit, ont:approximation ("ABOUT", ...), ont:note
//	ont:source         a source node, one triple per source, in order
//
// and a source is a node (blank, as written) with an optional rdf:type
// ont:Source and ont:quote, ont:section, ont:title and ont:url (a literal;
// an IRI is read too). A relation needs a source with a quote; a retraction
// needs none.
//
// An entity reference (subject, object) that is a slug (graph.ValidID) is
// written as its id: IRI, anything else as a name literal; an id: IRI reads
// as the rest of the IRI. Characters an IRI may not hold are written as
// \uXXXX escapes, which read back as the character.
//
// With every relation that has a slug subject, a predicate and an object,
// the writer also states the plain triple
//
//	<https://emigraph.org/id/person/x> <https://emigraph.org/predicate/fled-to> <https://emigraph.org/id/country/georgia> .
//
// so that the file reads as a simple graph too. When reading, a plain triple
// (any triple whose predicate is in pred:) in the default graph is the
// shortcut of the relation node with the same subject, predicate and object,
// and adds nothing; without such a node it is refused, because it has no
// source quote. A plain triple in a named graph is a relation of its own,
// sourced from its graph: the graph term is the source node, described by
// ont:quote (and ont:section, ont:title, ont:url) triples:
//
//	<https://emigraph.org/id/person/x> <https://emigraph.org/predicate/fled-to> <https://emigraph.org/id/country/georgia> _:src .
//	_:src <https://emigraph.org/ontology/quote> "X left for Georgia in 2022." .
//
// Graph terms are ignored on every other triple. A triple whose predicate is
// not rdf:type, an ont: property or a pred: predicate is refused, as are
// unknown ont: terms. Literals may carry a language tag, which is dropped.
// Single-valued properties given twice with different values are refused.
// Items come out in the order of their first line, so that the writer's
// output (predicates, entities, relations, retractions, each node's triples
// together) reads back in the order written.
//
// The writer uses the default graph only, so its output is N-Triples as well
// as N-Quads; the parser reads both alike (.nt and .nq). Errors read
// "facts.nq:LINE: column N: problem" for syntax and "facts.nq:LINE: field:
// problem" otherwise.

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emigraph/emigraph/graph"
)

// The namespaces of the vocabulary.
const (
	NSID        = "https://emigraph.org/id/"
	NSOntology  = "https://emigraph.org/ontology/"
	NSPredicate = "https://emigraph.org/predicate/"
	nsRDF       = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	nsXSD       = "http://www.w3.org/2001/XMLSchema#"
	rdfType     = nsRDF + "type"
	rdfLangStr  = nsRDF + "langString"
)

// ---------------------------------------------------------------- syntax

type termKind uint8

const (
	noTerm termKind = iota
	iriTerm
	blankTerm
	literalTerm
)

type term struct {
	kind     termKind
	value    string // IRI, blank node label, or lexical form
	lang     string
	datatype string // empty for a simple literal
}

// nodeKey identifies a node (an IRI or a blank node) without allocating.
type nodeKey struct {
	kind  termKind
	value string
}

func (t term) key() nodeKey { return nodeKey{t.kind, t.value} }

// same reports whether two terms are the same RDF term.
func (t term) same(o term) bool { return t == o }

func (t term) String() string {
	switch t.kind {
	case iriTerm:
		return "<" + t.value + ">"
	case blankTerm:
		return "_:" + t.value
	case literalTerm:
		s := strconv.Quote(t.value)
		if t.lang != "" {
			s += "@" + t.lang
		}
		if t.datatype != "" {
			s += "^^<" + t.datatype + ">"
		}
		return s
	}
	return ""
}

type quad struct {
	s, p, o, g term
	line       int
}

type syntaxError struct {
	pos int // byte offset in the line
	msg string
}

type lineParser struct {
	s   string
	pos int
}

func (p *lineParser) fail(pos int, format string, args ...any) *syntaxError {
	return &syntaxError{pos: pos, msg: fmt.Sprintf(format, args...)}
}

func (p *lineParser) skipSpace() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
	if p.pos < len(p.s) && p.s[p.pos] == '#' {
		p.pos = len(p.s) // a comment runs to the end of the line
	}
}

func (p *lineParser) eol() bool { return p.pos >= len(p.s) }

// parseStatement reads one line. ok is false for a blank or comment line.
func parseStatement(line string) (q quad, ok bool, err *syntaxError) {
	p := &lineParser{s: line}
	p.skipSpace()
	if p.eol() {
		return q, false, nil
	}
	if q.s, err = p.term("subject", iriTerm, blankTerm); err != nil {
		return q, false, err
	}
	p.skipSpace()
	if q.p, err = p.term("predicate", iriTerm); err != nil {
		return q, false, err
	}
	p.skipSpace()
	if q.o, err = p.term("object", iriTerm, blankTerm, literalTerm); err != nil {
		return q, false, err
	}
	p.skipSpace()
	if !p.eol() && (p.s[p.pos] == '<' || p.s[p.pos] == '_') {
		if q.g, err = p.term("graph", iriTerm, blankTerm); err != nil {
			return q, false, err
		}
		p.skipSpace()
	}
	if p.eol() {
		return q, false, p.fail(p.pos, "missing '.' at the end of the statement")
	}
	if p.s[p.pos] != '.' {
		return q, false, p.fail(p.pos, "expected '.' to end the statement, found %s", p.found())
	}
	p.pos++
	p.skipSpace()
	if !p.eol() {
		return q, false, p.fail(p.pos, "unexpected %s after the '.' that ends the statement", p.found())
	}
	return q, true, nil
}

func (p *lineParser) found() string {
	if p.eol() {
		return "the end of the line"
	}
	r, _ := utf8.DecodeRuneInString(p.s[p.pos:])
	return strconv.QuoteRune(r)
}

var termNames = map[termKind]string{iriTerm: "an IRI <...>", blankTerm: "a blank node _:label", literalTerm: "a literal \"...\""}

func (p *lineParser) term(role string, kinds ...termKind) (term, *syntaxError) {
	start := p.pos
	var t term
	var err *syntaxError
	if p.eol() {
		err = p.fail(p.pos, "expected the %s, found the end of the line", role)
		return t, err
	}
	switch p.s[p.pos] {
	case '<':
		t, err = p.iri()
	case '_':
		t, err = p.blank()
	case '"':
		t, err = p.literal()
	default:
		names := make([]string, len(kinds))
		for i, k := range kinds {
			names[i] = termNames[k]
		}
		return t, p.fail(p.pos, "expected the %s (%s), found %s", role, strings.Join(names, " or "), p.found())
	}
	if err != nil {
		return t, err
	}
	for _, k := range kinds {
		if t.kind == k {
			return t, nil
		}
	}
	return t, p.fail(start, "the %s cannot be %s", role, termNames[t.kind])
}

// absolute reports whether an IRI starts with a scheme ("https:").
func absolute(iri string) bool {
	for i := 0; i < len(iri); i++ {
		c := iri[i]
		switch {
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '.' || c == '-'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

func (p *lineParser) iri() (term, *syntaxError) {
	start := p.pos
	p.pos++ // '<'
	// the common case: no escapes, nothing forbidden
	for i := p.pos; i < len(p.s); i++ {
		c := p.s[i]
		if c == '>' {
			v := p.s[p.pos:i]
			if !absolute(v) {
				return term{}, p.fail(start, "<%s> is not an absolute IRI (N-Triples and N-Quads need a scheme such as https:)", v)
			}
			p.pos = i + 1
			return term{kind: iriTerm, value: v}, nil
		}
		if c <= 0x20 || c == '\\' || c == '<' || c == '"' || c == '{' || c == '}' || c == '|' || c == '^' || c == '`' {
			break
		}
	}
	var b strings.Builder
	for {
		if p.eol() {
			return term{}, p.fail(start, "unterminated IRI: missing '>'")
		}
		c := p.s[p.pos]
		switch {
		case c == '>':
			p.pos++
			v := b.String()
			if !absolute(v) {
				return term{}, p.fail(start, "<%s> is not an absolute IRI (N-Triples and N-Quads need a scheme such as https:)", v)
			}
			return term{kind: iriTerm, value: v}, nil
		case c == '\\':
			r, err := p.uchar()
			if err != nil {
				return term{}, err
			}
			b.WriteRune(r)
		case c == ' ' || c == '\t' || c == '<':
			return term{}, p.fail(start, "unterminated IRI: missing '>' before %s", p.found())
		case c <= 0x20 || strings.IndexByte("\"{}|^`", c) >= 0:
			return term{}, p.fail(p.pos, "%s is not allowed in an IRI (write it as \\u%04X)", p.found(), c)
		default:
			r, size := utf8.DecodeRuneInString(p.s[p.pos:])
			b.WriteRune(r)
			p.pos += size
		}
	}
}

// uchar reads \uXXXX or \UXXXXXXXX.
func (p *lineParser) uchar() (rune, *syntaxError) {
	start := p.pos
	if p.pos+1 >= len(p.s) {
		return 0, p.fail(start, "bad escape: '\\' at the end of the line")
	}
	n := 0
	switch p.s[p.pos+1] {
	case 'u':
		n = 4
	case 'U':
		n = 8
	default:
		r, _ := utf8.DecodeRuneInString(p.s[p.pos+1:])
		return 0, p.fail(start, "bad escape \\%c: only \\uXXXX and \\UXXXXXXXX are allowed here", r)
	}
	if p.pos+2+n > len(p.s) {
		return 0, p.fail(start, "bad escape %s: expected %d hex digits", p.s[p.pos:], n)
	}
	hex := p.s[p.pos+2 : p.pos+2+n]
	v, err := strconv.ParseUint(hex, 16, 32)
	if err != nil || strings.ContainsAny(hex, "+-_xX") {
		return 0, p.fail(start, "bad escape %s: expected %d hex digits", p.s[p.pos:p.pos+2+n], n)
	}
	if v > utf8.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
		return 0, p.fail(start, "bad escape %s: U+%04X is not a Unicode character", p.s[p.pos:p.pos+2+n], v)
	}
	p.pos += 2 + n
	return rune(v), nil
}

func (p *lineParser) blank() (term, *syntaxError) {
	start := p.pos
	if !strings.HasPrefix(p.s[p.pos:], "_:") {
		return term{}, p.fail(start, "expected a blank node _:label")
	}
	p.pos += 2
	labelStart := p.pos
	lastNonDot := p.pos
	first := true
	for !p.eol() {
		r, size := utf8.DecodeRuneInString(p.s[p.pos:])
		if first {
			if !pnCharsU(r) && !(r >= '0' && r <= '9') {
				break
			}
			first = false
		} else if !pnChars(r) && r != '.' {
			break
		}
		p.pos += size
		if r != '.' {
			lastNonDot = p.pos
		}
	}
	p.pos = lastNonDot // a label does not end with '.': that is the statement's end
	if p.pos == labelStart {
		return term{}, p.fail(start, "a blank node label is expected after _: (found %s)", p.found())
	}
	return term{kind: blankTerm, value: p.s[labelStart:p.pos]}, nil
}

func pnCharsBase(r rune) bool {
	switch {
	case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z',
		r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return r != utf8.RuneError
	}
	return false
}

func pnCharsU(r rune) bool { return pnCharsBase(r) || r == '_' || r == ':' }

func pnChars(r rune) bool {
	return pnCharsU(r) || r == '-' || (r >= '0' && r <= '9') || r == 0xB7 ||
		(r >= 0x300 && r <= 0x36F) || (r >= 0x203F && r <= 0x2040)
}

func (p *lineParser) literal() (term, *syntaxError) {
	start := p.pos
	p.pos++ // '"'
	var value string
	if i := strings.IndexAny(p.s[p.pos:], "\"\\"); i >= 0 && p.s[p.pos+i] == '"' {
		value = p.s[p.pos : p.pos+i] // the common case: no escapes
		p.pos += i + 1
	} else {
		var b strings.Builder
		for {
			if p.eol() {
				return term{}, p.fail(start, "unterminated string literal: missing closing '\"'")
			}
			c := p.s[p.pos]
			if c == '"' {
				p.pos++
				break
			}
			if c != '\\' {
				r, size := utf8.DecodeRuneInString(p.s[p.pos:])
				b.WriteRune(r)
				p.pos += size
				continue
			}
			if p.pos+1 >= len(p.s) {
				return term{}, p.fail(p.pos, "bad escape: '\\' at the end of the line")
			}
			if e, ok := echar[p.s[p.pos+1]]; ok {
				b.WriteByte(e)
				p.pos += 2
				continue
			}
			if p.s[p.pos+1] != 'u' && p.s[p.pos+1] != 'U' {
				r, _ := utf8.DecodeRuneInString(p.s[p.pos+1:])
				return term{}, p.fail(p.pos, "bad escape \\%c in a string (known: \\t \\b \\n \\r \\f \\\" \\' \\\\ \\uXXXX \\UXXXXXXXX)", r)
			}
			r, err := p.uchar()
			if err != nil {
				return term{}, err
			}
			b.WriteRune(r)
		}
		value = b.String()
	}
	t := term{kind: literalTerm, value: value}
	switch {
	case strings.HasPrefix(p.s[p.pos:], "^^"):
		p.pos += 2
		if p.eol() || p.s[p.pos] != '<' {
			return term{}, p.fail(p.pos, "expected a datatype IRI <...> after ^^, found %s", p.found())
		}
		dt, err := p.iri()
		if err != nil {
			return term{}, err
		}
		t.datatype = dt.value
		if t.datatype == nsXSD+"string" {
			t.datatype = "" // a simple literal by another name
		}
	case strings.HasPrefix(p.s[p.pos:], "@"):
		at := p.pos
		p.pos++
		m := langTagPattern.FindString(p.s[p.pos:])
		if m == "" {
			return term{}, p.fail(at, "bad language tag: expected letters after '@' like @en or @ru-Latn")
		}
		p.pos += len(m)
		if !p.eol() && (p.s[p.pos] == '-' || isAlnum(p.s[p.pos])) {
			return term{}, p.fail(at, "bad language tag @%s%s", m, p.found())
		}
		t.lang = m
	}
	return t, nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

var (
	langTagPattern = regexp.MustCompile(`^[a-zA-Z]+(?:-[a-zA-Z0-9]+)*`)
	echar          = map[byte]byte{'t': '\t', 'b': '\b', 'n': '\n', 'r': '\r', 'f': '\f', '"': '"', '\'': '\'', '\\': '\\'}
)

// ---------------------------------------------------------------- meaning

type nodeKind uint8

const (
	unknownNode nodeKind = iota
	entityNode
	predicateNode
	relationNode
	retractionNode
	sourceNode
)

var nodeKindNames = map[nodeKind]string{entityNode: "an entity", predicateNode: "a predicate", relationNode: "a relation",
	retractionNode: "a retraction", sourceNode: "a source"}

// classes maps the ontology classes to node kinds and entity types.
var classes = map[string]struct {
	kind nodeKind
	typ  graph.EntityType
}{
	"Entity": {kind: entityNode}, "Predicate": {kind: predicateNode}, "Relation": {kind: relationNode},
	"Retraction": {kind: retractionNode}, "Source": {kind: sourceNode},
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
	"subject":        {kinds: []nodeKind{relationNode, retractionNode}},
	"predicate":      {kinds: []nodeKind{relationNode, retractionNode}},
	"object":         {kinds: []nodeKind{relationNode, retractionNode}},
	"date":           {kinds: []nodeKind{relationNode, retractionNode}},
	"endDate":        {kinds: []nodeKind{relationNode, retractionNode}},
	"amount":         {kinds: []nodeKind{relationNode, retractionNode}},
	"lowerBound":     {kinds: []nodeKind{relationNode, retractionNode}},
	"upperBound":     {kinds: []nodeKind{relationNode, retractionNode}},
	"unit":           {kinds: []nodeKind{relationNode, retractionNode}},
	"approximation":  {kinds: []nodeKind{relationNode, retractionNode}},
	"note":           {kinds: []nodeKind{relationNode, retractionNode}},
	"source":         {kinds: []nodeKind{relationNode, retractionNode}, multi: true},
	"quote":          {kinds: []nodeKind{sourceNode}},
	"section":        {kinds: []nodeKind{sourceNode}},
	"title":          {kinds: []nodeKind{sourceNode}},
	"url":            {kinds: []nodeKind{sourceNode}},
}

var numericTypes = map[string]bool{}

func init() {
	for _, t := range []string{"decimal", "double", "float", "integer", "int", "long", "short", "byte",
		"nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
		"unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"} {
		numericTypes[nsXSD+t] = true
	}
}

type propValue struct {
	o    term
	line int
}

type node struct {
	t     term
	first int // line of the first rdf:type or ont: triple about the node
	kind  nodeKind
	typ   graph.EntityType
	props map[string][]propValue
}

type nqReader struct {
	name  string
	probs problemList
	nodes map[nodeKey]*node
	order []*node
	plain []quad // triples whose predicate is in pred:
}

func (r *nqReader) where(line int) string { return fmt.Sprintf("%s:%d", r.name, line) }

func (r *nqReader) node(t term, line int) *node {
	n := r.nodes[t.key()]
	if n == nil {
		n = &node{t: t, first: line, props: map[string][]propValue{}}
		r.nodes[t.key()] = n
		r.order = append(r.order, n)
	}
	return n
}

// ParseNQuads reads RDF N-Triples or N-Quads in the emigraph vocabulary,
// which the comment at the top of nquads.go describes: entities as
// <https://emigraph.org/id/person/...> nodes, relations as nodes with
// subject, predicate, object and sources, and plain triples
// <subject> <https://emigraph.org/predicate/ID> <object> sourced from their
// named graph.
func ParseNQuads(name string, rd io.Reader) (*graph.Changeset, error) {
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	r := &nqReader{name: name, nodes: map[nodeKey]*node{}}
	text := strings.TrimPrefix(string(data), "\ufeff")
	lineNo := 0
	for len(text) > 0 {
		line := text
		if i := strings.IndexAny(text, "\r\n"); i >= 0 {
			line = text[:i]
			if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			text = text[i+1:]
		} else {
			text = ""
		}
		lineNo++
		if !utf8.ValidString(line) {
			bad := 0
			for bad < len(line) {
				r, size := utf8.DecodeRuneInString(line[bad:])
				if r == utf8.RuneError && size == 1 {
					break
				}
				bad += size
			}
			r.probs.add(r.where(lineNo), "column "+strconv.Itoa(utf8.RuneCountInString(line[:bad])+1), "invalid UTF-8")
			continue
		}
		q, ok, serr := parseStatement(line)
		if serr != nil {
			r.probs.add(r.where(lineNo), "column "+strconv.Itoa(utf8.RuneCountInString(line[:serr.pos])+1), "%s", serr.msg)
			continue
		}
		if ok {
			q.line = lineNo
			r.add(q)
		}
	}
	return r.interpret()
}

// add files a statement under its subject node, or as a plain triple.
func (r *nqReader) add(q quad) {
	switch {
	case q.p.value == rdfType:
		n := r.node(q.s, q.line)
		c, ok := strings.CutPrefix(q.o.value, NSOntology)
		cl, known := classes[c]
		if q.o.kind != iriTerm || !ok || !known {
			r.probs.add(r.where(q.line), "rdf:type", "%s is not a class of the vocabulary (%s)", q.o, classList())
			return
		}
		if n.kind != unknownNode && (n.kind != cl.kind || n.typ != cl.typ) {
			r.probs.add(r.where(q.line), "rdf:type", "%s is already typed as %s", n.t, r.className(n))
			return
		}
		n.kind, n.typ = cl.kind, cl.typ
	case strings.HasPrefix(q.p.value, NSOntology):
		prop := strings.TrimPrefix(q.p.value, NSOntology)
		if _, ok := properties[prop]; !ok {
			r.probs.add(r.where(q.line), prop, "%s is not a property of the vocabulary (%s)", q.p, propertyList())
			return
		}
		n := r.node(q.s, q.line)
		n.props[prop] = append(n.props[prop], propValue{o: q.o, line: q.line})
	case strings.HasPrefix(q.p.value, NSPredicate):
		r.plain = append(r.plain, q)
	default:
		r.probs.add(r.where(q.line), "predicate", "%s is not part of the vocabulary: use rdf:type, %sNAME or %sID", q.p, NSOntology, NSPredicate)
	}
}

func (r *nqReader) interpret() (*graph.Changeset, error) {
	if !r.probs.empty() {
		return nil, r.probs.err()
	}

	// kinds of untyped nodes, and which properties apply
	for _, n := range r.order {
		if n.kind == unknownNode {
			n.kind = sourceNode // untyped nodes may only describe a source
			for _, prop := range sortedProps(n) {
				if !applies(prop, sourceNode) {
					r.probs.add(r.where(n.props[prop][0].line), "rdf:type", "%s has %s but no rdf:type: say what it is (%s)", n.t, NSOntology+prop, classList())
					break
				}
			}
			continue
		}
		for _, prop := range sortedProps(n) {
			if !applies(prop, n.kind) {
				r.probs.add(r.where(n.props[prop][0].line), prop, "does not apply to %s (%s is %s)", nodeKindNames[n.kind], n.t, r.className(n))
			}
		}
	}
	if !r.probs.empty() {
		return nil, r.probs.err()
	}

	type item struct {
		line int
		add  func(c *graph.Changeset)
	}
	var preds, ents, rels, rets []item
	reified := map[string]bool{} // subject, predicate, object of relation nodes
	for _, n := range r.order {
		w := r.where(n.first)
		switch n.kind {
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
		rel := graph.Relation{Predicate: strings.TrimPrefix(q.p.value, NSPredicate)}
		ok := true
		if q.s.kind != iriTerm || !strings.HasPrefix(q.s.value, NSID) {
			r.probs.add(w, "subject", "%s: the subject of a plain triple must be an entity IRI %sTYPE/NAME", q.s, NSID)
			ok = false
		} else {
			rel.Subject = strings.TrimPrefix(q.s.value, NSID)
		}
		if obj, err := r.ref(q.o); err != nil {
			r.probs.add(w, "object", "%v", err)
			ok = false
		} else {
			rel.Object = obj
		}
		if !ok {
			continue
		}
		if q.g.kind == noTerm {
			if reified[rel.Subject+"\x00"+rel.Predicate+"\x00"+rel.Object] {
				continue // the shortcut of a relation node
			}
			r.probs.add(w, "quote", "a plain triple needs a source quote: put it in a named graph whose node has %squote, or state it as an %sRelation node with %ssource",
				NSOntology, NSOntology, NSOntology)
			continue
		}
		src, ok := r.source(r.nodes[q.g.key()], q.g, w)
		if !ok {
			continue
		}
		if src.Quote == "" {
			r.probs.add(w, "quote", "the graph %s of this plain triple has no %squote: a plain triple needs a source quote", q.g, NSOntology)
			continue
		}
		rel.Sources = []graph.Source{src}
		rels = append(rels, item{q.line, func(c *graph.Changeset) {
			c.Relations = append(c.Relations, graph.RelationChange{Where: w, Relation: rel})
		}})
	}
	if err := r.probs.err(); err != nil {
		return nil, err
	}
	c := &graph.Changeset{}
	for _, items := range [][]item{preds, ents, rels, rets} {
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
		if !v.o.same(vs[0].o) {
			r.probs.add(r.where(v.line), prop, "%s has two values: %s (line %d) and %s", n.t, vs[0].o, vs[0].line, v.o)
			return propValue{}, false
		}
	}
	return vs[0], true
}

// text reads a property whose value is text.
func (r *nqReader) text(n *node, prop string, ok *bool) string {
	v, has := r.single(n, prop)
	if !has {
		return ""
	}
	s, err := textValue(v.o, prop == "url")
	if err != nil {
		r.probs.add(r.where(v.line), prop, "%v", err)
		*ok = false
	}
	return s
}

func textValue(o term, iriToo bool) (string, error) {
	if o.kind == iriTerm && iriToo {
		return o.value, nil
	}
	if o.kind != literalTerm || (o.datatype != "" && o.datatype != rdfLangStr) {
		return "", fmt.Errorf("expected a text literal \"...\", got %s", o)
	}
	return o.value, nil
}

func (r *nqReader) texts(n *node, prop string, ok *bool) []string {
	var out []string
	for _, v := range n.props[prop] {
		s, err := textValue(v.o, false)
		if err != nil {
			r.probs.add(r.where(v.line), prop, "%v", err)
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
	switch v.o.datatype {
	case nsXSD + "date", nsXSD + "gYear", nsXSD + "gYearMonth":
		if v.o.kind == literalTerm {
			return v.o.value
		}
	}
	s, err := textValue(v.o, false)
	if err != nil {
		r.probs.add(r.where(v.line), prop, "%v", err)
		*ok = false
	}
	return s
}

func (r *nqReader) number(n *node, prop string, ok *bool) *float64 {
	v, has := r.single(n, prop)
	if !has {
		return nil
	}
	if v.o.kind != literalTerm || v.o.lang != "" || (v.o.datatype != "" && !numericTypes[v.o.datatype]) {
		r.probs.add(r.where(v.line), prop, "expected a number like \"50000\"^^<%sdecimal>, got %s", nsXSD, v.o)
		*ok = false
		return nil
	}
	f, err := parseNumber(strings.TrimSpace(v.o.value))
	if err != nil {
		r.probs.add(r.where(v.line), prop, "%v", err)
		*ok = false
		return nil
	}
	return &f
}

// ref reads an entity reference: an id IRI or a name literal.
func (r *nqReader) ref(o term) (string, error) {
	switch o.kind {
	case iriTerm:
		if id, ok := strings.CutPrefix(o.value, NSID); ok {
			return id, nil
		}
		return "", fmt.Errorf("%s is not an entity IRI %sTYPE/NAME", o, NSID)
	case literalTerm:
		return textValue(o, false)
	}
	return "", fmt.Errorf("%s: a blank node cannot name an entity: use an entity IRI or a name literal", o)
}

func (r *nqReader) entityTypes(n *node, prop string, ok *bool) []graph.EntityType {
	var out []graph.EntityType
	for _, v := range n.props[prop] {
		c, inNS := strings.CutPrefix(v.o.value, NSOntology)
		cl, known := classes[c]
		if v.o.kind != iriTerm || !inNS || !known || cl.kind != entityNode || cl.typ == "" {
			r.probs.add(r.where(v.line), prop, "%s is not an entity class like <%sPerson>", v.o, NSOntology)
			*ok = false
			continue
		}
		out = append(out, cl.typ)
	}
	return out
}

func (r *nqReader) predicate(n *node) (graph.Predicate, bool) {
	ok := true
	id, inNS := strings.CutPrefix(n.t.value, NSPredicate)
	if n.t.kind != iriTerm || !inNS {
		r.probs.add(r.where(n.first), "id", "%s: a predicate is named %sID", n.t, NSPredicate)
		ok = false
	}
	p := graph.Predicate{ID: id, Label: r.text(n, "label", &ok), InverseLabel: r.text(n, "inverseLabel", &ok),
		SubjectTypes: r.entityTypes(n, "subjectType", &ok), ObjectTypes: r.entityTypes(n, "objectType", &ok),
		Description: r.text(n, "description", &ok)}
	if v, has := r.single(n, "objectOptional"); has {
		b, err := strconv.ParseBool(v.o.value)
		if v.o.kind != literalTerm || v.o.lang != "" || (v.o.datatype != "" && v.o.datatype != nsXSD+"boolean") || err != nil {
			r.probs.add(r.where(v.line), "objectOptional", "expected \"true\"^^<%sboolean> or \"false\", got %s", nsXSD, v.o)
			ok = false
		}
		p.ObjectOptional = b
	}
	return p, ok
}

func (r *nqReader) entity(n *node) (graph.EntityChange, bool) {
	ok := true
	id, inNS := strings.CutPrefix(n.t.value, NSID)
	if n.t.kind != iriTerm || !inNS {
		r.probs.add(r.where(n.first), "id", "%s: an entity is named %sTYPE/NAME", n.t, NSID)
		ok = false
	}
	e := graph.EntityChange{Where: r.where(n.first), Entity: graph.Entity{ID: id, Name: r.text(n, "name", &ok), Type: n.typ,
		Aliases: r.texts(n, "aliases", &ok), Description: r.text(n, "description", &ok)}, RemoveAliases: r.texts(n, "removeAliases", &ok)}
	return e, ok
}

func (r *nqReader) relation(n *node) (graph.Relation, bool) {
	ok := true
	var rel graph.Relation
	if n.t.kind == iriTerm {
		id, inNS := strings.CutPrefix(n.t.value, NSID)
		if !inNS {
			r.probs.add(r.where(n.first), "id", "%s: a relation is a blank node or named %srel/NAME", n.t, NSID)
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
			r.probs.add(r.where(v.line), prop, "%v", err)
			ok = false
		}
		return s
	}
	rel.Subject = refProp("subject")
	rel.Object = refProp("object")
	if v, has := r.single(n, "predicate"); has {
		id, inNS := strings.CutPrefix(v.o.value, NSPredicate)
		if v.o.kind != iriTerm || !inNS {
			r.probs.add(r.where(v.line), "predicate", "%s is not a predicate IRI %sID", v.o, NSPredicate)
			ok = false
		}
		rel.Predicate = id
	}
	rel.Date = r.date(n, "date", &ok)
	rel.EndDate = r.date(n, "endDate", &ok)
	rel.Note = r.text(n, "note", &ok)
	amount, lower, upper := r.number(n, "amount", &ok), r.number(n, "lowerBound", &ok), r.number(n, "upperBound", &ok)
	unit, approx := r.text(n, "unit", &ok), r.text(n, "approximation", &ok)
	switch {
	case amount != nil:
		rel.Quantity = &graph.Quantity{Amount: *amount, LowerBound: lower, UpperBound: upper, Unit: unit, Approximation: graph.Approximation(approx)}
	case len(n.props["amount"]) == 0 && (len(n.props["lowerBound"]) > 0 || len(n.props["upperBound"]) > 0 || len(n.props["unit"]) > 0 || len(n.props["approximation"]) > 0):
		r.probs.add(r.where(n.first), "amount", "%s: %samount is required when lowerBound, upperBound, unit or approximation is given", n.t, NSOntology)
		ok = false
	}
	sourcesOK := true
	for _, v := range n.props["source"] {
		if v.o.kind == literalTerm {
			r.probs.add(r.where(v.line), "source", "expected a source node, got %s", v.o)
			sourcesOK = false
			continue
		}
		src, good := r.source(r.nodes[v.o.key()], v.o, r.where(v.line))
		if !good {
			sourcesOK = false
			continue
		}
		rel.Sources = append(rel.Sources, src)
	}
	if !sourcesOK {
		return rel, false
	}
	if n.kind == relationNode {
		if len(rel.Sources) == 0 {
			r.probs.add(r.where(n.first), "source", "%s has no %ssource: at least one source with a verbatim quote is required", n.t, NSOntology)
			ok = false
		}
		for i, s := range rel.Sources {
			if s.Quote == "" {
				v := n.props["source"][i]
				r.probs.add(r.where(v.line), "quote", "source %s has no %squote: every fact carries a verbatim quote of its source", v.o, NSOntology)
				ok = false
			}
		}
	}
	return rel, ok
}

// source reads a source node; n is nil when nothing describes it.
func (r *nqReader) source(n *node, t term, where string) (graph.Source, bool) {
	if n == nil {
		return graph.Source{}, true
	}
	if n.kind != sourceNode {
		r.probs.add(where, "source", "%s is %s, not a source", t, nodeKindNames[n.kind])
		return graph.Source{}, false
	}
	ok := true
	s := graph.Source{Quote: r.text(n, "quote", &ok), Section: r.text(n, "section", &ok), Title: r.text(n, "title", &ok), URL: r.text(n, "url", &ok)}
	return s, ok
}

// ---------------------------------------------------------------- writing

// WriteNQuads writes a changeset as N-Triples (a subset of N-Quads: the
// writer uses the default graph only): predicates, entities, relations and
// retractions in the order of the changeset, each node's triples together.
// Relations without an id and all sources are blank nodes _:rN and _:sN.
func WriteNQuads(w io.Writer, c *graph.Changeset) error {
	if err := checkWritable(c); err != nil {
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
		return writeIRI(NSOntology + name)
	}
	typ := writeIRI(rdfType)
	text := func(s, prop, v string) {
		if v != "" {
			triple(s, ont(prop), writeLiteral(v, ""))
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
		what := describe("predicate", i, pc.Where, p.ID)
		if err := claim(NSPredicate+p.ID, what); err != nil {
			return err
		}
		s := writeIRI(NSPredicate + p.ID)
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
			triple(s, ont("objectOptional"), writeLiteral("true", nsXSD+"boolean"))
		}
		text(s, "description", p.Description)
	}
	for i, ec := range c.Entities {
		e := ec.Entity
		what := describe("entity", i, ec.Where, e.ID)
		if err := claim(NSID+e.ID, what); err != nil {
			return err
		}
		s := writeIRI(NSID + e.ID)
		cl, err := class(what, e.Type)
		if err != nil {
			return err
		}
		triple(s, typ, cl)
		text(s, "name", e.Name)
		for _, a := range e.Aliases {
			triple(s, ont("aliases"), writeLiteral(a, ""))
		}
		text(s, "description", e.Description)
		for _, a := range ec.RemoveAliases {
			triple(s, ont("removeAliases"), writeLiteral(a, ""))
		}
	}
	blankRel, blankSrc := 0, 0
	ref := func(v string) string {
		if graph.ValidID(v) {
			return writeIRI(NSID + v)
		}
		return writeLiteral(v, "")
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
			s = writeIRI(NSID + r.ID)
		}
		triple(s, typ, ont(kind))
		if r.Subject != "" {
			triple(s, ont("subject"), ref(r.Subject))
		}
		if r.Predicate != "" {
			triple(s, ont("predicate"), writeIRI(NSPredicate+r.Predicate))
		}
		if r.Object != "" {
			triple(s, ont("object"), ref(r.Object))
		}
		text(s, "date", r.Date)
		text(s, "endDate", r.EndDate)
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
			triple(writeIRI(NSID+r.Subject), writeIRI(NSPredicate+r.Predicate), ref(r.Object))
		}
		return nil
	}
	for i, rc := range c.Relations {
		if err := relation("Relation", describe("relation", i, rc.Where, rc.Relation.ID), &rc.Relation); err != nil {
			return err
		}
	}
	for i, rt := range c.Retractions {
		if err := relation("Retraction", describe("retraction", i, rt.Where, rt.Relation.ID), &rt.Relation); err != nil {
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
		ontologyIRIs[name] = writeIRI(NSOntology + name)
	}
	for name := range properties {
		ontologyIRIs[name] = writeIRI(NSOntology + name)
	}
}

// writeIRI writes <iri>, escaping what an IRIREF may not hold.
func writeIRI(iri string) string {
	if !strings.ContainsFunc(iri, func(r rune) bool { return r <= 0x20 || strings.ContainsRune("<>\"{}|^`\\", r) }) {
		return "<" + iri + ">"
	}
	var b strings.Builder
	b.WriteByte('<')
	for _, r := range iri {
		if r <= 0x20 || strings.ContainsRune("<>\"{}|^`\\", r) {
			fmt.Fprintf(&b, "\\u%04X", r)
			continue
		}
		b.WriteRune(r)
	}
	b.WriteByte('>')
	return b.String()
}

// writeLiteral writes a literal in the canonical form of RDF 1.2 N-Triples.
func writeLiteral(v, datatype string) string {
	if datatype == "" && !strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7F || r == '"' || r == '\\' }) {
		return "\"" + v + "\""
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 || r == 0x7F {
				fmt.Fprintf(&b, "\\u%04X", r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	if datatype != "" {
		b.WriteString("^^")
		b.WriteString(writeIRI(datatype))
	}
	return b.String()
}

func writeNumber(f float64) string {
	s := formatNumber(f)
	if strings.ContainsAny(s, "eE") {
		return writeLiteral(s, nsXSD+"double")
	}
	return writeLiteral(s, nsXSD+"decimal")
}
