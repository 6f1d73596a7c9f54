package format_test

import (
	"io"
	"mime"
	"os"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/seed/format"
)

// Every registered format carries what the program says of it (a title
// for help, a media type for an export's Content-Type, its extensions), and
// seed/README.md names it, by its title and its package.
func TestEveryFormatIsDescribed(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(seed.Formats()) == 0 {
		t.Fatal("no format is registered")
	}
	for _, f := range seed.Formats() {
		if mt, params, err := mime.ParseMediaType(f.ContentType()); err != nil || mt != f.MediaType || params["charset"] != "utf-8" {
			t.Errorf("%s: Content-Type %q does not parse as its media type %q in UTF-8 (%v)", f.Name, f.ContentType(), f.MediaType, err)
		}
		if f.Title == "" || len(f.Extensions) == 0 {
			t.Errorf("%s: title %q, extensions %q", f.Name, f.Title, f.Extensions)
		}
		for _, want := range []string{f.Title, "seed/format/" + f.Name} {
			if !strings.Contains(string(readme), want) {
				t.Errorf("seed/README.md does not name the %s format: %q is not in it", f.Name, want)
			}
		}
	}
}

// A format without a media type, or with one that has parameters, cannot
// be registered: an export in it would go out without a Content-Type.
func TestAFormatNeedsAMediaType(t *testing.T) {
	t.Parallel()
	parse := func(string, io.Reader) (*graph.Changeset, error) { return &graph.Changeset{}, nil }
	write := func(io.Writer, *graph.Changeset) error { return nil }
	for _, mt := range []string{"", "text/csv; charset=utf-8", "not a type"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("a format with media type %q was registered", mt)
				}
			}()
			format.NewRegistry(format.Format{Name: "x", Title: "X", MediaType: mt, Parse: parse, Write: write})
		}()
	}
	format.NewRegistry(format.Format{Name: "x", Title: "X", MediaType: "text/x-facts", Parse: parse, Write: write})
}
