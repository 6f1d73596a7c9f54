package seedtest

import (
	"encoding/binary"
	"unicode/utf16"
)

// WideEncoding is a way of writing text in UTF-16 or UTF-32, for the tests
// that such files are refused with a message naming the encoding.
type WideEncoding struct {
	// Name is what the refusal calls it: "UTF-16 little-endian".
	Name string
	// BOM says whether the text starts with a byte order mark.
	BOM    bool
	Encode func(string) []byte
}

// WideEncodings are UTF-16 and UTF-32, in both byte orders, with a byte
// order mark and without.
func WideEncodings() []WideEncoding {
	var out []WideEncoding
	for _, order := range []struct {
		name string
		bo   binary.AppendByteOrder
	}{{"little-endian", binary.LittleEndian}, {"big-endian", binary.BigEndian}} {
		for _, bom := range []bool{true, false} {
			bo, bom := order.bo, bom
			out = append(out,
				WideEncoding{Name: "UTF-16 " + order.name, BOM: bom, Encode: func(s string) []byte {
					if bom {
						s = "\ufeff" + s
					}
					var b []byte
					for _, u := range utf16.Encode([]rune(s)) {
						b = bo.AppendUint16(b, u)
					}
					return b
				}},
				WideEncoding{Name: "UTF-32 " + order.name, BOM: bom, Encode: func(s string) []byte {
					if bom {
						s = "\ufeff" + s
					}
					var b []byte
					for _, r := range s {
						b = bo.AppendUint32(b, uint32(r))
					}
					return b
				}})
		}
	}
	return out
}
