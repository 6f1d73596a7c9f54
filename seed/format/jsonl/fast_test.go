package jsonl

import (
	"bytes"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format"
)

var fastJSONLCases = []string{
	`{"kind":"relation","id":"rel/gen-1","subject":"person/gen-1","predicate":"fled-to","object":"country/gen-0","date":"2022-09-21","sources":[{"quote":"Synthetic statement 1.","section":"Generated","title":"emigraph gen"}]}`,
	`{"kind":"relation","subject":"Alla Pugacheva","predicate":"fled-to","object":"Israel","date":"2022","endDate":"2023","quantity":{"amount":50000,"lowerBound":4e4,"upperBound":60000.5,"unit":"people","approximation":"ABOUT"},"note":"n","sources":[{"quote":"q","url":"https://example.org/a"},{"quote":"r"}]}`,
	`{"kind":"entity","id":"person/alla-pugacheva","name":"Алла Пугачёва","type":"PERSON","aliases":["Pugacheva","Пугачёва"],"description":"singer","removeAliases":["Pugachova"]}`,
	`{"kind":"predicate","id":"fled-to","label":"fled to","inverseLabel":"received emigrants","subjectTypes":["PERSON"],"objectTypes":["COUNTRY"],"objectOptional":false,"description":"d"}`,
	` { "kind" : "retract" , "id" : "rel/x" } `,
	`{"kind":"retract","subject":"a","predicate":"fled-to","quantity":{"amount":-0.5e-3}}`,
	`{"kind":"relation","subject":"a","predicate":"p","sources":[]}`,
	`{"kind":"relation","subject":"a","predicate":"p","sources":[{"source":"source/x","quote":"q","section":"s"}]}`,
	`{"kind":"relation","subject":"a","predicate":"p","sources":[{"quote":""}]}`,
	`{"kind":"relation","quantity":{}}`,
	`{"kind":"entity","aliases":[],"name":"x"}`,
	`{"kind":"predicate","objectOptional":true}`,
	`{"kind":"source","source":{"id":"source/x","title":"T","kind":"survey"}}`, // a source record: the reference path
	`{"kind":"entity","id":"x","id":"y"}`,
	`{"kind":"entity","Name":"x"}`,
	`{"kind":"entity","name":"a\"b"}`,
	`{"kind":"entity","name":null}`,
	`{"kind":"relation","quantity":{"amount":01}}`,
	`{"kind":"relation","quantity":{"amount":1e400}}`,
	`{"kind":"entity","subject":"x"}`,
	`{"kind":"nothing"}`,
	`{"id":"x"}`,
	`{"kind":"entity"} x`,
	`[1,2]`,
}

// The fast decoder accepts a line only when it reads it exactly as the
// reference path (encoding/json and its checks) does.
func FuzzJSONLFastDecoder(f *testing.F) {
	for _, c := range fastJSONLCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.ContainsAny(line, "\n") {
			return
		}
		var l jsonlLine
		fast := &graph.Changeset{}
		var fastProbs format.Problems
		if !fastJSONLine(bytes.Clone(line), &l) {
			return
		}
		emitJSONL(fast, &l, "f:1", &fastProbs)
		if !utf8.Valid(line) {
			t.Fatalf("the fast decoder accepted invalid UTF-8 %q", line)
		}
		slow := &graph.Changeset{}
		var slowProbs format.Problems
		parseJSONLine(slow, line, "f:1", &slowProbs)
		if !reflect.DeepEqual(fast, slow) {
			t.Errorf("%s\nfast: %+v\nslow: %+v", line, fast, slow)
		}
		if !reflect.DeepEqual(fastProbs, slowProbs) {
			t.Errorf("%s\nfast problems: %+v\nslow problems: %+v", line, fastProbs, slowProbs)
		}
	})
}

// The fast decoder takes the plain lines and leaves the rest to the
// reference path.
func TestJSONLFastDecoderTakes(t *testing.T) {
	for i, c := range fastJSONLCases {
		var l jsonlLine
		got := fastJSONLine([]byte(c), &l)
		want := i < 12 // the cases above are plain up to objectOptional:true
		if got != want {
			t.Errorf("fastJSONLine(%s) = %v, want %v", c, got, want)
		}
	}
}

// A file split among cores reads as one: same items in the same order,
// problems with their own line numbers.
func TestParseJSONLInPieces(t *testing.T) {
	var b strings.Builder
	n := 0
	for b.Len() < 3*parallelJSONLBytes {
		n++
		b.WriteString(fastJSONLCases[n%3])
		b.WriteString("\n")
		if n%1000 == 0 {
			b.WriteString("\n") // blank lines count
			n++
		}
	}
	b.WriteString(`{"kind":"entity","Name":"x"}` + "\n")
	n++
	_, err := Parse("big.jsonl", strings.NewReader(b.String()))
	if err == nil || !strings.Contains(err.Error(), "big.jsonl:"+strconv.Itoa(n)+": Name: unknown field") {
		t.Fatalf("the last line's problem, at line %d: %v", n, err)
	}
	good := strings.TrimSuffix(b.String(), `{"kind":"entity","Name":"x"}`+"\n")
	c, err := Parse("big.jsonl", strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	var one graph.Changeset
	var probs format.Problems
	parseJSONLPiece("big.jsonl", []byte(good), 1, &one, &probs, nil)
	if !reflect.DeepEqual(c, &one) || !probs.Empty() {
		t.Errorf("in pieces: %d items; in one: %d items", c.Len(), one.Len())
	}
	if c.Len() < 30000 {
		t.Errorf("%d items: too few to be split", c.Len())
	}
}

// Parsed in pieces, in two passes (the lines that are not plain relations,
// then those), a file gives what ParseData gives, at the same lines, and
// its problems.
func TestParsePiecesInTwoPasses(t *testing.T) {
	var b strings.Builder
	b.WriteString("\ufeff" + fastJSONLCases[0] + "\n")
	for n := 0; b.Len() < 3*parallelJSONLBytes; n++ {
		b.WriteString(fastJSONLCases[n%4] + "\n") // the plain and the other shapes, all good
		if n%1000 == 0 {
			b.WriteString("\n")
			b.WriteString(" " + fastJSONLCases[0] + "\n") // a relation, not plain
		}
	}
	good := b.String()
	want, err := ParseData("big.jsonl", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	got := &graph.Changeset{}
	relations := 0
	pieces := 0
	skipped, err := ParsePieces("big.jsonl", []byte(good), 1<<20, func(l []byte) bool { return !IsPlainRelation(l) }, func(c *graph.Changeset, _ []byte) error {
		relations += len(c.Relations)
		got.Append(c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	plain := 0
	_, err = ParsePieces("big.jsonl", []byte(good), 1<<20, IsPlainRelation, func(c *graph.Changeset, _ []byte) error {
		pieces++
		plain += len(c.Relations)
		if c.Len() != len(c.Relations) {
			t.Fatalf("the second pass gave %d items that are not relations", c.Len()-len(c.Relations))
		}
		got.Relations = append(got.Relations, c.Relations...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pieces < 3 || skipped != plain || relations == 0 {
		t.Fatalf("%d pieces; the first pass skipped %d lines, the second parsed %d (and the first %d relations)", pieces, skipped, plain, relations)
	}
	if len(want.Relations) != len(got.Relations) || plain == 0 {
		t.Fatalf("%d relations, want %d (%d plain)", len(got.Relations), len(want.Relations), plain)
	}
	slices.SortFunc(want.Relations, func(a, b graph.RelationChange) int { return strings.Compare(a.Where, b.Where) })
	slices.SortFunc(got.Relations, func(a, b graph.RelationChange) int { return strings.Compare(a.Where, b.Where) })
	if !reflect.DeepEqual(want, got) {
		t.Error("the two passes do not give what ParseData gives")
	}
	bad := good + `{"kind":"relation","subject":1}` + "\n"
	_, err = ParsePieces("big.jsonl", []byte(bad), 1<<20, IsPlainRelation, func(*graph.Changeset, []byte) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "big.jsonl:"+strconv.Itoa(strings.Count(bad, "\n"))+": subject") {
		t.Errorf("the last line's problem: %v", err)
	}
}

// ParsePieces in its two passes (the lines that are not plain relations,
// then those), at any piece size, gives what ParseData gives: the same
// items at the same lines, and a refusal where ParseData refuses.
func FuzzParsePieces(f *testing.F) {
	for i, c := range fastJSONLCases {
		f.Add([]byte(c+"\n"+fastJSONLCases[(i+1)%len(fastJSONLCases)]+"\n"), uint8(i))
	}
	f.Add([]byte("\ufeff"+fastJSONLCases[0]+"\n\n "+fastJSONLCases[0]+"\n"), uint8(3))
	f.Add([]byte(fastJSONLCases[0]+"\r\n"+`{"kind":"relation","subject":1}`), uint8(40))
	f.Fuzz(func(t *testing.T, data []byte, piece uint8) {
		want, werr := ParseData("f.jsonl", data)
		got := &graph.Changeset{}
		_, err1 := ParsePieces("f.jsonl", data, int(piece)+1, func(l []byte) bool { return !IsPlainRelation(l) }, func(c *graph.Changeset, _ []byte) error {
			got.Append(c)
			return nil
		})
		_, err2 := ParsePieces("f.jsonl", data, int(piece)+1, IsPlainRelation, func(c *graph.Changeset, _ []byte) error {
			got.Relations = append(got.Relations, c.Relations...)
			return nil
		})
		if refused := err1 != nil || err2 != nil; refused != (werr != nil) {
			t.Fatalf("ParseData: %v; the passes: %v, %v", werr, err1, err2)
		}
		if werr != nil {
			return
		}
		byLine := func(a, b graph.RelationChange) int { return strings.Compare(a.Where, b.Where) }
		slices.SortFunc(want.Relations, byLine)
		slices.SortFunc(got.Relations, byLine)
		if want.Len() != got.Len() || !reflect.DeepEqual(want.Relations, format.NilIfEmpty(got.Relations)) ||
			!reflect.DeepEqual(want.Entities, format.NilIfEmpty(got.Entities)) || !reflect.DeepEqual(want.Predicates, format.NilIfEmpty(got.Predicates)) ||
			!reflect.DeepEqual(want.Retractions, format.NilIfEmpty(got.Retractions)) {
			t.Fatalf("the passes give\n%+v\nParseData\n%+v", got, want)
		}
	})
}
