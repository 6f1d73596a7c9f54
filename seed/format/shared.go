package format

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/emigraph/emigraph/graph"
)

// Problems collects the problems of a parse, one graph.ItemError per place,
// up to graph.MaxReportedItems places. The zero value is empty.
type Problems struct {
	items []graph.ItemError
	more  int
}

// Add records a problem of field at where ("facts.csv:12").
func (l *Problems) Add(where, field, format string, args ...any) {
	p := graph.Problem{Field: field, Message: fmt.Sprintf(format, args...)}
	if n := len(l.items); n > 0 && l.items[n-1].Where == where {
		l.items[n-1].Problems = append(l.items[n-1].Problems, p)
		return
	}
	if len(l.items) >= graph.MaxReportedItems {
		l.more++
		return
	}
	l.items = append(l.items, graph.ItemError{Where: where, Problems: graph.Problems{p}})
}

// AddAll adds the problems of other after those of l (a file parsed in
// pieces).
func (l *Problems) AddAll(other *Problems) {
	for _, it := range other.items {
		if len(l.items) >= graph.MaxReportedItems {
			l.more++
			continue
		}
		l.items = append(l.items, it)
	}
	l.more += other.more
}

// Empty reports whether no problem was added.
func (l *Problems) Empty() bool { return len(l.items) == 0 }

// Err returns the problems as a *graph.ValidationError, or nil.
func (l *Problems) Err() error {
	if len(l.items) == 0 {
		return nil
	}
	items := l.items
	if l.more > 0 {
		items = append(items, graph.ItemError{Where: "...", Problems: graph.Problems{{Field: "items", Message: strconv.Itoa(l.more) + " more places have problems"}}})
	}
	return &graph.ValidationError{Items: items}
}

// ParseNumber reads a decimal number the way strconv.ParseFloat does and
// refuses NaN and infinities, which no format writes as a number.
func ParseNumber(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("%q is out of range for a number", s)
		}
		return 0, fmt.Errorf("%q is not a number (write digits with a '.' for decimals and no thousands separators, e.g. 50000 or 2.5)", s)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return f, nil
}

// FormatNumber writes a number so that ParseNumber reads back the same
// float64: plain decimals for everyday magnitudes, exponent form for the
// very large and very small.
func FormatNumber(f float64) string {
	if a := math.Abs(f); a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Describe names an item of a changeset in a writer's error: "relation 3
// (rel/x) from facts.csv:4".
func Describe(kind string, i int, where, id string) string {
	s := fmt.Sprintf("%s %d", kind, i+1)
	if id != "" {
		s += " (" + id + ")"
	}
	if where != "" {
		s += " from " + where
	}
	return s
}

// CheckWritable refuses what no format can carry: numbers that are not
// finite.
func CheckWritable(c *graph.Changeset) error {
	finite := func(what string, q *graph.Quantity) error {
		if q == nil {
			return nil
		}
		for _, v := range []*float64{&q.Amount, q.LowerBound, q.UpperBound} {
			if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
				return fmt.Errorf("%s: quantity: %v is not a finite number", what, *v)
			}
		}
		return nil
	}
	for i, rc := range c.Relations {
		if err := finite(Describe("relation", i, rc.Where, rc.Relation.ID), rc.Relation.Quantity); err != nil {
			return err
		}
	}
	for i, rt := range c.Retractions {
		if err := finite(Describe("retraction", i, rt.Where, rt.Relation.ID), rt.Relation.Quantity); err != nil {
			return err
		}
	}
	return nil
}

// NilIfEmpty makes parsers return nil for empty lists, so that changesets
// compare equal however a list was left out.
func NilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// Keys is a set of field or column names.
type Keys map[string]bool

// KeySet makes a set of names.
func KeySet(names ...string) Keys {
	m := Keys{}
	for _, k := range names {
		m[k] = true
	}
	return m
}

// String lists the names in order, for messages: "date, id, note".
func (k Keys) String() string {
	ks := make([]string, 0, len(k))
	for n := range k {
		ks = append(ks, n)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}
