package badger

import (
	"bytes"
	"context"
	"errors"
	"slices"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// segment is one prefix scan of an index. A query is a list of segments read
// in order; the cursor is the last key returned, so a page can resume inside
// any segment.
type segment struct {
	prefix []byte
	// start is where the scan begins inside prefix (nil: at the prefix).
	start []byte
	// past reports that the scan has gone beyond what the query wants.
	past func(k []byte) bool
	// keep filters relations by what only this segment knows (nil keeps all).
	keep func(txn *bg.Txn, k []byte, r *graph.Relation) bool
}

// dateSegments scans a date index (base is "d:" or "D:<entity>\x00") for
// relations whose date overlaps r, without reading the dates outside it:
// first those whose whole period lies within r (in date order), then those
// that only overlap it, a year-only date or a period reaching out of it (in
// date order too), so that a fact dated "2022" does not crowd out
// September's from a timeline of September (graph.DateRange.Contains).
//
// Keys sort by first day ("2023" < "2023-03" < "2023-03-01"), so the facts
// within a range that starts on a day are keys from that day on, until a
// key's first day is after the range; those that overlap it besides are
// the year of that day, its month, and, among the keys from the day on,
// those that end after the range. Periods (relations with an endDate, or
// open at the end) that began before the range and reach into it are found
// in the period index (periodBase: "q:" or "Q:<entity>\x00"), which lists
// only periods, by start; they are read in three slices that fall between
// the slices of the date index, so that the overlap stays in date order.
func dateSegments(base, periodBase []byte, r graph.DateRange, mode int) []segment {
	dateOf := func(b, k []byte) string {
		rest := k[len(b):]
		if i := bytes.IndexByte(rest, 0); i >= 0 {
			rest = rest[:i]
		}
		return string(rest)
	}
	past := func(k []byte) bool {
		if r.To == "" {
			return false
		}
		d, err := graph.ParseDate(dateOf(base, k))
		return err == nil && d.First() > r.To
	}
	if r.Open() {
		return []segment{{prefix: base}}
	}
	overlap := []segment{{prefix: base, past: past}}
	if r.From != "" {
		join := func(a []byte, b string, tail ...byte) []byte {
			return append(append(append([]byte(nil), a...), b...), tail...)
		}
		year, month := r.From[:4], r.From[:7]
		periodsBefore := func(bound string) func(k []byte) bool {
			return func(k []byte) bool { return dateOf(periodBase, k) >= bound }
		}
		// a period dated by the year (or month) itself is listed with that
		// year's (month's) facts, not again among the periods
		not := func(date string) func(*bg.Txn, []byte, *graph.Relation) bool {
			return func(_ *bg.Txn, k []byte, _ *graph.Relation) bool { return dateOf(periodBase, k) != date }
		}
		overlap = []segment{
			{prefix: periodBase, past: periodsBefore(year)},
			{prefix: join(base, year, 0), past: past},
			{prefix: periodBase, start: join(periodBase, year), past: periodsBefore(month), keep: not(year)},
			{prefix: join(base, month, 0), past: past},
			{prefix: periodBase, start: join(periodBase, month), past: periodsBefore(r.From), keep: not(month)},
			{prefix: base, start: join(base, r.From), past: past},
		}
	}
	if mode == overlapOnce {
		return overlap
	}
	// the same slices twice: the facts within the range, then the others
	segs := make([]segment, 0, 2*len(overlap))
	parts := []bool{true, false}
	if mode == withinOnly {
		parts = parts[:1]
	}
	for _, within := range parts {
		for _, seg := range overlap {
			keep := seg.keep
			seg.keep = func(txn *bg.Txn, k []byte, rel *graph.Relation) bool {
				return r.Contains(rel.Date, rel.SpanEnd()) == within && (keep == nil || keep(txn, k, rel))
			}
			segs = append(segs, seg)
		}
	}
	return segs
}

// relationIDOf returns the relation id at the end of an index key.
func relationIDOf(prefix, k []byte) string {
	if bytes.Equal(prefix, []byte(pRelation)) {
		return string(k[len(prefix):])
	}
	return string(k[bytes.LastIndexByte(k, 0)+1:])
}

// plan picks the index segments for a filter.
func (s *Store) segments(f graph.RelationFilter) ([]segment, error) {
	single := ""
	if len(f.Predicates) == 1 {
		single = f.Predicates[0]
	}
	adj := func(p, id string) []byte {
		if single != "" {
			return key(p, id, sep, single, sep)
		}
		return key(p, id, sep)
	}
	if f.Entity != "" {
		dir := f.Direction
		if dir == "" {
			dir = graph.Both
		}
		if dir != graph.Out && dir != graph.In && dir != graph.Both {
			return nil, graph.Errorf(graph.EINVALID, "direction: %q is not OUT, IN or BOTH", dir)
		}
		var segs []segment
		if dir == graph.Out || dir == graph.Both {
			segs = append(segs, segment{prefix: adj(pOut, f.Entity)})
		}
		if dir == graph.In || dir == graph.Both {
			seg := segment{prefix: adj(pIn, f.Entity)}
			if dir == graph.Both {
				// a relation from the entity to itself was already listed as OUT
				seg.keep = func(_ *bg.Txn, _ []byte, r *graph.Relation) bool { return r.Subject != f.Entity }
			}
			segs = append(segs, seg)
		}
		return segs, nil
	}
	if f.HasQuantity != nil && *f.HasQuantity && f.Subject == "" && (f.Object != "" || len(f.Predicates) == 0) {
		// figures of an object, or of the whole graph: the figures index
		// lists them alone, not every relation of a hub
		if f.Object == "" {
			return []segment{{prefix: key(pFigure)}}, nil
		}
		if len(f.Predicates) == 0 {
			return []segment{{prefix: key(pFigure, f.Object, sep)}}, nil
		}
		var segs []segment
		for _, p := range slices.Compact(slices.Sorted(slices.Values(f.Predicates))) {
			segs = append(segs, segment{prefix: key(pFigure, f.Object, sep, p, sep)})
		}
		return segs, nil
	}
	switch {
	case f.Subject != "":
		return []segment{{prefix: adj(pOut, f.Subject)}}, nil
	case f.Object != "":
		return []segment{{prefix: adj(pIn, f.Object)}}, nil
	case len(f.Predicates) > 0:
		segs := make([]segment, 0, len(f.Predicates))
		seen := map[string]bool{}
		for _, p := range f.Predicates {
			if !seen[p] {
				seen[p] = true
				segs = append(segs, segment{prefix: key(pByPred, p, sep)})
			}
		}
		return segs, nil
	}
	return []segment{{prefix: key(pRelation)}}, nil
}

// How dateSegments orders what it reads.
const (
	withinFirst = iota // the relations within the range, then those that only overlap it (a listing)
	withinOnly         // the relations within the range alone (RelationFilter.Within)
	overlapOnce        // every relation that overlaps the range, once, in no particular part (a count)
)

// datedSegments lists relations in date order: dated ones from the date
// index, then (unless the range excludes them) the undated ones.
func (s *Store) datedSegments(f graph.RelationFilter) ([]segment, error) {
	mode := withinFirst
	if f.Within {
		mode = withinOnly
	}
	return s.datedSegmentsIn(f, mode)
}

// datedSegmentsIn is datedSegments with the date index read in mode.
func (s *Store) datedSegmentsIn(f graph.RelationFilter, mode int) ([]segment, error) {
	undated := func(_ *bg.Txn, _ []byte, r *graph.Relation) bool { return r.Date == "" }
	if f.Entity != "" {
		segs := dateSegments(key(pEntDate, f.Entity, sep), key(pEntPeriod, f.Entity, sep), f.Dates, mode)
		if f.Dates.Open() && !f.DatedOnly {
			rest, err := s.segments(f)
			if err != nil {
				return nil, err
			}
			for _, seg := range rest {
				inner := seg.keep
				seg.keep = func(txn *bg.Txn, k []byte, r *graph.Relation) bool {
					return undated(txn, k, r) && (inner == nil || inner(txn, k, r))
				}
				segs = append(segs, seg)
			}
		}
		return segs, nil
	}
	if end := f.Subject + f.Object; f.Subject == "" || f.Object == "" {
		if end != "" {
			// one end is known: its own date index, not the whole graph's
			f.Entity = end
			return s.datedSegmentsIn(f, mode)
		}
	}
	segs := dateSegments(key(pDate), key(pPeriod), f.Dates, mode)
	if f.Dates.Open() && !f.DatedOnly {
		segs = append(segs, segment{prefix: key(pRelation), keep: undated})
	}
	return segs, nil
}

// matches applies the filters that every segment shares.
func matches(f *graph.RelationFilter, r *graph.Relation, typeOf func(id string) graph.EntityType) bool {
	if len(f.Predicates) > 0 {
		if !slices.Contains(f.Predicates, r.Predicate) {
			return false
		}
	}
	if f.Subject != "" && r.Subject != f.Subject {
		return false
	}
	if f.Object != "" && r.Object != f.Object {
		return false
	}
	if f.Entity != "" {
		switch f.Direction {
		case graph.Out:
			if r.Subject != f.Entity {
				return false
			}
		case graph.In:
			if r.Object != f.Entity {
				return false
			}
		}
	}
	if !f.Dates.Overlaps(r.Date, r.SpanEnd()) || f.Within && !f.Dates.Contains(r.Date, r.SpanEnd()) {
		return false
	}
	if f.HasQuantity != nil && (r.Quantity != nil) != *f.HasQuantity {
		return false
	}
	if f.OtherType != "" {
		other := r.Object
		if f.Entity != "" && r.Object == f.Entity {
			other = r.Subject
		}
		if other == "" || typeOf(other) != f.OtherType {
			return false
		}
	}
	return true
}

// scanRelations walks the segments from the cursor and calls yield for each
// matching relation with its position, until yield returns false. A
// position (and a cursor, its encoding) is the index of its segment, one
// byte, then the key: two segments may scan the same keys for different
// relations (a timeline lists the facts within its range, then those
// around it, from one index). Every relation it reads, and every entity it
// reads for otherType, is charged to the request's budget.
func (s *Store) scanRelations(ctx context.Context, txn *bg.Txn, f graph.RelationFilter, segs []segment, after []byte,
	yield func(pos []byte, r *graph.Relation) bool) error {
	budget := graph.BudgetOf(ctx)
	var typeErr error // the budget ran out reading an end's type
	types := map[string]graph.EntityType{}
	typeOf := func(id string) graph.EntityType {
		if t, ok := types[id]; ok {
			return t
		}
		if err := budget.Records(1); err != nil {
			typeErr = err
			return ""
		}
		e, _ := txnView{txn}.Entity(id)
		var t graph.EntityType
		if e != nil {
			t = e.Type
		}
		types[id] = t
		return t
	}
	// the other end's type is known from an adjacency entry's value, and a
	// relation whose other end has another type is passed over unread
	otherFirst := f.OtherType != "" && (f.Entity != "" || f.Subject != "")
	first := 0
	if after != nil {
		if len(after) < 2 || int(after[0]) >= len(segs) || len(segs) > 255 || !bytes.HasPrefix(after[1:], segs[after[0]].prefix) {
			return graph.Errorf(graph.EINVALID, "after: the cursor belongs to another list")
		}
		first = int(after[0])
	}
	seen := map[string]bool{} // the date index may list a relation under both of its ends
	for i := first; i < len(segs); i++ {
		seg := segs[i]
		start := seg.prefix
		if seg.start != nil {
			start = seg.start
		}
		if i == first && after != nil {
			start = append(append([]byte(nil), after[1:]...), 0)
		}
		if err := func() error {
			it := txn.NewIterator(bg.IteratorOptions{Prefix: seg.prefix})
			defer it.Close()
			for it.Seek(start); it.Valid(); it.Next() {
				if err := ctx.Err(); err != nil {
					return err
				}
				k := it.Item().Key()
				if seg.past != nil && seg.past(k) {
					break
				}
				id := relationIDOf(seg.prefix, k)
				if otherFirst && isAdjacency(seg.prefix) {
					if err := budget.Entries(1); err != nil {
						return err
					}
					var other string
					if err := it.Item().Value(func(v []byte) error { other = string(v); return nil }); err != nil {
						return err
					}
					if other == "" || typeOf(other) != f.OtherType {
						if typeErr != nil {
							return typeErr
						}
						continue
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
					continue
				}
				if seg.keep != nil && !seg.keep(txn, k, r) {
					continue
				}
				if !matches(&f, r, typeOf) {
					if typeErr != nil {
						return typeErr
					}
					continue
				}
				if seen[id] {
					continue
				}
				seen[id] = true
				if !yield(append([]byte{byte(i)}, k...), r) {
					return errStop
				}
			}
			return nil
		}(); err != nil {
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
	}
	return nil
}

var errStop = errors.New("stop")

// withinOpen turns Within with no date range into what it means, every
// dated relation (DatedOnly), which the counters know.
func withinOpen(f graph.RelationFilter) graph.RelationFilter {
	if f.Within && f.Dates.Open() {
		f.Within, f.DatedOnly = false, true
	}
	return f
}

// isAdjacency reports whether a segment reads an adjacency index (o:, i:),
// whose values are the relation's other end.
func isAdjacency(prefix []byte) bool {
	return bytes.HasPrefix(prefix, []byte(pOut)) || bytes.HasPrefix(prefix, []byte(pIn))
}

func (s *Store) segmentsFor(f graph.RelationFilter) ([]segment, error) {
	if f.OrderByDate {
		return s.datedSegments(f)
	}
	if !f.Dates.Open() && f.Entity == "" && f.Subject == "" && f.Object == "" && len(f.Predicates) == 0 {
		// only a date range narrows the query: read the date index around it,
		// not every relation
		return s.datedSegments(f)
	}
	return s.segments(f)
}

// Relations implements graph.Store.
func (s *Store) Relations(ctx context.Context, f graph.RelationFilter) (*graph.RelationPage, error) {
	if err := checkFirst(f.First); err != nil {
		return nil, err
	}
	f = withinOpen(f)
	segs, err := s.segmentsFor(f)
	if err != nil {
		return nil, err
	}
	var after []byte
	if f.After != "" {
		if after, err = decodeCursor(f.After); err != nil {
			return nil, err
		}
	}
	page := &graph.RelationPage{}
	err = s.view(func(txn *bg.Txn) error {
		return s.scanRelations(ctx, txn, f, segs, after, func(k []byte, r *graph.Relation) bool {
			if len(page.Relations) == f.First {
				page.HasNextPage = true
				return false
			}
			page.Relations = append(page.Relations, r)
			page.Cursors = append(page.Cursors, encodeCursor(k))
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// CountRelations implements graph.Store.
func (s *Store) CountRelations(ctx context.Context, f graph.RelationFilter) (int, error) {
	f = withinOpen(f)
	if f.Entity == "" && f.Subject == "" && f.Object == "" && f.Dates.Open() && f.HasQuantity == nil && f.OtherType == "" {
		// whole predicates, or everything: the counters know (those of
		// dated relations for a timeline)
		if f.DatedOnly {
			return s.countByPredicate(cDated, cDated, f.Predicates)
		}
		return s.countByPredicate("relations", "pred:", f.Predicates)
	}
	if n, ok, err := s.countWithFigures(ctx, f); ok || err != nil {
		return n, err
	}
	if n, ok, err := s.countAdjacent(f); ok || err != nil {
		return n, err
	}
	if (!f.Dates.Open() || f.DatedOnly) && (f.Subject == "" || f.Object == "") {
		// a date range, or a timeline (dated relations alone): the date
		// index (the entity's, when there is one), not every relation of
		// the entity or the predicates (an undated relation is in no range)
		return s.countDated(ctx, f)
	}
	segs, err := s.segmentsFor(f)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.view(func(txn *bg.Txn) error {
		// what the counters say the scan reads, refused before it starts
		// if the request cannot read that much
		size, what, narrow, err := scanSize(txn, f)
		if err != nil {
			return err
		}
		if err := graph.BudgetOf(ctx).Afford(size, what, narrow); err != nil {
			return err
		}
		return s.scanRelations(ctx, txn, f, segs, nil, func([]byte, *graph.Relation) bool { n++; return true })
	})
	return n, err
}

// countByPredicate adds up the counters of the predicates asked (the
// counter perPred+id of each), or reads the total when none is asked.
func (s *Store) countByPredicate(total, perPred string, preds []string) (int, error) {
	var sum int64
	err := s.view(func(txn *bg.Txn) error {
		if len(preds) == 0 {
			n, err := readCount(txn, total)
			sum = n
			return err
		}
		seen := map[string]bool{}
		for _, p := range preds {
			if seen[p] {
				continue
			}
			seen[p] = true
			n, err := readCount(txn, perPred+p)
			if err != nil {
				return err
			}
			sum += n
		}
		return nil
	})
	return int(sum), err
}

// countAdjacent counts, from the adjacency counters (c:adj:), the relations
// of one entity (in a direction) or of one subject or object, when nothing
// else narrows them: a counter per predicate asked (or the totals), however
// many relations there are. A timeline's count (DatedOnly) is counted so
// for an entity in both directions. ok is false when the filter needs a scan.
func (s *Store) countAdjacent(f graph.RelationFilter) (n int, ok bool, err error) {
	if !f.Dates.Open() || f.HasQuantity != nil || f.OtherType != "" {
		return 0, false, nil
	}
	// the counters to add up, and the one to take away (a relation from the
	// entity to itself counts as OUT and as IN, and BOTH lists it once)
	var plus []string
	minus := ""
	switch {
	case f.Entity != "" && f.Subject == "" && f.Object == "":
		dir := f.Direction
		if dir == "" {
			dir = graph.Both
		}
		switch {
		case f.DatedOnly && dir == graph.Both:
			plus = []string{adjDated}
		case f.DatedOnly:
			return 0, false, nil
		case dir == graph.Out:
			plus = []string{adjOut}
		case dir == graph.In:
			plus = []string{adjIn}
		case dir == graph.Both:
			plus, minus = []string{adjOut, adjIn}, adjLoop
		default:
			return 0, false, graph.Errorf(graph.EINVALID, "direction: %q is not OUT, IN or BOTH", dir)
		}
	case f.Entity == "" && !f.DatedOnly && (f.Subject == "") != (f.Object == ""):
		f.Entity, plus = f.Subject, []string{adjOut}
		if f.Object != "" {
			f.Entity, plus = f.Object, []string{adjIn}
		}
	default:
		return 0, false, nil
	}
	preds := []string{""}
	if len(f.Predicates) > 0 {
		preds = slices.Clone(f.Predicates)
		slices.Sort(preds)
		preds = slices.Compact(preds)
	}
	var total int64
	err = s.view(func(txn *bg.Txn) error {
		for _, p := range preds {
			for _, kind := range plus {
				c, err := readCount(txn, adjName(f.Entity, kind, p))
				if err != nil {
					return err
				}
				total += c
			}
			if minus != "" {
				c, err := readCount(txn, adjName(f.Entity, minus, p))
				if err != nil {
					return err
				}
				total -= c
			}
		}
		return nil
	})
	return int(total), true, err
}
