package jsonl

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format"
)

// Large JSON Lines files are parsed in parallel pieces, and each line first
// by a decoder written for the shape of these records. That decoder only
// accepts what it fully understands: well-formed lines with no escapes,
// nulls, repeated or unknown keys. Anything else goes to parseJSONLine,
// whose encoding/json decoding and checks are the reference (a fuzz test
// holds the fast decoder to the same result), so errors read the same
// either way.

// parallelJSONLBytes is the size from which a file is split among cores.
const parallelJSONLBytes = 4 << 20

// ParseData parses the lines of data, which it owns: the strings of the
// changeset point into it, so it must never change afterwards.
func ParseData(name string, data []byte) (*graph.Changeset, error) {
	c, probs, _ := parseData(name, data, 1, nil)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// parseData parses the lines of data, the first of which is line
// firstLine of the file, in parallel pieces; with want, only the lines it
// wants, counting the others (skipped).
func parseData(name string, data []byte, firstLine int, want func(line []byte) bool) (c *graph.Changeset, probs format.Problems, skipped int) {
	pieces := 1
	if len(data) >= parallelJSONLBytes {
		pieces = 4 * runtime.GOMAXPROCS(0)
	}
	type piece struct {
		data      []byte
		firstLine int
		newlines  int
		skipped   int
		c         graph.Changeset
		probs     format.Problems
	}
	parts := make([]piece, 0, pieces)
	line := firstLine
	for rest := data; len(rest) > 0; {
		n := len(rest)
		if len(parts) < pieces-1 {
			n = min(len(data)/pieces, len(rest))
			if i := bytes.IndexByte(rest[n:], '\n'); i >= 0 {
				n += i + 1
			} else {
				n = len(rest)
			}
		}
		newlines := bytes.Count(rest[:n], []byte{'\n'})
		parts = append(parts, piece{data: rest[:n], firstLine: line, newlines: newlines})
		line += newlines
		rest = rest[n:]
	}
	// Every piece appends its entities and relations into its own window of
	// one array sized for a line each (space never touched costs nothing),
	// and the windows are then closed up: no slice grows, none is copied
	// into another.
	lines := line - firstLine + 1
	entities := make([]graph.EntityChange, 0, lines)
	relations := make([]graph.RelationChange, 0, lines)
	var wg sync.WaitGroup
	for i := range parts {
		p := &parts[i]
		from, to := p.firstLine-firstLine, p.firstLine-firstLine+p.newlines+1
		to = min(to, lines)
		p.c.Entities = entities[from:from:to]
		p.c.Relations = relations[from:from:to]
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.skipped = parseJSONLPiece(name, p.data, p.firstLine, &p.c, &p.probs, want)
		}()
	}
	wg.Wait()
	c = &graph.Changeset{}
	for i := range parts {
		p := &parts[i]
		c.Sources = append(c.Sources, p.c.Sources...)
		c.Predicates = append(c.Predicates, p.c.Predicates...)
		c.Retractions = append(c.Retractions, p.c.Retractions...)
		entities = append(entities, p.c.Entities...) // moves down within the same array
		relations = append(relations, p.c.Relations...)
		probs.AddAll(&p.probs)
		skipped += p.skipped
	}
	c.Entities, c.Relations = format.NilIfEmpty(entities), format.NilIfEmpty(relations)
	return c, probs, skipped
}

// relationPrefix begins a relation's line as emigraph gen and export write
// it: such lines can be told apart without parsing them.
var relationPrefix = []byte(`{"kind":"relation",`)

// IsPlainRelation reports whether a line (its byte order mark, if the
// first, already dropped) is a relation whose kind comes first, as emigraph
// gen and export write them.
func IsPlainRelation(line []byte) bool { return bytes.HasPrefix(line, relationPrefix) }

// ParsePieces parses data, as ParseData, a piece of about pieceBytes at a
// time, and calls fn with each piece's changeset and bytes, in order, for a
// load that holds no more than a piece of what it parses (the changeset
// points into data, which must never change). With want, only the lines it
// wants (see IsPlainRelation) are parsed, and the others counted
// (skipped). It stops at fn's first error; problems with the lines are
// returned at the end as a *graph.ValidationError, every piece given to fn
// nonetheless.
func ParsePieces(name string, data []byte, pieceBytes int, want func(line []byte) bool, fn func(c *graph.Changeset, raw []byte) error) (skipped int, err error) {
	var probs format.Problems
	line := 1
	for rest := data; len(rest) > 0; {
		n := len(rest)
		if n > pieceBytes {
			n = pieceBytes
			if i := bytes.IndexByte(rest[n:], '\n'); i >= 0 {
				n += i + 1
			} else {
				n = len(rest)
			}
		}
		c, p, k := parseData(name, rest[:n], line, want)
		probs.AddAll(&p)
		skipped += k
		line += bytes.Count(rest[:n], []byte{'\n'}) // before fn, which may let go of the piece's pages
		if err := fn(c, rest[:n]); err != nil {
			return skipped, err
		}
		rest = rest[n:]
	}
	return skipped, probs.Err()
}

func parseJSONLPiece(name string, data []byte, lineNo int, c *graph.Changeset, probs *format.Problems, want func([]byte) bool) (skipped int) {
	for lineNo--; len(data) > 0; {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		lineNo++
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
		}
		if want != nil && !want(line) {
			skipped++
			continue
		}
		where := name + ":" + strconv.Itoa(lineNo)
		var l jsonlLine
		if fastJSONLine(line, &l) {
			emitJSONL(c, &l, where, probs)
			continue
		}
		if !utf8.Valid(line) {
			probs.Add(where, "json", "the line is not valid UTF-8")
			continue
		}
		parseJSONLine(c, line, where, probs)
	}
	return skipped
}

// jsonlField numbers the keys a line may have, for the set of keys seen.
var jsonlField = map[string]uint32{}

// jsonlAllowed is the set of keys each kind allows.
var jsonlAllowed = map[string]uint32{}

func init() {
	names := []string{"kind", "id", "name", "type", "aliases", "removeAliases", "description", "label",
		"inverseLabel", "subjectTypes", "objectTypes", "objectOptional", "broader", "subject", "predicate", "object",
		"date", "endDate", "timing", "quantity", "hedges", "note", "sources"}
	for i, n := range names {
		jsonlField[n] = 1 << i
	}
	for kind, keys := range jsonlKeysOfKind {
		var mask uint32
		for k := range keys {
			mask |= jsonlField[k]
		}
		jsonlAllowed[kind] = mask
	}
}

// fastJSONLine decodes a line into l if it is of the plain shape the fast
// decoder handles, and reports whether it did.
func fastJSONLine(line []byte, l *jsonlLine) bool {
	if !utf8.Valid(line) {
		return false
	}
	s := fastScan{b: line}
	var seen uint32
	ok := s.object(func(key []byte) bool {
		bit := jsonlField[string(key)]
		if bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		switch string(key) {
		case "kind":
			return s.str(&l.Kind)
		case "id":
			return s.str(&l.ID)
		case "name":
			return s.str(&l.Name)
		case "type":
			return s.str((*string)(&l.Type))
		case "aliases":
			return s.strs(&l.Aliases)
		case "removeAliases":
			return s.strs(&l.RemoveAliases)
		case "description":
			return s.str(&l.Description)
		case "label":
			return s.str(&l.Label)
		case "inverseLabel":
			return s.str(&l.InverseLabel)
		case "subjectTypes":
			return s.types(&l.SubjectTypes)
		case "objectTypes":
			return s.types(&l.ObjectTypes)
		case "objectOptional":
			return s.boolean(&l.ObjectOptional)
		case "broader":
			return s.str(&l.Broader)
		case "subject":
			return s.str(&l.Subject)
		case "predicate":
			return s.str(&l.Predicate)
		case "object":
			return s.str(&l.Object)
		case "date":
			return s.str(&l.Date)
		case "endDate":
			return s.str(&l.EndDate)
		case "timing":
			return s.str((*string)(&l.Timing))
		case "hedges":
			var hs []string
			if !s.strs(&hs) {
				return false
			}
			for _, h := range hs {
				l.Hedges = append(l.Hedges, graph.Hedge(h))
			}
			return true
		case "quantity":
			q := &jsonlQuantity{}
			l.Quantity = q
			return s.quantity(q)
		case "note":
			return s.str(&l.Note)
		case "sources":
			return s.sources(&l.Sources)
		}
		return false
	})
	if !ok {
		return false
	}
	s.ws()
	if s.i != len(line) || seen&jsonlField["kind"] == 0 {
		return false
	}
	allowed, known := jsonlAllowed[l.Kind]
	return known && seen&^allowed == 0
}

// fastScan reads the plain JSON that fastJSONLine accepts. Its strings point
// into the line (no copies): the line is part of a buffer that nothing
// changes once read.
type fastScan struct {
	b []byte
	i int
}

func (s *fastScan) ws() { s.i = skipJSONSpace(s.b, s.i) }

// next skips white space and reports whether the next byte is c, taking it.
func (s *fastScan) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// raw reads a string without escapes or control characters.
func (s *fastScan) raw() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	start := s.i
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

func (s *fastScan) str(dst *string) bool {
	b, ok := s.raw()
	if ok && len(b) > 0 {
		*dst = unsafe.String(&b[0], len(b))
	}
	return ok
}

// object reads {"key": value, ...}, calling field with each key to read
// the value that follows it.
func (s *fastScan) object(field func(key []byte) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		k, ok := s.raw()
		if !ok || !s.next(':') {
			return false
		}
		s.ws()
		if !field(k) {
			return false
		}
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// array reads [value, ...], calling item to read each value.
func (s *fastScan) array(item func() bool) bool {
	if !s.next('[') {
		return false
	}
	if s.next(']') {
		return true
	}
	for {
		if !item() {
			return false
		}
		if s.next(']') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

func (s *fastScan) strs(dst *[]string) bool {
	return s.array(func() bool {
		var v string
		if !s.str(&v) {
			return false
		}
		*dst = append(*dst, v)
		return true
	})
}

func (s *fastScan) types(dst *[]graph.EntityType) bool {
	return s.array(func() bool {
		var v string
		if !s.str(&v) {
			return false
		}
		*dst = append(*dst, graph.EntityType(v))
		return true
	})
}

func (s *fastScan) boolean(dst *bool) bool {
	s.ws()
	switch {
	case bytes.HasPrefix(s.b[s.i:], []byte("true")):
		*dst, s.i = true, s.i+4
	case bytes.HasPrefix(s.b[s.i:], []byte("false")):
		*dst, s.i = false, s.i+5
	default:
		return false
	}
	return true
}

// number reads a number in JSON's grammar, parsed as encoding/json does.
func (s *fastScan) number(dst **float64) bool {
	s.ws()
	start := s.i
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	intStart := s.i
	if n := digits(); n == 0 || (n > 1 && s.b[intStart] == '0') {
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return false
		}
	}
	f, err := strconv.ParseFloat(string(s.b[start:s.i]), 64)
	if err != nil {
		return false
	}
	*dst = &f
	return true
}

func (s *fastScan) quantity(q *jsonlQuantity) bool {
	var seen [5]bool
	return s.object(func(key []byte) bool {
		var i int
		var read func() bool
		switch string(key) {
		case "amount":
			i, read = 0, func() bool { return s.number(&q.Amount) }
		case "lowerBound":
			i, read = 1, func() bool { return s.number(&q.LowerBound) }
		case "upperBound":
			i, read = 2, func() bool { return s.number(&q.UpperBound) }
		case "unit":
			i, read = 3, func() bool { return s.str(&q.Unit) }
		case "approximation":
			i, read = 4, func() bool { return s.str((*string)(&q.Approximation)) }
		default:
			return false
		}
		if seen[i] {
			return false
		}
		seen[i] = true
		return read()
	})
}

func (s *fastScan) sources(dst *[]graph.Source) bool {
	return s.array(func() bool {
		var src graph.Source
		var seen [5]bool
		ok := s.object(func(key []byte) bool {
			var i int
			var f *string
			switch string(key) {
			case "quote":
				i, f = 0, &src.Quote
			case "section":
				i, f = 1, &src.Section
			case "title":
				i, f = 2, &src.Title
			case "url":
				i, f = 3, &src.URL
			case "source":
				i, f = 4, &src.SourceID
			default:
				return false
			}
			if seen[i] {
				return false
			}
			seen[i] = true
			return s.str(f)
		})
		*dst = append(*dst, src)
		return ok
	})
}
