package graph

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"testing"
)

func TestTimingValidation(t *testing.T) {
	src := []Source{{Quote: "q"}}
	tests := []struct {
		name      string
		r         Relation
		wantField string // "" for valid
	}{
		{"a date alone is a point", Relation{Subject: "a", Predicate: "p", Date: "2022-09", Sources: src}, ""},
		{"POINT said", Relation{Subject: "a", Predicate: "p", Date: "2022-09", Timing: Point, Sources: src}, ""},
		{"a period", Relation{Subject: "a", Predicate: "p", Date: "2022-02", EndDate: "2022-04", Sources: src}, ""},
		{"SINCE", Relation{Subject: "a", Predicate: "p", Date: "2022-02", Timing: Since, Sources: src}, ""},
		{"SINCE with an end", Relation{Subject: "a", Predicate: "p", Date: "2022-02", EndDate: "2022-04", Timing: Since, Sources: src}, "timing"},
		{"PERIOD without an end", Relation{Subject: "a", Predicate: "p", Date: "2022-02", Timing: Period, Sources: src}, "timing"},
		{"POINT with an end", Relation{Subject: "a", Predicate: "p", Date: "2022-02", EndDate: "2022-04", Timing: Point, Sources: src}, "timing"},
		{"a timing undated", Relation{Subject: "a", Predicate: "p", Timing: Since, Sources: src}, "timing"},
		{"an unknown timing", Relation{Subject: "a", Predicate: "p", Date: "2022", Timing: "SOMETIMES", Sources: src}, "timing"},
		{"hedges", Relation{Subject: "a", Predicate: "p", Hedges: []Hedge{Alleged, Partial}, Sources: src}, ""},
		{"an unknown hedge", Relation{Subject: "a", Predicate: "p", Hedges: []Hedge{Alleged, "RUMOURED"}, Sources: src}, "hedges[1]"},
	}
	for _, tc := range tests {
		ps := tc.r.Validate()
		fields := []string{}
		for _, p := range ps {
			fields = append(fields, p.Field)
		}
		switch {
		case tc.wantField == "" && len(ps) > 0:
			t.Errorf("%s: %v", tc.name, ps)
		case tc.wantField != "" && !slices.Contains(fields, tc.wantField):
			t.Errorf("%s: problems %v, want one of %s", tc.name, ps, tc.wantField)
		}
	}
}

// A timing the dates imply is stored as none, so that "timing: POINT" or
// none is one fact; SINCE is another fact, with another id.
func TestTimingIdentity(t *testing.T) {
	point := Relation{Subject: "a", Predicate: "p", Date: "2022-09"}
	said := point
	said.Timing = Point
	said.Normalize()
	since := point
	since.Timing = Since
	since.Normalize()
	if said.Timing != "" || said.DeriveID() != point.DeriveID() || !said.SameFact(&point) {
		t.Errorf("POINT said and implied differ: %+v", said)
	}
	if since.Timing != Since || since.DeriveID() == point.DeriveID() || since.SameFact(&point) {
		t.Errorf("SINCE is the same fact as the point: %+v", since)
	}
	// the id of a fact stated before timings existed is unchanged: the
	// hash of its six parts as it was
	h6 := sha256.New()
	for _, part := range []string{"a", "p", "", "2022-09", "", ""} {
		h6.Write([]byte(part + "\x00"))
	}
	if want := "rel/" + hex.EncodeToString(h6.Sum(nil)[:10]); point.DeriveID() != want {
		t.Errorf("the id of a point is %s, was %s", point.DeriveID(), want)
	}
	hs := Relation{Hedges: []Hedge{Partial, Alleged, Partial}}
	hs.Normalize()
	if len(hs.Hedges) != 2 || hs.Hedges[0] != Alleged || hs.Hedges[1] != Partial {
		t.Errorf("hedges not a sorted set: %v", hs.Hedges)
	}
}

func TestDateRangeContains(t *testing.T) {
	sepOct, err := NewDateRange("2022-09", "2022-10")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		date, end string
		timing    Timing
		overlaps  bool
		contains  bool
	}{
		{"2022-09-21", "", "", true, true},
		{"2022-09", "", "", true, true},
		{"2022", "", "", true, false},
		{"2022-08", "2022-09", "", true, false},
		{"2022-09", "2022-10-28", "", true, true},
		{"2022-02", "", Since, true, false},
		{"2022-11", "", Since, false, false},
		{"2021", "", "", false, false},
		{"", "", "", false, false},
	}
	for _, tc := range tests {
		r := Relation{Date: tc.date, EndDate: tc.end, Timing: tc.timing}
		if got := sepOct.Overlaps(r.Date, r.SpanEnd()); got != tc.overlaps {
			t.Errorf("%s..%s %s overlaps Sep-Oct 2022: %v, want %v", tc.date, tc.end, tc.timing, got, tc.overlaps)
		}
		if got := sepOct.Contains(r.Date, r.SpanEnd()); got != tc.contains {
			t.Errorf("%s..%s %s within Sep-Oct 2022: %v, want %v", tc.date, tc.end, tc.timing, got, tc.contains)
		}
	}
}

// The latest figure is the one as of the latest date: a count "by April"
// (February to April) is later than a level in March, and a count open at
// its end is as of its start, the only date it gives.
func TestLaterRanksByTheEndOfAPeriod(t *testing.T) {
	byApril := Figure{Relation: "rel/a", Amount: 100000, Date: "2022-02", EndDate: "2022-04"}
	march := Figure{Relation: "rel/b", Amount: 5, Date: "2022-03"}
	since := Figure{Relation: "rel/c", Amount: 200000, Date: "2022-02", Timing: Since}
	if !byApril.Later(march) || march.Later(byApril) {
		t.Error("a count by April is not later than a level in March")
	}
	if !march.Later(since) || !byApril.Later(since) {
		t.Error("a count since February is later than March")
	}
	if byApril.AsOf() != "2022-04" || since.AsOf() != "2022-02" {
		t.Errorf("AsOf: %s, %s", byApril.AsOf(), since.AsOf())
	}
}
