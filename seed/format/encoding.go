package format

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/emigraph/emigraph/graph"
)

// sniffBytes is how much of a document CheckEncoding looks at.
const sniffBytes = 512

// CheckEncoding refuses a document in UTF-16 or UTF-32, which every format
// would otherwise misread as UTF-8 and misreport (a header of unknown
// columns " s u b j e c t", a YAML or JSON syntax error at the first byte).
// It knows them by their byte order mark or, without one, by the zero
// bytes that mostly-ASCII text has between its characters. head is the
// start of the document; the first 512 bytes are enough.
func CheckEncoding(name string, head []byte) error {
	enc, iconv, bom := wideEncoding(head)
	if enc == "" {
		return nil
	}
	mark := "without a byte order mark"
	if bom {
		mark = "with a byte order mark"
	}
	return &graph.ValidationError{Items: []graph.ItemError{{Where: name, Problems: graph.Problems{{Field: "encoding",
		Message: fmt.Sprintf("the file is %s (%s); emigraph reads UTF-8 only: convert it to UTF-8 first, e.g. iconv -f %s -t UTF-8 FILE > FILE.utf8",
			enc, mark, iconv)}}}}}
}

// wideEncoding names the encoding of a document that starts with head when
// it is UTF-16 or UTF-32, with iconv's name for it, or "" for anything
// else.
func wideEncoding(head []byte) (enc, iconv string, bom bool) {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE, 0, 0}):
		return "UTF-32 little-endian", "UTF-32", true
	case bytes.HasPrefix(head, []byte{0, 0, 0xFE, 0xFF}):
		return "UTF-32 big-endian", "UTF-32", true
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return "UTF-16 little-endian", "UTF-16", true
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return "UTF-16 big-endian", "UTF-16", true
	}
	if len(head) > sniffBytes {
		head = head[:sniffBytes]
	}
	// zeros[i] counts the zero bytes at offsets i mod 4
	var zeros [4]int
	n := len(head) &^ 3
	if n < 4 {
		return "", "", false
	}
	for i, b := range head[:n] {
		if b == 0 {
			zeros[i%4]++
		}
	}
	// groups of four bytes: one UTF-32 character, two UTF-16 units; a
	// position is zero "mostly" in at least half of them, "rarely" in
	// fewer than a tenth
	units := n / 4
	mostly := func(z int) bool { return z*2 >= units }
	rarely := func(z int) bool { return z*10 < units }
	switch {
	case mostly(zeros[1]) && mostly(zeros[2]) && mostly(zeros[3]) && rarely(zeros[0]):
		return "UTF-32 little-endian", "UTF-32LE", false
	case mostly(zeros[0]) && mostly(zeros[1]) && mostly(zeros[2]) && rarely(zeros[3]):
		return "UTF-32 big-endian", "UTF-32BE", false
	case mostly(zeros[1]) && mostly(zeros[3]) && rarely(zeros[0]) && rarely(zeros[2]):
		return "UTF-16 little-endian", "UTF-16LE", false
	case mostly(zeros[0]) && mostly(zeros[2]) && rarely(zeros[1]) && rarely(zeros[3]):
		return "UTF-16 big-endian", "UTF-16BE", false
	}
	return "", "", false
}

// checkedReader returns a reader of what rd reads, after refusing a
// document in UTF-16 or UTF-32 (CheckEncoding).
func checkedReader(name string, rd io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(rd, sniffBytes)
	head, _ := br.Peek(sniffBytes) // a read error comes back to the parser
	if err := CheckEncoding(name, head); err != nil {
		return nil, err
	}
	return br, nil
}
