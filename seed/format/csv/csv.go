package csv

import (
	"bytes"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format"
)

var csvColumns = []string{"action", "id", "subject", "predicate", "object", "date", "endDate", "timing",
	"amount", "lowerBound", "upperBound", "unit", "approximation", "hedges", "note", "source", "quote", "section", "title", "url",
	"name", "type", "aliases", "removeAliases", "description",
	"label", "inverseLabel", "subjectTypes", "objectTypes", "objectOptional", "broader",
	"publisher", "author", "published", "retrieved", "language", "kind"}

// csvAlwaysWritten are the columns a full export always has, so that its
// header says what kind of file it is even when nothing fills them.
var csvAlwaysWritten = []string{"subject", "predicate", "quote"}

var (
	csvRelationCols  = format.KeySet("action", "id", "subject", "predicate", "object", "date", "endDate", "timing", "amount", "lowerBound", "upperBound", "unit", "approximation", "hedges", "note", "source", "quote", "section", "title", "url")
	csvSourceCols    = format.KeySet("action", "id", "title", "publisher", "author", "published", "retrieved", "url", "language", "kind", "note")
	csvEntityCols    = format.KeySet("action", "id", "name", "type", "aliases", "removeAliases", "description")
	csvPredicateCols = format.KeySet("action", "id", "label", "inverseLabel", "subjectTypes", "objectTypes", "objectOptional", "description", "broader")
)

// csvMergeKey is what consecutive rows must share to be one relation with
// several sources.
func csvMergeKey(retract bool, r *graph.Relation) string {
	q := ""
	if r.Quantity != nil {
		q = "q" + quantityCells(r.Quantity)
	}
	return strings.Join([]string{strconv.FormatBool(retract), r.ID, r.Subject, r.Predicate, r.Object, r.Date, r.EndDate, string(r.Timing), q, hedgeCell(r.Hedges), r.Note}, "\x00")
}

func quantityCells(q *graph.Quantity) string {
	b := func(p *float64) string {
		if p == nil {
			return ""
		}
		return format.FormatNumber(*p)
	}
	return strings.Join([]string{format.FormatNumber(q.Amount), b(q.LowerBound), b(q.UpperBound), q.Unit, string(q.Approximation)}, "\x00")
}

// Parse reads the CSV format (the package documentation describes it).
// name is used in error positions ("facts.csv:12: amount: ..."); line
// numbers are those of the first line of each row.
func Parse(name string, r io.Reader) (*graph.Changeset, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // spreadsheets like to start with a byte order mark
	p := &parser{name: name, data: data, c: &graph.Changeset{}}
	p.cr = newReader(data)
	header, err := p.cr.Read()
	if err == io.EOF {
		return p.c, nil // an empty file states nothing
	}
	if err != nil {
		p.syntax(err)
		return nil, p.probs.Err()
	}
	if p.readHeader(header); !p.probs.Empty() {
		return nil, p.probs.Err()
	}
	for {
		rec, err := p.cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !p.resync(err) {
				break
			}
			continue
		}
		line, _ := p.cr.FieldPos(0)
		p.row(rec, p.where(p.base+line))
	}
	if err := p.probs.Err(); err != nil {
		return nil, err
	}
	return p.c, nil
}

func newReader(data []byte) *stdcsv.Reader {
	cr := stdcsv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	return cr
}

// parser is the state of one Parse.
type parser struct {
	name string
	// data is what cr reads: the file, or its rest after a syntax error
	data []byte
	cr   *stdcsv.Reader
	base int // lines of data already read by an earlier reader
	// cols is the canonical name of each column, index the column of each
	// name
	header []string
	cols   []string
	index  map[string]int
	probs  format.Problems
	c      *graph.Changeset
	// last is the relation or retraction of the previous row, which a row
	// of the same fact with another source extends.
	last *lastRow
}

type lastRow struct {
	key     string
	retract bool
	index   int
}

func (p *parser) where(line int) string { return fmt.Sprintf("%s:%d", p.name, line) }

// syntax reports an error of the CSV syntax at its line.
func (p *parser) syntax(err error) {
	var pe *stdcsv.ParseError
	if errors.As(err, &pe) {
		hint := ""
		if errors.Is(pe.Err, stdcsv.ErrQuote) || errors.Is(pe.Err, stdcsv.ErrBareQuote) {
			hint = `: a cell with a " must be quoted whole, with the quote doubled ("He said ""no""")`
		}
		p.probs.Add(p.where(p.base+pe.StartLine), "csv", "%v (line %d, character %d)%s", pe.Err, p.base+pe.Line, pe.Column, hint)
		return
	}
	p.probs.Add(p.name, "csv", "%v", err)
}

// resync reports a syntax error and, as a quote left open swallows every
// line after it, reads on from the line after the one it opened on, so
// that the problems of the rows after it are reported too. It returns
// false when there is nothing left to read.
func (p *parser) resync(err error) bool {
	p.syntax(err)
	p.last = nil
	var pe *stdcsv.ParseError
	if !errors.As(err, &pe) {
		return false
	}
	next := lineStart(p.data, pe.StartLine+1)
	if next >= len(p.data) {
		return false
	}
	p.base += pe.StartLine
	p.data = p.data[next:]
	p.cr = newReader(p.data)
	return true
}

// readHeader reads the column names, in any case, each once.
func (p *parser) readHeader(header []string) {
	headerLine, _ := p.cr.FieldPos(0)
	canonical := map[string]string{}
	for _, col := range csvColumns {
		canonical[strings.ToLower(col)] = col
	}
	p.header = header
	p.cols = make([]string, len(header))
	p.index = map[string]int{}
	for i, h := range header {
		col, ok := canonical[strings.ToLower(strings.TrimSpace(h))]
		switch {
		case strings.TrimSpace(h) == "":
			p.probs.Add(p.where(headerLine), fmt.Sprintf("column %d", i+1), "has no name (known columns: %s)", strings.Join(csvColumns, ", "))
		case !ok:
			p.probs.Add(p.where(headerLine), h, "unknown column (known columns: %s)", strings.Join(csvColumns, ", "))
		default:
			if j, dup := p.index[col]; dup {
				p.probs.Add(p.where(headerLine), col, "duplicate column (columns %d and %d)", j+1, i+1)
			}
			p.index[col] = i
			p.cols[i] = col
		}
	}
}

// cells are the cells of one row, by column name.
type cells struct {
	rec   []string
	index map[string]int
}

// get is the cell of a column, "" for a column the file does not have.
func (r cells) get(col string) string {
	if i, ok := r.index[col]; ok {
		return r.rec[i]
	}
	return ""
}

// row reads one row, found at w: its cells are checked, then it becomes
// an entity, a predicate, a relation or a retraction.
func (p *parser) row(rec []string, w string) {
	prev := p.last
	p.last = nil
	if len(rec) != len(p.header) {
		p.probs.Add(w, "csv", "the row has %d cells, the header has %d columns", len(rec), len(p.header))
		return
	}
	bad := false
	for i, cell := range rec {
		if !utf8.ValidString(cell) {
			p.probs.Add(w, p.cols[i], "is not valid UTF-8")
			bad = true
		}
	}
	if bad {
		return
	}
	for i := range rec {
		rec[i] = unescapeCell(rec[i])
	}
	r := cells{rec: rec, index: p.index}
	action := strings.ToLower(strings.TrimSpace(r.get("action")))
	if !p.columnsFit(r, action, w) {
		return
	}
	switch action {
	case "source":
		p.c.Sources = append(p.c.Sources, graph.SourceChange{Where: w, Source: graph.SourceRecord{ID: r.get("id"), Title: r.get("title"),
			Publisher: r.get("publisher"), Author: r.get("author"), Published: r.get("published"), Retrieved: r.get("retrieved"),
			URL: r.get("url"), Language: r.get("language"), Kind: graph.SourceKind(strings.TrimSpace(r.get("kind"))), Note: r.get("note")}})
	case "entity":
		p.entityRow(r, w)
	case "predicate":
		p.predicateRow(r, w)
	default:
		p.relationRow(r, action == "retract", w, prev)
	}
}

// columnsFit checks the action and that only the columns it uses are
// filled.
func (p *parser) columnsFit(r cells, action, w string) bool {
	var allowed map[string]bool
	switch action {
	case "", "add", "retract":
		allowed = csvRelationCols
	case "entity":
		allowed = csvEntityCols
	case "predicate":
		allowed = csvPredicateCols
	case "source":
		allowed = csvSourceCols
	default:
		p.probs.Add(w, "action", "%q is not one of add (or empty), retract, entity, predicate, source", r.get("action"))
		return false
	}
	fit := true
	for i, cell := range r.rec {
		if !allowed[p.cols[i]] && strings.TrimSpace(cell) != "" {
			what := "relation rows"
			if action != "" {
				what = "rows with action " + action
			}
			p.probs.Add(w, p.cols[i], "is not used by %s: leave it empty", what)
			fit = false
		}
	}
	return fit
}

func (p *parser) entityRow(r cells, w string) {
	e := graph.EntityChange{Where: w, Entity: graph.Entity{ID: r.get("id"), Name: r.get("name"),
		Type: graph.EntityType(r.get("type")), Description: r.get("description")}}
	e.Entity.Aliases = splitList(r.get("aliases"))
	e.RemoveAliases = splitList(r.get("removeAliases"))
	p.c.Entities = append(p.c.Entities, e)
}

func (p *parser) predicateRow(r cells, w string) {
	pr := graph.Predicate{ID: r.get("id"), Label: r.get("label"), InverseLabel: r.get("inverseLabel"), Description: r.get("description"), Broader: r.get("broader")}
	for _, t := range splitList(r.get("subjectTypes")) {
		pr.SubjectTypes = append(pr.SubjectTypes, graph.EntityType(t))
	}
	for _, t := range splitList(r.get("objectTypes")) {
		pr.ObjectTypes = append(pr.ObjectTypes, graph.EntityType(t))
	}
	if s := strings.TrimSpace(r.get("objectOptional")); s != "" {
		v, err := strconv.ParseBool(s)
		if err != nil {
			p.probs.Add(w, "objectOptional", "%q is not true or false", r.get("objectOptional"))
			return
		}
		pr.ObjectOptional = v
	}
	p.c.Predicates = append(p.c.Predicates, graph.PredicateChange{Where: w, Predicate: pr})
}

// relationRow reads a relation or a retraction. A row with a source that
// states the same fact as the row before (prev) adds its source to it.
func (p *parser) relationRow(r cells, retract bool, w string, prev *lastRow) {
	rel := graph.Relation{ID: r.get("id"), Subject: r.get("subject"), Predicate: r.get("predicate"), Object: r.get("object"),
		Date: r.get("date"), EndDate: r.get("endDate"), Timing: graph.Timing(strings.TrimSpace(r.get("timing"))), Note: r.get("note")}
	for _, h := range splitList(r.get("hedges")) {
		rel.Hedges = append(rel.Hedges, graph.Hedge(h))
	}
	q, ok := p.quantity(r, w)
	if !ok {
		return
	}
	rel.Quantity = q
	src := graph.Source{SourceID: strings.TrimSpace(r.get("source")), Quote: r.get("quote"), Section: r.get("section"), Title: r.get("title"), URL: r.get("url")}
	sourced := src != graph.Source{}
	key := csvMergeKey(retract, &rel)
	if sourced && prev != nil && prev.retract == retract && prev.key == key {
		if retract {
			p.c.Retractions[prev.index].Relation.Sources = append(p.c.Retractions[prev.index].Relation.Sources, src)
		} else {
			p.c.Relations[prev.index].Relation.Sources = append(p.c.Relations[prev.index].Relation.Sources, src)
		}
		p.last = prev
		return
	}
	if sourced {
		rel.Sources = []graph.Source{src}
	}
	if retract {
		p.c.Retractions = append(p.c.Retractions, graph.Retraction{Where: w, Relation: rel})
		if sourced {
			p.last = &lastRow{key: key, retract: true, index: len(p.c.Retractions) - 1}
		}
	} else {
		p.c.Relations = append(p.c.Relations, graph.RelationChange{Where: w, Relation: rel})
		if sourced {
			p.last = &lastRow{key: key, index: len(p.c.Relations) - 1}
		}
	}
}

// quantity reads the quantity columns: nil when amount and the rest are
// empty; false after reporting a number that is not one, or bounds, a
// unit or an approximation without an amount.
func (p *parser) quantity(r cells, w string) (*graph.Quantity, bool) {
	ok := true
	number := func(col string) *float64 {
		s := strings.TrimSpace(r.get(col))
		if s == "" {
			return nil
		}
		f, err := format.ParseNumber(s)
		if err != nil {
			p.probs.Add(w, col, "%v", err)
			ok = false
			return nil
		}
		return &f
	}
	amount, lower, upper := number("amount"), number("lowerBound"), number("upperBound")
	unit, approx := r.get("unit"), r.get("approximation")
	switch {
	case amount != nil:
		return &graph.Quantity{Amount: *amount, LowerBound: lower, UpperBound: upper, Unit: unit, Approximation: graph.Approximation(approx)}, ok
	case strings.TrimSpace(r.get("amount")) == "" && (lower != nil || upper != nil || unit != "" || approx != ""):
		p.probs.Add(w, "amount", "is required when lowerBound, upperBound, unit or approximation is given")
		ok = false
	}
	return nil, ok
}

// splitList splits a list cell at "|" and trims the items.
// hedgeCell writes hedges as a list cell ("ALLEGED|PARTIAL"); hedges are
// names without "|", so the list needs no check.
func hedgeCell(hs []graph.Hedge) string {
	items := make([]string, len(hs))
	for i, h := range hs {
		items[i] = string(h)
	}
	return strings.Join(items, "|")
}

func splitList(cell string) []string {
	if strings.TrimSpace(cell) == "" {
		return nil
	}
	items := strings.Split(cell, "|")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
	}
	return items
}

// joinList is the inverse of splitList, refusing items it cannot carry.
func joinList(col string, items []string) (string, error) {
	if len(items) == 1 && items[0] == "" {
		return "", fmt.Errorf("%s: a list of one empty item cannot be written in CSV", col)
	}
	for _, it := range items {
		if strings.Contains(it, "|") {
			return "", fmt.Errorf("%s: %q contains \"|\", which separates items in CSV", col, it)
		}
		if strings.TrimSpace(it) != it {
			return "", fmt.Errorf("%s: %q has spaces at an end, which CSV drops", col, it)
		}
	}
	return strings.Join(items, "|"), nil
}

// lineStart is the offset where line n (from 1) of data starts
// (len(data) when there are not that many).
func lineStart(data []byte, n int) int {
	off := 0
	for i := 0; i < n-1; i++ {
		j := bytes.IndexByte(data[off:], '\n')
		if j < 0 {
			return len(data)
		}
		off += j + 1
	}
	return off
}

// Write writes a changeset in the CSV format: predicate rows, entity
// rows, relation rows (one per source) and retract rows, in the order of the
// changeset, under a header of the columns that carry a value.
func Write(w io.Writer, c *graph.Changeset) error {
	if err := format.CheckWritable(c); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	rows := sourceRows(c)
	preds, err := predicateRows(c)
	if err != nil {
		return err
	}
	rows = append(rows, preds...)
	ents, err := entityRows(c)
	if err != nil {
		return err
	}
	rels, err := relationRows(c)
	if err != nil {
		return err
	}
	rows = append(append(rows, ents...), rels...)
	header := usedColumns(rows)
	var buf bytes.Buffer
	cw := stdcsv.NewWriter(&buf)
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	for _, row := range rows {
		for i, col := range header {
			rec[i] = escapeCell(row[col])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// listCell writes a list cell of the item what, or says why CSV cannot
// hold it.
func listCell(what, col string, items []string) (string, error) {
	s, err := joinList(col, items)
	if err != nil {
		return "", fmt.Errorf("csv: %s: %w", what, err)
	}
	return s, nil
}

// sourceRows are the rows of the changeset's source records, by column.
func sourceRows(c *graph.Changeset) []map[string]string {
	var rows []map[string]string
	for _, sc := range c.Sources {
		s := sc.Source
		rows = append(rows, map[string]string{"action": "source", "id": s.ID, "title": s.Title, "publisher": s.Publisher, "author": s.Author,
			"published": s.Published, "retrieved": s.Retrieved, "url": s.URL, "language": s.Language, "kind": string(s.Kind), "note": s.Note})
	}
	return rows
}

// predicateRows are the rows of the changeset's predicates, by column.
func predicateRows(c *graph.Changeset) ([]map[string]string, error) {
	var rows []map[string]string
	for i, pc := range c.Predicates {
		p := pc.Predicate
		what := format.Describe("predicate", i, pc.Where, p.ID)
		row := map[string]string{"action": "predicate", "id": p.ID, "label": p.Label, "inverseLabel": p.InverseLabel, "description": p.Description, "broader": p.Broader}
		for col, ts := range map[string][]graph.EntityType{"subjectTypes": p.SubjectTypes, "objectTypes": p.ObjectTypes} {
			items := make([]string, len(ts))
			for j, t := range ts {
				items[j] = string(t)
			}
			s, err := listCell(what, col, items)
			if err != nil {
				return nil, err
			}
			row[col] = s
		}
		if p.ObjectOptional {
			row["objectOptional"] = "true"
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// entityRows are the rows of the changeset's entities, by column.
func entityRows(c *graph.Changeset) ([]map[string]string, error) {
	var rows []map[string]string
	for i, ec := range c.Entities {
		e := ec.Entity
		what := format.Describe("entity", i, ec.Where, e.ID)
		row := map[string]string{"action": "entity", "id": e.ID, "name": e.Name, "type": string(e.Type), "description": e.Description}
		var err error
		if row["aliases"], err = listCell(what, "aliases", e.Aliases); err != nil {
			return nil, err
		}
		if row["removeAliases"], err = listCell(what, "removeAliases", ec.RemoveAliases); err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// relationRows are the rows of the changeset's relations, then of its
// retractions, one per source, by column.
func relationRows(c *graph.Changeset) ([]map[string]string, error) {
	var rows []map[string]string
	for i, rc := range c.Relations {
		if err := noEmptySource(format.Describe("relation", i, rc.Where, rc.Relation.ID), &rc.Relation); err != nil {
			return nil, err
		}
		rows = append(rows, relRows("", &rc.Relation)...)
	}
	for i, rt := range c.Retractions {
		if err := noEmptySource(format.Describe("retraction", i, rt.Where, rt.Relation.ID), &rt.Relation); err != nil {
			return nil, err
		}
		rows = append(rows, relRows("retract", &rt.Relation)...)
	}
	return rows, nil
}

// relRows are the rows of one relation or retraction: one per source,
// each with the relation's cells.
func relRows(action string, r *graph.Relation) []map[string]string {
	base := map[string]string{"action": action, "id": r.ID, "subject": r.Subject, "predicate": r.Predicate, "object": r.Object,
		"date": r.Date, "endDate": r.EndDate, "timing": string(r.Timing), "hedges": hedgeCell(r.Hedges), "note": r.Note}
	if q := r.Quantity; q != nil {
		base["amount"] = format.FormatNumber(q.Amount)
		if q.LowerBound != nil {
			base["lowerBound"] = format.FormatNumber(*q.LowerBound)
		}
		if q.UpperBound != nil {
			base["upperBound"] = format.FormatNumber(*q.UpperBound)
		}
		base["unit"] = q.Unit
		base["approximation"] = string(q.Approximation)
	}
	if len(r.Sources) == 0 {
		return []map[string]string{base}
	}
	var out []map[string]string
	for _, s := range r.Sources {
		row := map[string]string{"source": s.SourceID, "quote": s.Quote, "section": s.Section, "title": s.Title, "url": s.URL}
		for k, v := range base {
			row[k] = v
		}
		out = append(out, row)
	}
	return out
}

// noEmptySource refuses a source with no text at all: a row carries one
// source, so it cannot be told from no source.
func noEmptySource(what string, r *graph.Relation) error {
	for j, s := range r.Sources {
		if s == (graph.Source{}) {
			return fmt.Errorf("csv: %s: sources[%d] is empty, which CSV cannot tell from no source", what, j)
		}
	}
	return nil
}

// usedColumns is the header: the columns some row fills, and those a file
// always has, in the order of csvColumns.
func usedColumns(rows []map[string]string) []string {
	used := map[string]bool{}
	for _, col := range csvAlwaysWritten {
		used[col] = true
	}
	for _, row := range rows {
		for k, v := range row {
			if v != "" {
				used[k] = true
			}
		}
	}
	var header []string
	for _, col := range csvColumns {
		if used[col] {
			header = append(header, col)
		}
	}
	return header
}

// Format is the CSV format, for the registry.
var Format = format.Format{Name: "csv", Title: "CSV", MediaType: "text/csv", Extensions: []string{".csv"}, Parse: Parse, Write: Write}
