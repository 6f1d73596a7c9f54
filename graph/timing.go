package graph

import (
	"slices"
	"strings"
)

// Timing says how a relation's dates bound the fact, after Wikidata's
// qualifiers "point in time", "start time" and "end time": a source that
// says "since the outbreak" or "by early April" states a period, and a
// reader who sees only a date would read a point.
type Timing string

// The timings. A relation with a date and no end date is a Point unless it
// says Since; one with both is a Period. A figure over a period counts what
// happened in it (cumulative: "by early April, 100,000 had fled" runs from
// the start the source gives to April); a figure at a point is a level at
// that time ("30,000 with temporary residence in May 2023").
const (
	// Point: the fact happened at some time within Date, at Date's
	// precision ("2022-09" is some time in September 2022).
	Point Timing = "POINT"
	// Period: the fact held throughout, or the figure counts what happened
	// in, Date to EndDate.
	Period Timing = "PERIOD"
	// Since: from Date on, with no end stated ("since the outbreak",
	// "after 28 October"); the figure counts what happened from Date until
	// the source's own time. A filter treats its end as open.
	Since Timing = "SINCE"
)

// Timings lists every timing in a fixed order.
var Timings = []Timing{Point, Period, Since}

// Valid reports whether t is one of Timings.
func (t Timing) Valid() bool { return slices.Contains(Timings, t) }

// TimingOf returns the relation's timing: Timing when set, else Point for a
// date alone and Period for a date and an end date; "" when undated.
func (r *Relation) TimingOf() Timing {
	switch {
	case r.Date == "":
		return ""
	case r.Timing != "":
		return r.Timing
	case r.EndDate != "":
		return Period
	}
	return Point
}

// OpenEnd is the last day of a period open at its end (Since): every range
// that reaches past its start overlaps it.
const OpenEnd = "9999-12-31"

// Hedge is how a source qualifies what it reports, after Wikidata's
// "sourcing circumstances": a relation with a hedge states exactly that the
// source says so with that reserve, and no more.
type Hedge string

// The hedges a source may put on a fact.
const (
	// Alleged: the source reports it as alleged, claimed or said by others
	// ("alleged Russian users", "some experts said", "reportedly"), not as
	// established.
	Alleged Hedge = "ALLEGED"
	// Estimated: the figure or fact is an estimate ("an estimated 100,000",
	// "are estimated to have left").
	Estimated Hedge = "ESTIMATED"
	// Expected: expected, planned, forecast or announced as future ("was
	// expected to", "would extradite", "will not offer").
	Expected Hedge = "EXPECTED"
	// Disputed: the source reports it as disputed or contradicted.
	Disputed Hedge = "DISPUTED"
	// Partial: it holds for some of the subject only ("some of the
	// detainees", "some of its members"): the subject is the group the part
	// belongs to.
	Partial Hedge = "PARTIAL"
)

// Hedges lists every hedge in a fixed order.
var Hedges = []Hedge{Alleged, Estimated, Expected, Disputed, Partial}

// Valid reports whether h is one of Hedges.
func (h Hedge) Valid() bool { return slices.Contains(Hedges, h) }

// SortHedges returns the hedges in the order of Hedges, each once: a set,
// so that two statements of one fact with the same hedges compare equal.
func SortHedges(hs []Hedge) []Hedge {
	if len(hs) == 0 {
		return nil
	}
	out := make([]Hedge, 0, len(hs))
	for _, h := range Hedges {
		if slices.Contains(hs, h) {
			out = append(out, h)
		}
	}
	for _, h := range hs { // unknown ones last, for Validate to name
		if !h.Valid() && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

func joinTimings() string {
	s := make([]string, len(Timings))
	for i, t := range Timings {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func joinHedges() string {
	s := make([]string, len(Hedges))
	for i, h := range Hedges {
		s[i] = string(h)
	}
	return strings.Join(s, ", ")
}
