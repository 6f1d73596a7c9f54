package seed

import (
	"io"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format"
	"github.com/emigraph/emigraph/seed/format/csv"
	"github.com/emigraph/emigraph/seed/format/jsonl"
	"github.com/emigraph/emigraph/seed/format/native"
	"github.com/emigraph/emigraph/seed/format/nquads"
)

// registry lists the formats here rather than having each package add
// itself in an init function: the list says which formats there are and in
// which order, and nothing depends on the order packages are initialised
// in. Each format is a package under seed/format, with its specification in
// its package documentation.
var registry = format.NewRegistry(checked(native.Format), checked(csv.Format), checked(jsonl.Format), checked(nquads.Format))

// Format is a fact-file format of the registry (format.Format).
type Format = format.Format

// Formats lists the fact-file formats `emigraph load` reads and `emigraph
// export` writes: native, csv, jsonl, nquads (a copy: changing it changes
// nothing).
func Formats() []Format { return registry.All() }

// FormatByName finds a format by its name ("native", "csv", "jsonl",
// "nquads") or by one of its extensions with or without the dot ("yaml",
// ".ndjson", "nt"), ignoring case.
func FormatByName(name string) (Format, bool) { return registry.ByName(name) }

// CheckEncoding refuses a document in UTF-16 or UTF-32, told by its byte
// order mark or by the zero bytes between the characters of mostly-ASCII
// text, with a message that says which and to convert it to UTF-8. head is
// the start of the document (its first 512 bytes are enough).
func CheckEncoding(name string, head []byte) error { return format.CheckEncoding(name, head) }

// FormatForFile picks the format of a file by its extension, ignoring case.
func FormatForFile(path string) (Format, error) { return registry.ForFile(path) }

// Parse reads a document in the named format (a name or an extension, as
// FormatByName takes), for schema.Options.Parse. A document in UTF-16 or
// UTF-32 is refused with a message that says so (CheckEncoding).
func Parse(format, name string, r io.Reader) (*graph.Changeset, error) {
	return registry.Parse(format, name, r)
}
