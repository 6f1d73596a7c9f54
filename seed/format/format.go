package format

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"path/filepath"
	"strings"

	"github.com/emigraph/emigraph/graph"
)

// Format is a fact-file format that `emigraph load` reads and `emigraph
// export` writes. Everything the program says of a format comes from here:
// the CLI's help and flags, the server's Content-Type for an export, the
// GraphQL descriptions of importFacts; a new format is a package that
// exports one and a line in seed's registry.
type Format struct {
	// Name is what --format and importFacts(format:) take ("jsonl").
	Name string
	// Title names the format for people, in help ("JSON Lines").
	Title string
	// MediaType is the type of a document in the format, without
	// parameters ("application/x-ndjson"); every format is UTF-8
	// (ContentType).
	MediaType  string
	Extensions []string // with the dot, lower case: ".csv"
	Parse      func(name string, r io.Reader) (*graph.Changeset, error)
	Write      func(io.Writer, *graph.Changeset) error
	// ParseData parses a file held in memory. The changeset may share
	// memory with data (a large file is not copied), so data must not
	// change afterwards. A format that leaves it nil gets one that reads
	// data through Parse when it is registered (NewRegistry).
	ParseData func(name string, data []byte) (*graph.Changeset, error)
	// Unsupported lists the model fields the format cannot carry, as
	// "Type.Field" ("Relation.Note"), each with the reason.
	Unsupported map[string]string
}

// Registry is a fixed list of formats, looked up by name or file extension.
type Registry struct {
	formats []Format
}

// ContentType is the media type of a document in the format with its
// charset, for a Content-Type header.
func (f Format) ContentType() string { return f.MediaType + "; charset=utf-8" }

// NewRegistry lists formats in the order given. It panics on two formats
// with the same name or extension, or one without a title, a media type,
// Parse or Write: the list is written in code, so that is a programming
// error.
func NewRegistry(formats ...Format) *Registry {
	r := &Registry{}
	names, exts := map[string]bool{}, map[string]bool{}
	for _, f := range formats {
		if f.Name == "" || f.Title == "" || f.Parse == nil || f.Write == nil {
			panic(fmt.Sprintf("format: %q needs a name, a title, Parse and Write", f.Name))
		}
		if mt, _, err := mime.ParseMediaType(f.MediaType); err != nil || mt != f.MediaType {
			panic(fmt.Sprintf("format: %s needs a media type without parameters, not %q", f.Name, f.MediaType))
		}
		if names[f.Name] {
			panic("format: two formats named " + f.Name)
		}
		names[f.Name] = true
		for _, e := range f.Extensions {
			if exts[e] || !strings.HasPrefix(e, ".") || e != strings.ToLower(e) {
				panic(fmt.Sprintf("format: extension %q of %s is taken or not of the form .ext", e, f.Name))
			}
			exts[e] = true
		}
		f.Extensions = append([]string(nil), f.Extensions...)
		if f.ParseData == nil {
			parse := f.Parse
			f.ParseData = func(name string, data []byte) (*graph.Changeset, error) {
				return parse(name, bytes.NewReader(data))
			}
		}
		r.formats = append(r.formats, f)
	}
	return r
}

// All lists the formats in the order they were registered (a copy: changing
// it changes nothing in the registry).
func (r *Registry) All() []Format {
	out := make([]Format, len(r.formats))
	for i, f := range r.formats {
		f.Extensions = append([]string(nil), f.Extensions...)
		out[i] = f
	}
	return out
}

// ByName finds a format by its name ("native", "csv") or by one of its
// extensions with or without the dot ("yaml", ".ndjson", "nt"), ignoring
// case.
func (r *Registry) ByName(name string) (Format, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, f := range r.All() {
		if f.Name == n {
			return f, true
		}
	}
	if n != "" && !strings.HasPrefix(n, ".") {
		n = "." + n
	}
	for _, f := range r.All() {
		for _, ext := range f.Extensions {
			if ext == n {
				return f, true
			}
		}
	}
	return Format{}, false
}

// ForFile picks the format of a file by its extension, ignoring case.
func (r *Registry) ForFile(path string) (Format, error) {
	ext := strings.ToLower(filepath.Ext(path))
	for _, f := range r.All() {
		for _, e := range f.Extensions {
			if e == ext {
				return f, nil
			}
		}
	}
	var exts []string
	for _, f := range r.formats {
		exts = append(exts, strings.Join(f.Extensions, ", ")+" ("+f.Name+")")
	}
	return Format{}, graph.Errorf(graph.EINVALID, "cannot tell the format of %q from its extension: known extensions are %s; name the format with --format (%s)",
		path, strings.Join(exts, "; "), r.names())
}

// Parse reads a document in the named format, after refusing one in
// UTF-16 or UTF-32 (CheckEncoding).
func (r *Registry) Parse(format, name string, rd io.Reader) (*graph.Changeset, error) {
	f, ok := r.ByName(format)
	if !ok {
		return nil, graph.Errorf(graph.EINVALID, "format %q is not one of %s", format, r.names())
	}
	rd, err := checkedReader(name, rd)
	if err != nil {
		return nil, err
	}
	return f.Parse(name, rd)
}

// Names lists the formats' names in the order they were registered.
func (r *Registry) Names() []string {
	names := make([]string, len(r.formats))
	for i, f := range r.formats {
		names[i] = f.Name
	}
	return names
}

func (r *Registry) names() string { return strings.Join(r.Names(), ", ") }
