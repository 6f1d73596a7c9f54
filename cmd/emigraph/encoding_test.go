package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/seed/seedtest"
)

// `emigraph load` refuses a file in UTF-16 or UTF-32 (with a byte order
// mark or without) in every format, saying what it is and to convert it to
// UTF-8, where it used to report the first thing each parser misread
// ("unknown column  s u b j e c t"); the same file in UTF-8 loads.
func TestLoadRefusesUTF16(t *testing.T) {
	t.Parallel()
	c := &graph.Changeset{Relations: []graph.RelationChange{{Relation: graph.Relation{Subject: "person/chulpan-khamatova",
		Predicate: "fled-to", Object: "country/georgia", Sources: []graph.Source{{Quote: "Она уехала."}}}}}}
	files := t.TempDir()
	for _, f := range seed.Formats() {
		var buf bytes.Buffer
		if err := f.Write(&buf, c); err != nil {
			t.Fatal(err)
		}
		utf8File := filepath.Join(files, "utf8"+f.Extensions[0])
		os.WriteFile(utf8File, buf.Bytes(), 0o644)
		if _, errs, err := run(t, "", nil, "load", utf8File, "--dry-run", "--data", t.TempDir()); err != nil {
			t.Fatalf("%s in UTF-8: %v\n%s", f.Name, err, errs)
		}
		for i, enc := range seedtest.WideEncodings() {
			file := filepath.Join(files, f.Name+string(rune('a'+i))+f.Extensions[0])
			os.WriteFile(file, enc.Encode(buf.String()), 0o644)
			dir := t.TempDir()
			_, errs, err := run(t, "", nil, "load", file, "--data", dir)
			if err == nil || !strings.Contains(errs, file+": encoding: the file is "+enc.Name) || !strings.Contains(errs, "convert it to UTF-8") {
				t.Errorf("%s in %s (BOM %v): %v\n%s\nwant a refusal that names the encoding and says to convert it to UTF-8", f.Name, enc.Name, enc.BOM, err, errs)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("%s in %s: the refused load left %d files in the data directory", f.Name, enc.Name, len(entries))
			}
		}
	}
}
