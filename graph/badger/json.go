package badger

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/emigraph/emigraph/graph"
)

// relationJSON is the stored value of a relation: json.Marshal's bytes,
// written without reflection (a large load encodes a million of them).
// json_test.go fuzzes the two against each other.
func relationJSON(r *graph.Relation) []byte {
	if b, ok := appendRelationJSON(make([]byte, 0, 256), r); ok {
		return b
	}
	return mustJSON(r)
}

// appendRelationJSON appends what json.Marshal writes for r, or reports
// false for what it refuses (a number that is not finite).
func appendRelationJSON(b []byte, r *graph.Relation) ([]byte, bool) {
	b = append(b, '{')
	if r.ID != "" {
		b = appendJSONString(append(b, `"id":`...), r.ID)
		b = append(b, ',')
	}
	b = appendJSONString(append(b, `"subject":`...), r.Subject)
	b = appendJSONString(append(b, `,"predicate":`...), r.Predicate)
	if r.Object != "" {
		b = appendJSONString(append(b, `,"object":`...), r.Object)
	}
	if r.Date != "" {
		b = appendJSONString(append(b, `,"date":`...), r.Date)
	}
	if r.EndDate != "" {
		b = appendJSONString(append(b, `,"endDate":`...), r.EndDate)
	}
	if r.Timing != "" {
		b = appendJSONString(append(b, `,"timing":`...), string(r.Timing))
	}
	if q := r.Quantity; q != nil {
		var ok bool
		if b, ok = appendJSONFloat(append(b, `,"quantity":{"amount":`...), q.Amount); !ok {
			return b, false
		}
		if q.LowerBound != nil {
			if b, ok = appendJSONFloat(append(b, `,"lowerBound":`...), *q.LowerBound); !ok {
				return b, false
			}
		}
		if q.UpperBound != nil {
			if b, ok = appendJSONFloat(append(b, `,"upperBound":`...), *q.UpperBound); !ok {
				return b, false
			}
		}
		if q.Unit != "" {
			b = appendJSONString(append(b, `,"unit":`...), q.Unit)
		}
		b = appendJSONString(append(b, `,"approximation":`...), string(q.Approximation))
		b = append(b, '}')
	}
	if len(r.Hedges) > 0 {
		b = append(b, `,"hedges":[`...)
		for i, h := range r.Hedges {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, string(h))
		}
		b = append(b, ']')
	}
	if r.Note != "" {
		b = appendJSONString(append(b, `,"note":`...), r.Note)
	}
	b = append(b, `,"sources":`...)
	if r.Sources == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, s := range r.Sources {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			if s.SourceID != "" {
				b = append(appendJSONString(append(b, `"source":`...), s.SourceID), ',')
			}
			b = appendJSONString(append(b, `"quote":`...), s.Quote)
			if s.Section != "" {
				b = appendJSONString(append(b, `,"section":`...), s.Section)
			}
			if s.Title != "" {
				b = appendJSONString(append(b, `,"title":`...), s.Title)
			}
			if s.URL != "" {
				b = appendJSONString(append(b, `,"url":`...), s.URL)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}'), true
}

// appendJSONFloat writes a float64 as encoding/json does: like ES6, %f
// between 1e-6 and 1e21, else %e without padding the exponent.
func appendJSONFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

// appendJSONString writes a string as encoding/json does by default: HTML's
// <, > and & escaped, invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
