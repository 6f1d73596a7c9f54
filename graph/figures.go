package graph

import (
	"context"
	"slices"
)

// A Figure is a relation with a quantity, as far as grouping and ranking
// figures needs it: which relation, between whom, how much of what, and
// when. A store can list figures without reading their relations whole.
type Figure struct {
	Relation  string // the relation's id
	Subject   string
	Predicate string
	Object    string
	Unit      string
	Amount    float64
	Date      string
	EndDate   string
	Timing    Timing // as Relation.Timing: empty, or Since
}

// FigureOf returns the figure a relation states, if it has a quantity.
func FigureOf(r *Relation) (Figure, bool) {
	if r.Quantity == nil {
		return Figure{}, false
	}
	return Figure{Relation: r.ID, Subject: r.Subject, Predicate: r.Predicate, Object: r.Object,
		Unit: r.Quantity.Unit, Amount: r.Quantity.Amount, Date: r.Date, EndDate: r.EndDate, Timing: r.Timing}, true
}

// Larger reports whether f ranks before g as the largest figure: the larger
// amount, then the later date, then the smaller relation id, so that every
// store and every query picks the same one.
func (f Figure) Larger(g Figure) bool {
	if f.Amount != g.Amount {
		return f.Amount > g.Amount
	}
	if f.Date != g.Date {
		return f.Date > g.Date
	}
	return f.Relation < g.Relation
}

// AsOf is the date a figure describes the world at: the end of its period
// (a count "by early April" is as of April), else its date (a level at a
// point, or the start of a count open at its end, the only date it gives).
func (f Figure) AsOf() string {
	if f.EndDate != "" {
		return f.EndDate
	}
	return f.Date
}

// Later reports whether f ranks before g as the latest figure: a date
// before none, the later AsOf (dates compare as text: "2023-03" after
// "2023"), then the later start, then the larger amount, then the smaller
// relation id.
func (f Figure) Later(g Figure) bool {
	if (f.Date == "") != (g.Date == "") {
		return g.Date == ""
	}
	if a, b := f.AsOf(), g.AsOf(); a != b {
		return a > b
	}
	if f.Date != g.Date {
		return f.Date > g.Date
	}
	if f.Amount != g.Amount {
		return f.Amount > g.Amount
	}
	return f.Relation < g.Relation
}

// FigureSummary sums up the figures of one object, predicate and unit:
// how many there are, the largest, and the latest (Latest.Relation is ""
// when none is dated). Counting figures is all it adds up.
type FigureSummary struct {
	Object    string
	Predicate string
	Unit      string
	Count     int
	Largest   Figure
	Latest    Figure
}

// Add counts a figure of the summary's object, predicate and unit.
func (s *FigureSummary) Add(f Figure) {
	if s.Count == 0 || f.Larger(s.Largest) {
		s.Largest = f
	}
	if f.Date != "" && (s.Latest.Relation == "" || f.Later(s.Latest)) {
		s.Latest = f
	}
	s.Count++
}

// Merge counts the figures of another summary in, as Add would one by one.
func (s *FigureSummary) Merge(o *FigureSummary) {
	if o.Count == 0 {
		return
	}
	if s.Count == 0 || o.Largest.Larger(s.Largest) {
		s.Largest = o.Largest
	}
	if o.Latest.Relation != "" && (s.Latest.Relation == "" || o.Latest.Later(s.Latest)) {
		s.Latest = o.Latest
	}
	s.Count += o.Count
}

// FigureFilter selects figures: any of Predicates (every predicate when
// empty; the caller expands a hierarchy), of a subject, of an object, of a
// unit, whose date overlaps Dates.
type FigureFilter struct {
	Predicates []string
	Subject    string
	Object     string
	Unit       string
	HasUnit    bool // Unit applies, even when it is ""
	Dates      DateRange
}

// Keeps reports whether a figure passes the filter.
func (f *FigureFilter) Keeps(g Figure) bool {
	if len(f.Predicates) > 0 && !slices.Contains(f.Predicates, g.Predicate) {
		return false
	}
	if f.Subject != "" && g.Subject != f.Subject || f.Object != "" && g.Object != f.Object {
		return false
	}
	if f.HasUnit && g.Unit != f.Unit {
		return false
	}
	return f.Dates.Overlaps(g.Date, spanEnd(g.EndDate, g.Timing))
}

// Figures is what a store offers for figures queries. Summaries answer
// the common question (every figure of an object, or of the whole graph,
// grouped by object) from one summary per object, predicate and unit;
// Figures lists the figures one by one, for every other filter.
type Figures interface {
	// FigureSummaries calls each with the summaries of the figures that f
	// keeps; f must name no subject and no date range (those need
	// Figures). The summary passed is reused: each copies what it keeps.
	FigureSummaries(ctx context.Context, f FigureFilter, each func(*FigureSummary) error) error
	// Figures calls each with every figure that f keeps, at most limit of
	// them; past the limit it returns an EINVALID error asking for a
	// narrower filter.
	Figures(ctx context.Context, f FigureFilter, limit int, each func(Figure) error) error
}
