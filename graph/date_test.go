package graph_test

import (
	"fmt"
	"testing"

	"github.com/emigraph/emigraph/graph"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in          string
		first, last string
		bad         bool
	}{
		{in: "2022", first: "2022-01-01", last: "2022-12-31"},
		{in: "2022-09", first: "2022-09-01", last: "2022-09-30"},
		{in: "2024-02", first: "2024-02-01", last: "2024-02-29"},
		{in: "2022-09-21", first: "2022-09-21", last: "2022-09-21"},
		{in: "2023-02-29", bad: true},
		{in: "2022-13", bad: true},
		{in: "2022-00", bad: true},
		{in: "22", bad: true},
		{in: "2022-9-21", bad: true},
		{in: "2022/09/21", bad: true},
		{in: "September 2022", bad: true},
		{in: "", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			d, err := graph.ParseDate(tc.in)
			if tc.bad {
				if err == nil {
					t.Fatalf("ParseDate(%q) = %v, want an error", tc.in, d)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.String() != tc.in || d.First() != tc.first || d.Last() != tc.last {
				t.Errorf("ParseDate(%q) = %s [%s, %s], want [%s, %s]", tc.in, d, d.First(), d.Last(), tc.first, tc.last)
			}
		})
	}
}

// The rule for reduced-precision dates: a fact overlaps a range when any day
// it may stand for lies in the range.
func TestDateRangeOverlaps(t *testing.T) {
	tests := []struct {
		name      string
		from, to  string
		date, end string
		want      bool
	}{
		{"month inside its year", "2022", "2022", "2022-09", "", true},
		{"month overlapping a range starting mid-month", "2022-09-21", "", "2022-09", "", true},
		{"month before the range", "2022-10-01", "", "2022-09", "", false},
		{"year overlapping a day range", "2022-09-21", "2022-09-21", "2022", "", true},
		{"day after the range", "", "2022-09-20", "2022-09-21", "", false},
		{"day on the last day", "", "2022-09-21", "2022-09-21", "", true},
		{"period reaching into the range", "2023", "", "2022-06", "2023-01", true},
		{"undated with a range", "2022", "", "", "", false},
		{"undated without a range", "", "", "", "", true},
		{"to as a month covers the whole month", "", "2022-09", "2022-09-30", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := graph.NewDateRange(tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Overlaps(tc.date, tc.end); got != tc.want {
				t.Errorf("range [%s, %s] overlaps %s..%s = %v, want %v", tc.from, tc.to, tc.date, tc.end, got, tc.want)
			}
		})
	}
	if _, err := graph.NewDateRange("2023", "2022"); err == nil {
		t.Error("a range that ends before it starts was accepted")
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2022", "2022-09", "2022-09-21", "2022-02-30", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := graph.ParseDate(s)
		if err != nil {
			return
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q).String() = %q", s, d.String())
		}
		if d.First() > d.Last() {
			t.Fatalf("%q: first %s after last %s", s, d.First(), d.Last())
		}
	})
}

func ExampleDateRange_Overlaps() {
	september, _ := graph.NewDateRange("2022-09-21", "2022-09-30")
	fmt.Println(september.Overlaps("2022-09", ""))    // the month may include those days
	fmt.Println(september.Overlaps("2022", ""))       // so may the year
	fmt.Println(september.Overlaps("2022-10-01", "")) // a day after the range does not
	// Output:
	// true
	// true
	// false
}
