package seed

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/emigraph/emigraph/graph"
)

// Format is a fact-file format that `emigraph load` reads and `emigraph
// export` writes. Every writer is deterministic and writes everything its
// parser needs to rebuild the changeset, so export → load → export gives the
// same bytes.
type Format struct {
	Name       string
	Extensions []string // with the dot, lower case: ".csv"
	Parse      func(name string, r io.Reader) (*graph.Changeset, error)
	Write      func(io.Writer, *graph.Changeset) error
	// parseData, when set, reads a whole file held in memory without
	// copying it (the changeset's strings may point into data).
	parseData func(name string, data []byte) (*graph.Changeset, error)
}

// ParseData parses a file held in memory. The changeset may share memory
// with data (a large file is not copied), so data must not change afterwards.
func (f Format) ParseData(name string, data []byte) (*graph.Changeset, error) {
	if f.parseData != nil {
		return f.parseData(name, data)
	}
	return f.Parse(name, bytes.NewReader(data))
}

var formats = []Format{
	{Name: "native", Extensions: []string{".yaml", ".yml"}, Parse: ParseNative, Write: WriteNative},
	{Name: "csv", Extensions: []string{".csv"}, Parse: ParseCSV, Write: WriteCSV},
	{Name: "jsonl", Extensions: []string{".jsonl", ".ndjson"}, Parse: ParseJSONL, Write: WriteJSONL, parseData: parseJSONLData},
	{Name: "nquads", Extensions: []string{".nq", ".nt"}, Parse: ParseNQuads, Write: WriteNQuads},
}

// Formats lists the known formats: native, csv, jsonl, nquads.
func Formats() []Format {
	out := make([]Format, len(formats))
	for i, f := range formats {
		f.Extensions = append([]string(nil), f.Extensions...)
		out[i] = f
	}
	return out
}

// FormatByName finds a format by its name ("native", "csv", "jsonl",
// "nquads") or by one of its extensions with or without the dot ("yaml",
// ".ndjson", "nt"), ignoring case.
func FormatByName(name string) (Format, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, f := range Formats() {
		if f.Name == n {
			return f, true
		}
	}
	if n != "" && !strings.HasPrefix(n, ".") {
		n = "." + n
	}
	for _, f := range Formats() {
		for _, ext := range f.Extensions {
			if ext == n {
				return f, true
			}
		}
	}
	return Format{}, false
}

// FormatForFile picks the format of a file by its extension, ignoring case.
func FormatForFile(path string) (Format, error) {
	ext := strings.ToLower(filepath.Ext(path))
	for _, f := range Formats() {
		for _, e := range f.Extensions {
			if e == ext {
				return f, nil
			}
		}
	}
	return Format{}, graph.Errorf(graph.EINVALID, "cannot tell the format of %q from its extension: known extensions are %s; name the format with --format (%s)",
		path, knownExtensions(), knownFormatNames())
}

func knownExtensions() string {
	var parts []string
	for _, f := range formats {
		parts = append(parts, strings.Join(f.Extensions, ", ")+" ("+f.Name+")")
	}
	return strings.Join(parts, "; ")
}

func knownFormatNames() string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// problemList collects the problems of a parse, one ItemError per place, up
// to graph.MaxReportedItems places.
type problemList struct {
	items []graph.ItemError
	more  int
}

func (l *problemList) add(where, field, format string, args ...any) {
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

func (l *problemList) empty() bool { return len(l.items) == 0 }

// err returns the problems as a *graph.ValidationError, or nil.
func (l *problemList) err() error {
	if len(l.items) == 0 {
		return nil
	}
	items := l.items
	if l.more > 0 {
		items = append(items, graph.ItemError{Where: "...", Problems: graph.Problems{{Field: "items", Message: strconv.Itoa(l.more) + " more places have problems"}}})
	}
	return &graph.ValidationError{Items: items}
}

// parseNumber reads a decimal number the way strconv.ParseFloat does and
// refuses NaN and infinities.
func parseNumber(s string) (float64, error) {
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

// formatNumber writes a number so that parseNumber reads back the same
// float64: plain decimals for everyday magnitudes, exponent form for the
// very large and very small.
func formatNumber(f float64) string {
	if a := math.Abs(f); a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// describe names an item of a changeset in a writer's error.
func describe(kind string, i int, where, id string) string {
	s := fmt.Sprintf("%s %d", kind, i+1)
	if id != "" {
		s += " (" + id + ")"
	}
	if where != "" {
		s += " from " + where
	}
	return s
}

// checkWritable refuses what no format can carry: numbers that are not
// finite, and relations without a source quote (every parser requires one).
func checkWritable(c *graph.Changeset) error {
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
		what := describe("relation", i, rc.Where, rc.Relation.ID)
		if err := finite(what, rc.Relation.Quantity); err != nil {
			return err
		}
		if len(rc.Relation.Sources) == 0 {
			return fmt.Errorf("%s: has no source; every relation needs a quote", what)
		}
		for j, s := range rc.Relation.Sources {
			if s.Quote == "" {
				return fmt.Errorf("%s: sources[%d]: has no quote", what, j)
			}
		}
	}
	for i, rt := range c.Retractions {
		if err := finite(describe("retraction", i, rt.Where, rt.Relation.ID), rt.Relation.Quantity); err != nil {
			return err
		}
	}
	return nil
}

// nilIfEmpty makes parsers return nil for empty lists, so that changesets
// compare equal however a list was left out.
func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
