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
	"amount", "lowerBound", "upperBound", "unit", "approximation", "hedges", "note", "quote", "section", "title", "url",
	"name", "type", "aliases", "removeAliases", "description",
	"label", "inverseLabel", "subjectTypes", "objectTypes", "objectOptional", "broader"}

// csvAlwaysWritten are the columns a full export always has, so that its
// header says what kind of file it is even when nothing fills them.
var csvAlwaysWritten = []string{"subject", "predicate", "quote"}

var (
	csvRelationCols  = format.KeySet("action", "id", "subject", "predicate", "object", "date", "endDate", "timing", "amount", "lowerBound", "upperBound", "unit", "approximation", "hedges", "note", "quote", "section", "title", "url")
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
	cr := stdcsv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	var probs format.Problems
	base := 0 // lines of data already read by an earlier reader
	where := func(line int) string { return fmt.Sprintf("%s:%d", name, line) }
	syntax := func(err error) {
		var pe *stdcsv.ParseError
		if errors.As(err, &pe) {
			hint := ""
			if errors.Is(pe.Err, stdcsv.ErrQuote) || errors.Is(pe.Err, stdcsv.ErrBareQuote) {
				hint = `: a cell with a " must be quoted whole, with the quote doubled ("He said ""no""")`
			}
			probs.Add(where(base+pe.StartLine), "csv", "%v (line %d, character %d)%s", pe.Err, base+pe.Line, pe.Column, hint)
			return
		}
		probs.Add(name, "csv", "%v", err)
	}

	c := &graph.Changeset{}
	header, err := cr.Read()
	if err == io.EOF {
		return c, nil // an empty file states nothing
	}
	if err != nil {
		syntax(err)
		return nil, probs.Err()
	}
	headerLine, _ := cr.FieldPos(0)
	canonical := map[string]string{}
	for _, col := range csvColumns {
		canonical[strings.ToLower(col)] = col
	}
	cols := make([]string, len(header)) // canonical name of each column
	index := map[string]int{}
	for i, h := range header {
		col, ok := canonical[strings.ToLower(strings.TrimSpace(h))]
		switch {
		case strings.TrimSpace(h) == "":
			probs.Add(where(headerLine), fmt.Sprintf("column %d", i+1), "has no name (known columns: %s)", strings.Join(csvColumns, ", "))
		case !ok:
			probs.Add(where(headerLine), h, "unknown column (known columns: %s)", strings.Join(csvColumns, ", "))
		default:
			if j, dup := index[col]; dup {
				probs.Add(where(headerLine), col, "duplicate column (columns %d and %d)", j+1, i+1)
			}
			index[col] = i
			cols[i] = col
		}
	}
	if !probs.Empty() {
		return nil, probs.Err()
	}

	// last is the relation or retraction of the previous row, which a row
	// of the same fact with another source extends.
	type lastRow struct {
		key     string
		retract bool
		index   int
	}
	var last *lastRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// a quote left open swallows every line after it: report it,
			// then read on from the line after the one it opened on, so
			// that the problems of the rows after it are reported too
			syntax(err)
			last = nil
			var pe *stdcsv.ParseError
			if !errors.As(err, &pe) {
				break
			}
			next := lineStart(data, pe.StartLine+1)
			if next >= len(data) {
				break
			}
			base += pe.StartLine
			cr = stdcsv.NewReader(bytes.NewReader(data[next:]))
			cr.FieldsPerRecord = -1
			data = data[next:]
			continue
		}
		line, _ := cr.FieldPos(0)
		line += base
		w := where(line)
		prev := last
		last = nil
		if len(rec) != len(header) {
			probs.Add(w, "csv", "the row has %d cells, the header has %d columns", len(rec), len(header))
			continue
		}
		bad := false
		for i, cell := range rec {
			if !utf8.ValidString(cell) {
				probs.Add(w, cols[i], "is not valid UTF-8")
				bad = true
			}
		}
		if bad {
			continue
		}
		for i := range rec {
			rec[i] = unescapeCell(rec[i])
		}
		get := func(col string) string {
			if i, ok := index[col]; ok {
				return rec[i]
			}
			return ""
		}
		action := strings.ToLower(strings.TrimSpace(get("action")))
		var allowed map[string]bool
		switch action {
		case "", "add", "retract":
			allowed = csvRelationCols
		case "entity":
			allowed = csvEntityCols
		case "predicate":
			allowed = csvPredicateCols
		default:
			probs.Add(w, "action", "%q is not one of add (or empty), retract, entity, predicate", get("action"))
			continue
		}
		for i, cell := range rec {
			if !allowed[cols[i]] && strings.TrimSpace(cell) != "" {
				what := "relation rows"
				if action != "" {
					what = "rows with action " + action
				}
				probs.Add(w, cols[i], "is not used by %s: leave it empty", what)
				bad = true
			}
		}
		if bad {
			continue
		}
		switch action {
		case "entity":
			e := graph.EntityChange{Where: w, Entity: graph.Entity{ID: get("id"), Name: get("name"),
				Type: graph.EntityType(get("type")), Description: get("description")}}
			e.Entity.Aliases = splitList(get("aliases"))
			e.RemoveAliases = splitList(get("removeAliases"))
			c.Entities = append(c.Entities, e)
		case "predicate":
			p := graph.Predicate{ID: get("id"), Label: get("label"), InverseLabel: get("inverseLabel"), Description: get("description"), Broader: get("broader")}
			for _, t := range splitList(get("subjectTypes")) {
				p.SubjectTypes = append(p.SubjectTypes, graph.EntityType(t))
			}
			for _, t := range splitList(get("objectTypes")) {
				p.ObjectTypes = append(p.ObjectTypes, graph.EntityType(t))
			}
			if s := strings.TrimSpace(get("objectOptional")); s != "" {
				v, err := strconv.ParseBool(s)
				if err != nil {
					probs.Add(w, "objectOptional", "%q is not true or false", get("objectOptional"))
					continue
				}
				p.ObjectOptional = v
			}
			c.Predicates = append(c.Predicates, graph.PredicateChange{Where: w, Predicate: p})
		default:
			retract := action == "retract"
			rel := graph.Relation{ID: get("id"), Subject: get("subject"), Predicate: get("predicate"), Object: get("object"),
				Date: get("date"), EndDate: get("endDate"), Timing: graph.Timing(strings.TrimSpace(get("timing"))), Note: get("note")}
			for _, h := range splitList(get("hedges")) {
				rel.Hedges = append(rel.Hedges, graph.Hedge(h))
			}
			ok := true
			number := func(col string) *float64 {
				s := strings.TrimSpace(get(col))
				if s == "" {
					return nil
				}
				f, err := format.ParseNumber(s)
				if err != nil {
					probs.Add(w, col, "%v", err)
					ok = false
					return nil
				}
				return &f
			}
			amount, lower, upper := number("amount"), number("lowerBound"), number("upperBound")
			unit, approx := get("unit"), get("approximation")
			switch {
			case amount != nil:
				rel.Quantity = &graph.Quantity{Amount: *amount, LowerBound: lower, UpperBound: upper, Unit: unit, Approximation: graph.Approximation(approx)}
			case strings.TrimSpace(get("amount")) == "" && (lower != nil || upper != nil || unit != "" || approx != ""):
				probs.Add(w, "amount", "is required when lowerBound, upperBound, unit or approximation is given")
				ok = false
			}
			src := graph.Source{Quote: get("quote"), Section: get("section"), Title: get("title"), URL: get("url")}
			sourced := src != graph.Source{}
			if !ok {
				continue
			}
			key := csvMergeKey(retract, &rel)
			if sourced && prev != nil && prev.retract == retract && prev.key == key {
				if retract {
					c.Retractions[prev.index].Relation.Sources = append(c.Retractions[prev.index].Relation.Sources, src)
				} else {
					c.Relations[prev.index].Relation.Sources = append(c.Relations[prev.index].Relation.Sources, src)
				}
				last = prev
				continue
			}
			if sourced {
				rel.Sources = []graph.Source{src}
			}
			if retract {
				c.Retractions = append(c.Retractions, graph.Retraction{Where: w, Relation: rel})
				if sourced {
					last = &lastRow{key: key, retract: true, index: len(c.Retractions) - 1}
				}
			} else {
				c.Relations = append(c.Relations, graph.RelationChange{Where: w, Relation: rel})
				if sourced {
					last = &lastRow{key: key, index: len(c.Relations) - 1}
				}
			}
		}
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	return c, nil
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
	var rows []map[string]string
	list := func(what, col string, items []string) (string, error) {
		s, err := joinList(col, items)
		if err != nil {
			return "", fmt.Errorf("csv: %s: %w", what, err)
		}
		return s, nil
	}
	for i, pc := range c.Predicates {
		p := pc.Predicate
		what := format.Describe("predicate", i, pc.Where, p.ID)
		row := map[string]string{"action": "predicate", "id": p.ID, "label": p.Label, "inverseLabel": p.InverseLabel, "description": p.Description, "broader": p.Broader}
		for col, ts := range map[string][]graph.EntityType{"subjectTypes": p.SubjectTypes, "objectTypes": p.ObjectTypes} {
			items := make([]string, len(ts))
			for j, t := range ts {
				items[j] = string(t)
			}
			s, err := list(what, col, items)
			if err != nil {
				return err
			}
			row[col] = s
		}
		if p.ObjectOptional {
			row["objectOptional"] = "true"
		}
		rows = append(rows, row)
	}
	for i, ec := range c.Entities {
		e := ec.Entity
		what := format.Describe("entity", i, ec.Where, e.ID)
		row := map[string]string{"action": "entity", "id": e.ID, "name": e.Name, "type": string(e.Type), "description": e.Description}
		var err error
		if row["aliases"], err = list(what, "aliases", e.Aliases); err != nil {
			return err
		}
		if row["removeAliases"], err = list(what, "removeAliases", ec.RemoveAliases); err != nil {
			return err
		}
		rows = append(rows, row)
	}
	relRows := func(action string, r *graph.Relation) []map[string]string {
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
			row := map[string]string{"quote": s.Quote, "section": s.Section, "title": s.Title, "url": s.URL}
			for k, v := range base {
				row[k] = v
			}
			out = append(out, row)
		}
		return out
	}
	// A row carries one source, so a source with no text at all cannot be
	// told from no source.
	noEmptySource := func(what string, r *graph.Relation) error {
		for j, s := range r.Sources {
			if s == (graph.Source{}) {
				return fmt.Errorf("csv: %s: sources[%d] is empty, which CSV cannot tell from no source", what, j)
			}
		}
		return nil
	}
	for i, rc := range c.Relations {
		if err := noEmptySource(format.Describe("relation", i, rc.Where, rc.Relation.ID), &rc.Relation); err != nil {
			return err
		}
		rows = append(rows, relRows("", &rc.Relation)...)
	}
	for i, rt := range c.Retractions {
		if err := noEmptySource(format.Describe("retraction", i, rt.Where, rt.Relation.ID), &rt.Relation); err != nil {
			return err
		}
		rows = append(rows, relRows("retract", &rt.Relation)...)
	}

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
	_, err := w.Write(buf.Bytes())
	return err
}

// Format is the CSV format, for the registry.
var Format = format.Format{Name: "csv", Title: "CSV", MediaType: "text/csv", Extensions: []string{".csv"}, Parse: Parse, Write: Write}
