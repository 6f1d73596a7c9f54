package native_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format/native"
)

// A native file cut off in the middle of a line is refused at that line,
// even where the cut leaves valid YAML (a plain value cut short). A file cut
// at the end of a line reads as a shorter file: it is refused, or it states
// a prefix of the whole file's items, of which only the last may lack the
// keys (or list entries) after the cut, and a source cut off before its own
// section takes the file's.
func TestTruncatedNativeFile(t *testing.T) {
	const file = "../../facts/20-second-third-wave.yaml" // a file of the embedded seed
	whole, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	full, err := native.Parse("f.yaml", bytes.NewReader(whole))
	if err != nil {
		t.Fatal(err)
	}
	defaults := map[string]bool{}
	for _, l := range strings.Split(string(whole), "\n") {
		for _, k := range []string{"section: ", "title: ", "url: "} {
			if v, ok := strings.CutPrefix(l, k); ok {
				defaults[v] = true
			}
		}
	}
	blankDefaults := func(c *graph.Changeset) {
		for _, r := range c.Relations {
			for i := range r.Relation.Sources {
				s := &r.Relation.Sources[i]
				for _, f := range []*string{&s.Section, &s.Title, &s.URL} {
					if defaults[*f] {
						*f = ""
					}
				}
			}
		}
	}
	blankDefaults(full)
	type cut struct {
		name   string
		data   []byte
		line   int  // the line the cut is in
		midway bool // cut in the middle of a line
	}
	var cuts []cut
	lines := bytes.SplitAfter(whole, []byte("\n"))
	at := 0
	for i, l := range lines {
		content := bytes.TrimRight(l, "\n")
		if len(bytes.TrimSpace(content)) > 0 {
			// mid-line: after the first byte, in the middle, before the last byte
			for _, n := range []int{1, len(content) / 2, len(content) - 1} {
				if n > 0 && n < len(content) && len(bytes.TrimSpace(content[:n])) > 0 {
					cuts = append(cuts, cut{fmt.Sprintf("line %d, byte %d", i+1, n), whole[:at+n], i + 1, true})
				}
			}
			// the whole line without its newline
			cuts = append(cuts, cut{fmt.Sprintf("line %d, no newline", i+1), whole[:at+len(content)], i + 1, true})
		}
		at += len(l)
		cuts = append(cuts, cut{fmt.Sprintf("after line %d", i+1), whole[:at], i + 1, false})
	}
	// the case of the issue: a plain quote cut short is valid YAML
	plain := []byte("relations:\n  - subject: country/russia\n    predicate: migration-to\n    object: country/georgia\n    quote: Russians fled to Geo")
	cuts = append(cuts, cut{"a plain quote cut short", plain, 5, true})

	for _, c := range cuts {
		for _, how := range []string{"Parse", "ParseData"} {
			var got *graph.Changeset
			var err error
			if how == "Parse" {
				got, err = native.Parse("f.yaml", bytes.NewReader(c.data))
			} else { // as `emigraph load -` reads standard input
				got, err = native.Parse("f.yaml", bytes.NewReader(c.data))
			}
			if c.midway {
				var ve *graph.ValidationError
				want := fmt.Sprintf("f.yaml:%d: file: ends in the middle of a line", c.line)
				if !errors.As(err, &ve) || !strings.HasPrefix(err.Error(), want) {
					t.Errorf("%s, %s: %v, want %q", c.name, how, err, want)
				}
				continue
			}
			if err != nil {
				continue // refused: fine
			}
			// a source cut off before its own section (title, url) takes the
			// file's: compare without the file's defaults
			blankDefaults(got)
			if why := prefixOf(got, full); why != "" {
				t.Errorf("%s, %s: not a prefix of the whole file: %s", c.name, how, why)
			}
		}
	}
	t.Logf("%d cuts of %s", len(cuts), file)
}

// prefixOf says why cut is not a prefix of full: for each list, the items
// but the last must be the whole file's, and the last a part of its match.
func prefixOf(cut, full *graph.Changeset) string {
	for _, l := range []struct {
		name      string
		cut, full any
	}{
		{"predicates", cut.Predicates, full.Predicates},
		{"entities", cut.Entities, full.Entities},
		{"relations", cut.Relations, full.Relations},
		{"retract", cut.Retractions, full.Retractions},
	} {
		if why := partOf(reflect.ValueOf(l.cut), reflect.ValueOf(l.full)); why != "" {
			return l.name + ": " + why
		}
	}
	return ""
}

// partOf reports why c is not a part of f: a scalar is zero or equal, a
// struct has every field a part, a pointer is nil or points to a part, a
// list is as long or shorter with every entry equal but the last, a part.
func partOf(c, f reflect.Value) string {
	switch c.Kind() {
	case reflect.Struct:
		for i := 0; i < c.NumField(); i++ {
			if c.Type().Field(i).Name == "Where" {
				continue // a part of an item starts on the same line; checked with the rest
			}
			if why := partOf(c.Field(i), f.Field(i)); why != "" {
				return c.Type().Field(i).Name + ": " + why
			}
		}
		return ""
	case reflect.Pointer:
		if c.IsNil() {
			return ""
		}
		if f.IsNil() {
			return "set, but not in the whole file"
		}
		return partOf(c.Elem(), f.Elem())
	case reflect.Slice:
		if c.Len() > f.Len() {
			return fmt.Sprintf("%d entries, the whole file has %d", c.Len(), f.Len())
		}
		for i := 0; i < c.Len(); i++ {
			if i < c.Len()-1 {
				if !reflect.DeepEqual(c.Index(i).Interface(), f.Index(i).Interface()) {
					return fmt.Sprintf("[%d] is %+v, the whole file has %+v", i, c.Index(i).Interface(), f.Index(i).Interface())
				}
			} else if why := partOf(c.Index(i), f.Index(i)); why != "" {
				return fmt.Sprintf("[%d]: %s", i, why)
			}
		}
		return ""
	}
	if !c.IsZero() && !reflect.DeepEqual(c.Interface(), f.Interface()) {
		return fmt.Sprintf("%v, the whole file has %v", c.Interface(), f.Interface())
	}
	return ""
}

// The rule is about the last line only: white space after the last newline
// is allowed, and an empty file states nothing.
func TestNativeLastLine(t *testing.T) {
	for _, tt := range []struct {
		doc string
		ok  bool
	}{
		{"", true},
		{"\n", true},
		{"section: S\n", true},
		{"section: S\r\n", true},
		{"section: S\n  \t", true},
		{"section: S", false},
		{"section: S\r", false},
		{"# a comment", false},
		{"section: S\n# a comment", false},
	} {
		_, err := native.Parse("f.yaml", strings.NewReader(tt.doc))
		if (err == nil) != tt.ok {
			t.Errorf("%q: %v, want ok=%v", tt.doc, err, tt.ok)
		}
	}
}
