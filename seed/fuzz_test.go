package seed_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed"
)

// fuzzParser seeds a fuzz test with the table cases and the golden sample,
// and checks that the parser does not panic, refuses only with a
// *graph.ValidationError whose items name the file, and that whatever it
// reads survives Write → Parse unchanged and Write → Parse → Write byte for
// byte.
func fuzzParser(f *testing.F, format, file string, bad []badInput, good []accepted, extra ...string) {
	ft, ok := seed.FormatByName(format)
	if !ok {
		f.Fatalf("no format %s", format)
	}
	for _, tt := range bad {
		f.Add([]byte(tt.input))
	}
	for _, tt := range good {
		f.Add([]byte(tt.input))
	}
	for _, in := range extra {
		f.Add([]byte(in))
	}
	if golden, err := os.ReadFile(filepath.Join("testdata", "sample"+ft.Extensions[0])); err == nil {
		f.Add(golden)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ft.Parse(file, bytes.NewReader(data))
		if err != nil {
			var ve *graph.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse refused with %T %v, want a *graph.ValidationError", err, err)
			}
			for _, it := range ve.Items {
				if it.Where != "..." && !strings.HasPrefix(it.Where, file) {
					t.Fatalf("problem at %q does not name the file %s", it.Where, file)
				}
			}
			return
		}
		var first bytes.Buffer
		if err := ft.Write(&first, c); err != nil {
			t.Fatalf("Write(Parse(input)): %v", err)
		}
		again, err := ft.Parse(file, bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatalf("Parse(Write(Parse(input))): %v\n--- written:\n%s", err, first.Bytes())
		}
		if diff := sameChangeset(again, c); diff != "" {
			t.Fatalf("Parse(Write(c)) differs from c:%s\n--- written:\n%s", diff, first.Bytes())
		}
		var second bytes.Buffer
		if err := ft.Write(&second, again); err != nil {
			t.Fatalf("Write(Parse(Write(c))): %v", err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("Write(Parse(Write(c))) differs from Write(c):\n--- got:\n%q\n--- want:\n%q", second.Bytes(), first.Bytes())
		}
	})
}

func FuzzParseCSV(f *testing.F) {
	fuzzParser(f, "csv", "f.csv", csvBadInputs, csvAccepted,
		"subject,predicate,quote\na,p,\"x\ry\"\n",
		"subject,predicate,quote\na,p,\"x\r\n\"\n",
		"subject,predicate,quote\r\na,p,q\r\n a ,p, q \r\n",
		"action,id,aliases,subjectTypes,subject,predicate,quote\nentity,person/a,| |,,,,\npredicate,p,,|,,,\n",
		"subject,predicate,quote,amount,lowerBound\na,p,q,-0,0\na,p,r,0,-0\n",
		"action,subject,predicate,quote,title\nretract,a,p,,\nretract,a,p,,\nretract,a,p,q,\nretract,a,p,,T\n",
	)
}

func FuzzParseJSONL(f *testing.F) {
	fuzzParser(f, "jsonl", "f.jsonl", jsonlBadInputs, jsonlAccepted,
		`{"kind":"relation","subject":"a","predicate":"p","sources":[{"quote":"q"}],"quantity":{"amount":-0,"lowerBound":1e-7}}`,
		`{"kind":"entity","\u006eame":"x","aliases":[""],"removeAliases":[]}`,
		`{"kind":"retract","sources":[{},null]}`,
		`{"kind":"relation","subject":"a\u0000<>&\u2028","predicate":"p","sources":[{"quote":"\ud83d\ude00"}]}`,
	)
}

func FuzzParseNQuads(f *testing.F) {
	fuzzParser(f, "nquads", "f.nq", nqBadInputs, nqAccepted,
		nqLines(`<x:y> `+nqType+` `+ont("Entity")+` .`),
		nqLines(`_:a.b. `+ont("quote")+` "\uFFFD\u0000" .`, nqPersA+` `+nqFledTo+` "x" _:a.b .`),
		nqLines(nqPersA+` `+nqFledTo+` `+nqPersA+` _:g .`, `_:g `+ont("quote")+` "q" .`, `_:g `+ont("quote")+` "q" .`),
		nqLines(append(append([]string(nil), nqRelation...), nqRelX+` `+ont("source")+` _:s .`)...),
	)
}
