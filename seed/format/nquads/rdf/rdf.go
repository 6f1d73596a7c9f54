// Package rdf reads and writes the syntax of RDF 1.2 N-Triples and
// N-Quads, one statement a line: terms (IRIs, blank nodes, literals with a
// language tag or a datatype), escapes, comments. It knows nothing of what
// the statements mean; package nquads maps them onto emigraph's vocabulary.
package rdf

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Namespaces and terms of RDF and XML Schema that readers of N-Quads meet.
const (
	NS         = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	XSD        = "http://www.w3.org/2001/XMLSchema#"
	Type       = NS + "type"
	LangString = NS + "langString"
)

// Kind is the kind of a term.
type Kind uint8

// The kinds of terms; None is the graph of a triple in the default graph.
const (
	None Kind = iota
	IRI
	Blank
	Literal
)

// Term is an RDF term. Two terms are the same term when they are ==.
type Term struct {
	Kind     Kind
	Value    string // IRI, blank node label, or lexical form
	Lang     string
	Datatype string // empty for a simple literal (xsd:string reads as empty)
}

// String writes the term as N-Triples would (strings quoted Go's way), for
// messages.
func (t Term) String() string {
	switch t.Kind {
	case IRI:
		return "<" + t.Value + ">"
	case Blank:
		return "_:" + t.Value
	case Literal:
		s := strconv.Quote(t.Value)
		if t.Lang != "" {
			s += "@" + t.Lang
		}
		if t.Datatype != "" {
			s += "^^<" + t.Datatype + ">"
		}
		return s
	}
	return ""
}

// Quad is a statement: subject, predicate, object and graph (Kind None in
// the default graph).
type Quad struct {
	S, P, O, G Term
}

// SyntaxError is a statement that is not N-Quads, at byte Pos of its line.
type SyntaxError struct {
	Pos int
	Msg string
}

func (e *SyntaxError) Error() string { return e.Msg }

// Read splits text into lines (LF, CR or CRLF; a byte order mark at the
// start is dropped) and parses each, calling quad with each statement and
// fail with each line that is not valid UTF-8 or not a statement (column
// counts characters from 1). Blank lines and comments are skipped.
func Read(text string, quad func(q Quad, line int), fail func(line, column int, msg string)) {
	text = strings.TrimPrefix(text, "\ufeff")
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
			fail(lineNo, utf8.RuneCountInString(line[:bad])+1, "invalid UTF-8")
			continue
		}
		q, ok, err := ParseLine(line)
		if err != nil {
			fail(lineNo, utf8.RuneCountInString(line[:err.Pos])+1, err.Msg)
			continue
		}
		if ok {
			quad(q, lineNo)
		}
	}
}

type lineParser struct {
	s   string
	pos int
}

func (p *lineParser) fail(pos int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
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

// ParseLine reads one statement. ok is false for a blank or comment line.
func ParseLine(line string) (q Quad, ok bool, err *SyntaxError) {
	p := &lineParser{s: line}
	p.skipSpace()
	if p.eol() {
		return q, false, nil
	}
	if q.S, err = p.term("subject", IRI, Blank); err != nil {
		return q, false, err
	}
	p.skipSpace()
	if q.P, err = p.term("predicate", IRI); err != nil {
		return q, false, err
	}
	p.skipSpace()
	if q.O, err = p.term("object", IRI, Blank, Literal); err != nil {
		return q, false, err
	}
	p.skipSpace()
	if !p.eol() && (p.s[p.pos] == '<' || p.s[p.pos] == '_') {
		if q.G, err = p.term("graph", IRI, Blank); err != nil {
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

var termNames = map[Kind]string{IRI: "an IRI <...>", Blank: "a blank node _:label", Literal: "a literal \"...\""}

func (p *lineParser) term(role string, kinds ...Kind) (Term, *SyntaxError) {
	start := p.pos
	var t Term
	var err *SyntaxError
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
		if t.Kind == k {
			return t, nil
		}
	}
	return t, p.fail(start, "the %s cannot be %s", role, termNames[t.Kind])
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

func (p *lineParser) iri() (Term, *SyntaxError) {
	start := p.pos
	p.pos++ // '<'
	// the common case: no escapes, nothing forbidden
	for i := p.pos; i < len(p.s); i++ {
		c := p.s[i]
		if c == '>' {
			v := p.s[p.pos:i]
			if !absolute(v) {
				return Term{}, p.fail(start, "<%s> is not an absolute IRI (N-Triples and N-Quads need a scheme such as https:)", v)
			}
			p.pos = i + 1
			return Term{Kind: IRI, Value: v}, nil
		}
		if c <= 0x20 || c == '\\' || c == '<' || c == '"' || c == '{' || c == '}' || c == '|' || c == '^' || c == '`' {
			break
		}
	}
	var b strings.Builder
	for {
		if p.eol() {
			return Term{}, p.fail(start, "unterminated IRI: missing '>'")
		}
		c := p.s[p.pos]
		switch {
		case c == '>':
			p.pos++
			v := b.String()
			if !absolute(v) {
				return Term{}, p.fail(start, "<%s> is not an absolute IRI (N-Triples and N-Quads need a scheme such as https:)", v)
			}
			return Term{Kind: IRI, Value: v}, nil
		case c == '\\':
			r, err := p.uchar()
			if err != nil {
				return Term{}, err
			}
			b.WriteRune(r)
		case c == ' ' || c == '\t' || c == '<':
			return Term{}, p.fail(start, "unterminated IRI: missing '>' before %s", p.found())
		case c <= 0x20 || strings.IndexByte("\"{}|^`", c) >= 0:
			return Term{}, p.fail(p.pos, "%s is not allowed in an IRI (write it as \\u%04X)", p.found(), c)
		default:
			r, size := utf8.DecodeRuneInString(p.s[p.pos:])
			b.WriteRune(r)
			p.pos += size
		}
	}
}

// uchar reads \uXXXX or \UXXXXXXXX.
func (p *lineParser) uchar() (rune, *SyntaxError) {
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

func (p *lineParser) blank() (Term, *SyntaxError) {
	start := p.pos
	if !strings.HasPrefix(p.s[p.pos:], "_:") {
		return Term{}, p.fail(start, "expected a blank node _:label")
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
		return Term{}, p.fail(start, "a blank node label is expected after _: (found %s)", p.found())
	}
	return Term{Kind: Blank, Value: p.s[labelStart:p.pos]}, nil
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

func (p *lineParser) literal() (Term, *SyntaxError) {
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
				return Term{}, p.fail(start, "unterminated string literal: missing closing '\"'")
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
				return Term{}, p.fail(p.pos, "bad escape: '\\' at the end of the line")
			}
			if e, ok := echar[p.s[p.pos+1]]; ok {
				b.WriteByte(e)
				p.pos += 2
				continue
			}
			if p.s[p.pos+1] != 'u' && p.s[p.pos+1] != 'U' {
				r, _ := utf8.DecodeRuneInString(p.s[p.pos+1:])
				return Term{}, p.fail(p.pos, "bad escape \\%c in a string (known: \\t \\b \\n \\r \\f \\\" \\' \\\\ \\uXXXX \\UXXXXXXXX)", r)
			}
			r, err := p.uchar()
			if err != nil {
				return Term{}, err
			}
			b.WriteRune(r)
		}
		value = b.String()
	}
	t := Term{Kind: Literal, Value: value}
	switch {
	case strings.HasPrefix(p.s[p.pos:], "^^"):
		p.pos += 2
		if p.eol() || p.s[p.pos] != '<' {
			return Term{}, p.fail(p.pos, "expected a datatype IRI <...> after ^^, found %s", p.found())
		}
		dt, err := p.iri()
		if err != nil {
			return Term{}, err
		}
		t.Datatype = dt.Value
		if t.Datatype == XSD+"string" {
			t.Datatype = "" // a simple literal by another name
		}
	case strings.HasPrefix(p.s[p.pos:], "@"):
		at := p.pos
		p.pos++
		m := langTagPattern.FindString(p.s[p.pos:])
		if m == "" {
			return Term{}, p.fail(at, "bad language tag: expected letters after '@' like @en or @ru-Latn")
		}
		p.pos += len(m)
		if !p.eol() && (p.s[p.pos] == '-' || isAlnum(p.s[p.pos])) {
			return Term{}, p.fail(at, "bad language tag @%s%s", m, p.found())
		}
		t.Lang = m
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

// FormatIRI writes <iri>, escaping what an IRIREF may not hold.
func FormatIRI(iri string) string {
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

// FormatLiteral writes a literal in the canonical form of RDF 1.2 N-Triples.
func FormatLiteral(v, datatype string) string {
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
		b.WriteString(FormatIRI(datatype))
	}
	return b.String()
}
