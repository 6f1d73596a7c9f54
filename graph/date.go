package graph

import (
	"fmt"
	"strconv"
	"time"
)

// Date is an ISO 8601 calendar date of reduced precision: a year ("2022"), a
// month ("2022-09") or a day ("2022-09-21").
//
// A reduced-precision date stands for the whole period it names. Comparisons
// with a range use overlap: "2022-09" lies within 2022, and a "2022-09" fact is
// inside a range that starts on 2022-09-21 because it may have happened on or
// after that day. Researchers would rather see a fact that might belong than
// miss one that does.
type Date struct {
	Year, Month, Day int // Month and Day are 0 when not given
}

// ParseDate parses "YYYY", "YYYY-MM" or "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	bad := func(why string) (Date, error) {
		return Date{}, fmt.Errorf("%q is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD): %s", s, why)
	}
	digits := func(part string) (int, bool) {
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
		n, err := strconv.Atoi(part)
		return n, err == nil
	}
	var d Date
	var ok bool
	switch len(s) {
	case 4, 7, 10:
	default:
		return bad("wrong length")
	}
	if d.Year, ok = digits(s[:4]); !ok {
		return bad("the year is not four digits")
	}
	if len(s) >= 7 {
		if s[4] != '-' {
			return bad("expected '-' after the year")
		}
		if d.Month, ok = digits(s[5:7]); !ok || d.Month < 1 || d.Month > 12 {
			return bad("the month is not 01 to 12")
		}
	}
	if len(s) == 10 {
		if s[7] != '-' {
			return bad("expected '-' after the month")
		}
		last := time.Date(d.Year, time.Month(d.Month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if d.Day, ok = digits(s[8:10]); !ok || d.Day < 1 || d.Day > last {
			return bad(fmt.Sprintf("the day is not 01 to %02d", last))
		}
	}
	return d, nil
}

// String formats the date at its own precision.
func (d Date) String() string {
	switch {
	case d.Month == 0:
		return fmt.Sprintf("%04d", d.Year)
	case d.Day == 0:
		return fmt.Sprintf("%04d-%02d", d.Year, d.Month)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// First is the first day the date covers, as YYYY-MM-DD.
func (d Date) First() string {
	m, day := d.Month, d.Day
	if m == 0 {
		m = 1
	}
	if day == 0 {
		day = 1
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, m, day)
}

// Last is the last day the date covers, as YYYY-MM-DD.
func (d Date) Last() string {
	switch {
	case d.Month == 0:
		return fmt.Sprintf("%04d-12-31", d.Year)
	case d.Day == 0:
		last := time.Date(d.Year, time.Month(d.Month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, last)
	}
	return d.First()
}

// DateRange is an inclusive range of days; an empty bound is open.
type DateRange struct {
	From, To string // YYYY-MM-DD or empty
}

// NewDateRange builds a range from two optional reduced-precision dates: from
// "2022" starts on 2022-01-01 and to "2022" ends on 2022-12-31.
func NewDateRange(from, to string) (DateRange, error) {
	var r DateRange
	if from != "" {
		d, err := ParseDate(from)
		if err != nil {
			return r, fmt.Errorf("from: %w", err)
		}
		r.From = d.First()
	}
	if to != "" {
		d, err := ParseDate(to)
		if err != nil {
			return r, fmt.Errorf("to: %w", err)
		}
		r.To = d.Last()
	}
	if r.From != "" && r.To != "" && r.To < r.From {
		return r, fmt.Errorf("to %s is before from %s", to, from)
	}
	return r, nil
}

// Open reports whether the range has no bounds.
func (r DateRange) Open() bool { return r.From == "" && r.To == "" }

// Overlaps reports whether a relation dated date (to endDate, if any) overlaps
// the range. An undated relation overlaps only an open range. A period open
// at its end (Since) passes OpenEnd as its end: Relation.SpanEnd.
func (r DateRange) Overlaps(date, endDate string) bool {
	if r.Open() {
		return true
	}
	d, err := ParseDate(date)
	if err != nil {
		return false
	}
	first, last := d.First(), d.Last()
	if endDate != "" {
		if e, err := ParseDate(endDate); err == nil {
			last = e.Last()
		}
	}
	if r.From != "" && last < r.From {
		return false
	}
	if r.To != "" && first > r.To {
		return false
	}
	return true
}

// Contains reports whether the whole period of a relation dated date (to
// endDate, if any) lies within the range: "2022-09-21" and "2022-09" lie
// within September 2022, "2022" and a period from August do not. An open
// range contains every dated relation. A timeline lists the facts a range
// contains before those that only overlap it (see Relation.SpanEnd).
func (r DateRange) Contains(date, endDate string) bool {
	d, err := ParseDate(date)
	if err != nil {
		return false
	}
	first, last := d.First(), d.Last()
	if endDate != "" {
		if e, err := ParseDate(endDate); err == nil {
			last = e.Last()
		}
	}
	return (r.From == "" || first >= r.From) && (r.To == "" || last <= r.To)
}

// SpanEnd is the end a date filter gives the relation's period: its end
// date, OpenEnd for a period open at its end, or "" (the date's own end).
func (r *Relation) SpanEnd() string { return spanEnd(r.EndDate, r.Timing) }

func spanEnd(endDate string, t Timing) string {
	if t == Since {
		return OpenEnd
	}
	return endDate
}
