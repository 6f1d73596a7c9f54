package seed_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/seed/seedtest"
)

// oneRelation is a document of each format holding one relation, with a
// quote in Cyrillic.
func oneRelation(t testing.TB, format string) string {
	t.Helper()
	c := &graph.Changeset{Relations: []graph.RelationChange{{Relation: graph.Relation{Subject: "person/chulpan-khamatova",
		Predicate: "fled-to", Object: "country/latvia", Date: "2022-03", Sources: []graph.Source{{Quote: "Чулпан Хаматова уехала в Латвию."}}}}}}
	var buf bytes.Buffer
	if err := mustFormat(t, format).Write(&buf, c); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// wantEncodingRefusal checks that err refuses a file for its encoding,
// naming it and UTF-8.
func wantEncodingRefusal(t *testing.T, err error, file, encoding string) {
	t.Helper()
	var ve *graph.ValidationError
	if !errors.As(err, &ve) || len(ve.Items) != 1 || ve.Items[0].Where != file || ve.Items[0].Problems[0].Field != "encoding" {
		t.Fatalf("got %v, want one problem of field encoding at %s", err, file)
	}
	if msg := ve.Items[0].Problems[0].Message; !strings.Contains(msg, encoding) || !strings.Contains(msg, "convert it to UTF-8") {
		t.Errorf("the message %q does not say the file is %s and to convert it to UTF-8", msg, encoding)
	}
}

// A document in UTF-16 or UTF-32, with a byte order mark or without, is
// refused by every format with a message that says so (the server's import
// and the importFacts mutation read documents through seed.Parse); the
// same document in UTF-8 is read.
func TestParseRefusesUTF16(t *testing.T) {
	for _, f := range seed.Formats() {
		doc := oneRelation(t, f.Name)
		if _, err := seed.Parse(f.Name, fileOf[f.Name], strings.NewReader(doc)); err != nil {
			t.Fatalf("%s in UTF-8: %v", f.Name, err)
		}
		for _, enc := range seedtest.WideEncodings() {
			_, err := seed.Parse(f.Name, fileOf[f.Name], bytes.NewReader(enc.Encode(doc)))
			wantEncodingRefusal(t, err, fileOf[f.Name], enc.Name)
		}
	}
}

// CheckEncoding never refuses UTF-8 text without zero bytes, and never
// panics.
func FuzzCheckEncoding(f *testing.F) {
	for _, format := range []string{"native", "csv", "jsonl", "nquads"} {
		doc := oneRelation(f, format)
		f.Add([]byte(doc))
		for _, enc := range seedtest.WideEncodings() {
			f.Add(enc.Encode(doc))
		}
	}
	f.Add([]byte("\ufeffsubject,predicate,quote\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := seed.CheckEncoding("f", data)
		if err != nil && utf8.Valid(data) && bytes.IndexByte(data, 0) < 0 {
			t.Fatalf("refused UTF-8 text: %v", err)
		}
	})
}
