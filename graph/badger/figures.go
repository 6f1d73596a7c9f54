package badger

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// The figures index (layout 5). Every relation with a quantity has a key
//
//	f:<object>␀<predicate>␀<unit>␀<relation id> → amount, subject, date, end date
//
// and every object, predicate and unit with figures a summary
//
//	F:<object>␀<predicate>␀<unit> → count, the largest figure, the latest
//
// so that the figures of the whole graph, grouped by object, are read from
// one summary per object, predicate and unit (14,000 for the 175,000
// figures of the generated million relations) rather than from every
// relation, and any other figures query reads the index, not the
// relations. The unit comes before the relation id, which is a slug
// without ␀: a unit may hold any byte, and a key is parsed from both ends.
const (
	pFigure        = "f:"
	pFigureSummary = "F:"
)

// figureGroup names the summary a figure counts in.
type figureGroup struct{ object, predicate, unit string }

func groupOf(f graph.Figure) figureGroup { return figureGroup{f.Object, f.Predicate, f.Unit} }

// indexParts are the key parts of a figure after f: (see relationIndex).
func (g figureGroup) indexParts() (a, b string) { return g.object, g.predicate + sep + g.unit }

func (g figureGroup) summaryKey() []byte {
	return key(pFigureSummary, g.object, sep, g.predicate, sep, g.unit)
}

func (g figureGroup) indexPrefix() []byte {
	return key(pFigure, g.object, sep, g.predicate, sep, g.unit, sep)
}

// figureKeys parses figures index keys, sharing the strings of a group
// between its keys, which are next to one another in key order: a scan of
// every figure makes three strings fewer for each.
type figureKeys struct {
	raw []byte // the group part of the key parsed before
	g   figureGroup
}

func (p *figureKeys) parse(k []byte) (g figureGroup, id string, ok bool) {
	rest := k[len(pFigure):]
	last := bytes.LastIndexByte(rest, 0)
	if last < 0 {
		return g, "", false
	}
	if p.raw == nil || !bytes.Equal(rest[:last], p.raw) {
		if p.g, ok = parseGroup(rest[:last]); !ok {
			p.raw = nil
			return g, "", false
		}
		p.raw = append(p.raw[:0], rest[:last]...)
	}
	return p.g, string(rest[last+1:]), true
}

// parseGroup reads <object>␀<predicate>␀<unit>; the unit is the rest.
func parseGroup(b []byte) (g figureGroup, ok bool) {
	parts := bytes.SplitN(b, []byte(sep), 3)
	if len(parts) != 3 {
		return g, false
	}
	return figureGroup{string(parts[0]), string(parts[1]), string(parts[2])}, true
}

// figureValue is the value of a figure's index key: the amount (the bits
// of a float64), then the subject, date, end date and timing, each after
// its length (the timing since layout 7).
func figureValue(f graph.Figure) string {
	b := binary.BigEndian.AppendUint64(nil, math.Float64bits(f.Amount))
	for _, s := range []string{f.Subject, f.Date, f.EndDate, string(f.Timing)} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return string(b)
}

var errFigureValue = errors.New("a figures index value is corrupt")

// readStrings reads n strings, each after its length.
func readStrings(b []byte, out ...*string) ([]byte, error) {
	for _, s := range out {
		n, w := binary.Uvarint(b)
		if w <= 0 || uint64(len(b)-w) < n {
			return nil, errFigureValue
		}
		*s, b = string(b[w:w+int(n)]), b[w+int(n):]
	}
	return b, nil
}

// decodeFigure fills f's amount, subject, dates and timing from v.
func decodeFigure(v []byte, f *graph.Figure) ([]byte, error) {
	if len(v) < 8 {
		return nil, errFigureValue
	}
	f.Amount = math.Float64frombits(binary.BigEndian.Uint64(v))
	var timing string
	rest, err := readStrings(v[8:], &f.Subject, &f.Date, &f.EndDate, &timing)
	f.Timing = graph.Timing(timing)
	return rest, err
}

// summaryValue encodes a summary: the count, then the largest and the
// latest figure (id, then as figureValue; an empty id for no latest).
func summaryValue(s *graph.FigureSummary) []byte {
	b := binary.AppendUvarint(nil, uint64(s.Count))
	for _, f := range []graph.Figure{s.Largest, s.Latest} {
		b = binary.AppendUvarint(b, uint64(len(f.Relation)))
		b = append(b, f.Relation...)
		if f.Relation != "" {
			b = append(b, figureValue(f)...)
		}
	}
	return b
}

func decodeSummary(g figureGroup, v []byte) (graph.FigureSummary, error) {
	s := graph.FigureSummary{Object: g.object, Predicate: g.predicate, Unit: g.unit}
	n, w := binary.Uvarint(v)
	if w <= 0 {
		return s, errFigureValue
	}
	s.Count, v = int(n), v[w:]
	for _, f := range []*graph.Figure{&s.Largest, &s.Latest} {
		var err error
		if v, err = readStrings(v, &f.Relation); err != nil {
			return s, err
		}
		if f.Relation == "" {
			continue
		}
		f.Subject, f.Predicate, f.Object, f.Unit = "", g.predicate, g.object, g.unit
		if v, err = decodeFigure(v, f); err != nil {
			return s, err
		}
	}
	return s, nil
}

// figureSummaries sums up figures in memory: for the bulk build and the
// migration to layout 5.
type figureSummaries map[figureGroup]*graph.FigureSummary

// add counts f in its group's summary, which it returns.
func (m figureSummaries) add(f graph.Figure) *graph.FigureSummary {
	g := groupOf(f)
	s := m[g]
	if s == nil {
		s = &graph.FigureSummary{Object: g.object, Predicate: g.predicate, Unit: g.unit}
		m[g] = s
	}
	s.Add(f)
	return s
}

// figureDelta is what a write does to one summary.
type figureDelta struct {
	added   []graph.Figure
	removed map[string]bool // relation ids
}

// countFigures records that a write replaces the figure of old with the
// figure of new (either may be nil or hold no quantity).
func (m *mutation) countFigures(old, new *graph.Relation) {
	var of, nf graph.Figure
	var hadOld, hasNew bool
	if old != nil {
		of, hadOld = graph.FigureOf(old)
	}
	if new != nil {
		nf, hasNew = graph.FigureOf(new)
	}
	if hadOld && hasNew && of == nf {
		return // sources or notes changed, not the figure
	}
	delta := func(g figureGroup) *figureDelta {
		if m.figures == nil {
			m.figures = map[figureGroup]*figureDelta{}
		}
		d := m.figures[g]
		if d == nil {
			d = &figureDelta{removed: map[string]bool{}}
			m.figures[g] = d
		}
		return d
	}
	if hadOld {
		delta(groupOf(of)).removed[of.Relation] = true
	}
	if hasNew {
		d := delta(groupOf(nf))
		d.added = append(d.added, nf)
	}
}

// resolveFigures turns the figures a write adds and removes into writes of
// the summaries, reading the store as it was before the write (writers are
// serialised). A summary whose largest or latest figure goes is summed up
// again from its part of the index, the figures removed left out and the
// ones added counted in; otherwise the figures added are compared with the
// two it holds.
func (m *mutation) resolveFigures(txn *bg.Txn) error {
	for g, d := range m.figures {
		s := graph.FigureSummary{Object: g.object, Predicate: g.predicate, Unit: g.unit}
		item, err := txn.Get(g.summaryKey())
		switch {
		case errors.Is(err, bg.ErrKeyNotFound):
		case err != nil:
			return err
		default:
			if err := item.Value(func(v []byte) error {
				s, err = decodeSummary(g, v)
				return err
			}); err != nil {
				return fmt.Errorf("summary of figures %q: %w", g.summaryKey(), err)
			}
		}
		if d.removed[s.Largest.Relation] || d.removed[s.Latest.Relation] || s.Count < len(d.removed) {
			if s, err = summarize(txn, g, d.removed); err != nil {
				return err
			}
		} else {
			s.Count -= len(d.removed)
		}
		for _, f := range d.added {
			s.Add(f)
		}
		if s.Count == 0 {
			m.remove(string(g.summaryKey()))
		} else {
			m.put(string(g.summaryKey()), summaryValue(&s))
		}
	}
	m.figures = nil
	return nil
}

// summarize sums up the figures of a group from the index, leaving out the
// relations in skip.
func summarize(txn *bg.Txn, g figureGroup, skip map[string]bool) (graph.FigureSummary, error) {
	s := graph.FigureSummary{Object: g.object, Predicate: g.predicate, Unit: g.unit}
	prefix := g.indexPrefix()
	it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var keys figureKeys
	for it.Rewind(); it.Valid(); it.Next() {
		kg, id, ok := keys.parse(it.Item().Key())
		if !ok || kg != g || skip[id] {
			continue // a longer unit that shares the prefix
		}
		f := graph.Figure{Relation: id, Predicate: g.predicate, Object: g.object, Unit: g.unit}
		if err := it.Item().Value(func(v []byte) error { _, err := decodeFigure(v, &f); return err }); err != nil {
			return s, fmt.Errorf("figure %s: %w", id, err)
		}
		s.Add(f)
	}
	return s, nil
}

// FigureSummaries implements graph.Figures.
func (s *Store) FigureSummaries(ctx context.Context, f graph.FigureFilter, each func(*graph.FigureSummary) error) error {
	if f.Subject != "" || !f.Dates.Open() {
		return graph.Errorf(graph.EINVALID, "figure summaries are kept per object, predicate and unit: a subject or a date range needs Figures")
	}
	return s.view(func(txn *bg.Txn) error {
		prefix := key(pFigureSummary)
		if f.Object != "" {
			prefix = key(pFigureSummary, f.Object, sep)
		}
		it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
		defer it.Close()
		var sum graph.FigureSummary
		var object string // the object of the summaries before, shared rather than copied for each
		n := 0
		budget := graph.BudgetOf(ctx)
		for it.Rewind(); it.Valid(); it.Next() {
			if n++; n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := budget.Entries(1); err != nil {
				return err
			}
			k := it.Item().Key()
			parts := bytes.SplitN(k[len(pFigureSummary):], []byte(sep), 3)
			if len(parts) != 3 {
				return fmt.Errorf("a figures summary key is corrupt: %q", k)
			}
			if len(f.Predicates) > 0 && !slices.Contains(f.Predicates, string(parts[1])) || f.HasUnit && string(parts[2]) != f.Unit {
				continue
			}
			if object != string(parts[0]) {
				object = string(parts[0])
			}
			g := figureGroup{object, string(parts[1]), string(parts[2])}
			err := it.Item().Value(func(v []byte) error {
				var err error
				sum, err = decodeSummary(g, v)
				return err
			})
			if err != nil {
				return fmt.Errorf("summary of figures %q: %w", k, err)
			}
			if err := each(&sum); err != nil {
				return err
			}
		}
		return nil
	})
}

// Figures implements graph.Figures. With an object, it reads that object's
// part of the index (the part of each predicate asked); with only a
// subject, the subject's relations; otherwise the whole index.
func (s *Store) Figures(ctx context.Context, f graph.FigureFilter, limit int, each func(graph.Figure) error) error {
	read := 0
	tooMany := func() error {
		return graph.Errorf(graph.EINVALID, "the filter reaches more than %d figures: narrow it (a predicate, an object or subject, a date range)", limit)
	}
	return s.view(func(txn *bg.Txn) error {
		if f.Subject != "" && f.Object == "" {
			return s.subjectFigures(ctx, txn, f, limit, each)
		}
		var prefixes [][]byte
		switch {
		case f.Object != "" && len(f.Predicates) > 0:
			preds := append([]string(nil), f.Predicates...)
			sort.Strings(preds)
			for _, p := range preds {
				prefixes = append(prefixes, key(pFigure, f.Object, sep, p, sep))
			}
		case f.Object != "":
			prefixes = [][]byte{key(pFigure, f.Object, sep)}
		default:
			prefixes = [][]byte{key(pFigure)}
		}
		var keys figureKeys
		budget := graph.BudgetOf(ctx)
		for _, prefix := range prefixes {
			it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
			for it.Rewind(); it.Valid(); it.Next() {
				if read++; read > limit {
					it.Close()
					return tooMany()
				}
				if err := budget.Entries(1); err != nil {
					it.Close()
					return err
				}
				if read%1024 == 0 {
					if err := ctx.Err(); err != nil {
						it.Close()
						return err
					}
				}
				g, id, ok := keys.parse(it.Item().Key())
				if !ok {
					it.Close()
					return fmt.Errorf("a figures index key is corrupt: %q", it.Item().Key())
				}
				fig := graph.Figure{Relation: id, Predicate: g.predicate, Object: g.object, Unit: g.unit}
				if len(f.Predicates) > 0 && !slices.Contains(f.Predicates, g.predicate) || f.HasUnit && g.unit != f.Unit {
					continue // decode only what the key does not rule out
				}
				if err := it.Item().Value(func(v []byte) error { _, err := decodeFigure(v, &fig); return err }); err != nil {
					it.Close()
					return fmt.Errorf("figure %s: %w", id, err)
				}
				if !f.Keeps(fig) {
					continue
				}
				if err := each(fig); err != nil {
					it.Close()
					return err
				}
			}
			it.Close()
		}
		return nil
	})
}

// subjectFigures lists the figures of a subject from its relations (the
// index is by object).
func (s *Store) subjectFigures(ctx context.Context, txn *bg.Txn, f graph.FigureFilter, limit int, each func(graph.Figure) error) error {
	var prefixes [][]byte
	if len(f.Predicates) > 0 {
		for _, p := range f.Predicates {
			prefixes = append(prefixes, key(pOut, f.Subject, sep, p, sep))
		}
	} else {
		prefixes = [][]byte{key(pOut, f.Subject, sep)}
	}
	budget := graph.BudgetOf(ctx)
	// the adjacency counters say how many relations this reads
	total := int64(0)
	for _, p := range f.Predicates {
		c, err := readCount(txn, adjName(f.Subject, adjOut, p))
		if err != nil {
			return err
		}
		total += c
	}
	if len(f.Predicates) == 0 {
		c, err := readCount(txn, adjName(f.Subject, adjOut, ""))
		if err != nil {
			return err
		}
		total = c
	}
	if err := budget.Afford(int(total), fmt.Sprintf("listing the figures of %s reads its %s relations as subject", f.Subject, graph.Thousands(int(total))),
		"an object, a predicate, or leave the figures of each group out"); err != nil {
		return err
	}
	read := 0
	for _, prefix := range prefixes {
		var ids []string
		it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
		for it.Rewind(); it.Valid(); it.Next() {
			if read++; read > limit {
				it.Close()
				return graph.Errorf(graph.EINVALID, "the subject has more than %d relations: narrow the filter (an object)", limit)
			}
			if err := budget.Entries(1); err != nil {
				it.Close()
				return err
			}
			ids = append(ids, relationIDOf(prefix, it.Item().Key()))
		}
		it.Close()
		for i, id := range ids {
			if i%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := budget.Records(1); err != nil {
				return err
			}
			r, err := txnView{txn}.Relation(id)
			if err != nil {
				return err
			}
			if r == nil {
				continue // as scanRelations: an index key without its relation lists nothing
			}
			if fig, ok := graph.FigureOf(r); ok && f.Keeps(fig) {
				if err := each(fig); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// reindexFigures writes the figures index and its summaries (layout 5) of
// a store of an older layout: one read of the relations, then batches.
// Keys left by an interrupted run are dropped first.
func (s *Store) reindexFigures() error {
	for _, p := range []string{pFigure, pFigureSummary} {
		if err := s.db.DropPrefix([]byte(p)); err != nil {
			return err
		}
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	sums := figureSummaries{}
	err := s.view(func(txn *bg.Txn) error {
		return eachStored(context.Background(), txn, pRelation, func(r *graph.Relation) error {
			fig, ok := graph.FigureOf(r)
			if !ok {
				return nil
			}
			sums.add(fig)
			a, b := groupOf(fig).indexParts()
			return wb.Set(key(pFigure, a, sep, b, sep, fig.Relation), []byte(figureValue(fig)))
		})
	})
	if err != nil {
		return err
	}
	for g, sum := range sums {
		if err := wb.Set(g.summaryKey(), summaryValue(sum)); err != nil {
			return err
		}
	}
	return wb.Flush()
}

// countWithFigures counts relations with (or without) a quantity, of an
// object or of the whole graph, from the summaries of figures: those with
// one are the summaries' counts, those without are the rest of what the
// counters hold. ok is false when the filter needs a scan.
func (s *Store) countWithFigures(ctx context.Context, f graph.RelationFilter) (n int, ok bool, err error) {
	if f.HasQuantity == nil || f.Entity != "" || f.Subject != "" || !f.Dates.Open() || f.OtherType != "" || f.DatedOnly {
		return 0, false, nil
	}
	figures := 0
	ff := graph.FigureFilter{Object: f.Object, Predicates: f.Predicates}
	err = s.FigureSummaries(ctx, ff, func(sum *graph.FigureSummary) error {
		figures += sum.Count
		return nil
	})
	if err != nil || *f.HasQuantity {
		return figures, true, err
	}
	all := f
	all.HasQuantity = nil
	if f.Object == "" {
		n, err = s.countByPredicate("relations", "pred:", f.Predicates)
	} else {
		n, _, err = s.countAdjacent(all)
	}
	return n - figures, true, err
}
