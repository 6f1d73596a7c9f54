package badger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// What a read costs a request (graph.Budget). Every relation and entity
// decoded is charged as it is read, and every index entry read without its
// record; so a request stops at its budget whatever it asks. A count that
// must scan asks first what the scan will read: the counters (c:adj:,
// c:pred:, c:relations) know how many relations an entity, a predicate or
// the graph has, and a date range's keys are counted before any relation
// is read. A count the request cannot pay for is refused before the scan,
// with what it would read and what would narrow it.

// scanSize is how many relations a count of f scans (scanRelations over
// segments(f)), from the counters, with what the scan is and what would
// make it smaller, for a refusal.
func scanSize(txn *bg.Txn, f graph.RelationFilter) (n int, what, narrow string, err error) {
	preds := []string{""}
	of := ""
	if len(f.Predicates) > 0 {
		preds = slices.Compact(slices.Sorted(slices.Values(f.Predicates)))
		of = " of " + strings.Join(preds, ", ")
	}
	sum := func(name func(p string) string) (int, error) {
		total := int64(0)
		for _, p := range preds {
			c, err := readCount(txn, name(p))
			if err != nil {
				return 0, err
			}
			total += c
		}
		return int(total), nil
	}
	adjacent := func(entity string, kinds ...string) (int, error) {
		total := 0
		for _, kind := range kinds {
			c, err := sum(func(p string) string { return adjName(entity, kind, p) })
			if err != nil {
				return 0, err
			}
			total += c
		}
		return total, nil
	}
	const filtersOnly = "otherType and hasQuantity keep some of the relations read, they do not read fewer"
	switch {
	case f.Entity != "":
		kinds := []string{adjOut, adjIn}
		switch f.Direction {
		case graph.Out:
			kinds = kinds[:1]
		case graph.In:
			kinds = kinds[1:]
		}
		n, err = adjacent(f.Entity, kinds...)
		what = fmt.Sprintf("counting them reads the %s relations%s of %s", graph.Thousands(n), of, f.Entity)
		narrow = "a predicate or a direction; " + filtersOnly
	case f.Subject != "":
		n, err = adjacent(f.Subject, adjOut)
		what = fmt.Sprintf("counting them reads the %s relations%s with %s as subject", graph.Thousands(n), of, f.Subject)
		narrow = "a predicate; " + filtersOnly
	case f.Object != "":
		n, err = adjacent(f.Object, adjIn)
		what = fmt.Sprintf("counting them reads the %s relations%s with %s as object", graph.Thousands(n), of, f.Object)
		narrow = "a predicate; " + filtersOnly
	case len(f.Predicates) > 0:
		n, err = sum(func(p string) string { return "pred:" + p })
		what = fmt.Sprintf("counting them reads the %s relations%s", graph.Thousands(n), of)
		narrow = "a subject, an object or fewer predicates; " + filtersOnly
	default:
		var c int64
		c, err = readCount(txn, "relations")
		n = int(c)
		what = fmt.Sprintf("counting them reads every relation, %s of them", graph.Thousands(n))
		narrow = "a predicate, a subject or an object; " + filtersOnly
	}
	return n, what, narrow, err
}

// isPeriodSegment reports whether a segment of datedSegments reads the
// period index (q:, Q:), whose relations began before the range: whether
// one reaches into it is in the relation, not the key.
func isPeriodSegment(seg segment) bool {
	return bytes.HasPrefix(seg.prefix, []byte(pPeriod)) || bytes.HasPrefix(seg.prefix, []byte(pEntPeriod))
}

// countDated counts the relations of f, which has a date range or asks
// for dated relations alone, from the date index around the range. Its keys are counted first, without their
// relations: a key of the date index in the range is a relation in the
// range, so with no other filter (a timeline, of the graph or of an
// entity) the count is the keys' and only periods that began before the
// range are read; with other filters every relation the keys name is
// read, and refused before the first if the request cannot read them all.
func (s *Store) countDated(ctx context.Context, f graph.RelationFilter) (int, error) {
	mode := overlapOnce // a count reads each relation once, in no order
	if f.Within {
		mode = withinOnly
	}
	segs, err := s.datedSegmentsIn(f, mode)
	if err != nil {
		return 0, err
	}
	byKeys := !f.Within && len(f.Predicates) == 0 && f.Subject == "" && f.Object == "" && f.HasQuantity == nil && f.OtherType == "" &&
		(f.Direction == "" || f.Direction == graph.Both)
	budget := graph.BudgetOf(ctx)
	n := 0
	err = s.view(func(txn *bg.Txn) error {
		keys, periods := 0, 0
		for _, seg := range segs {
			c, err := countKeys(ctx, txn, seg, budget)
			if err != nil {
				return rangeTooWide(err, f, keys+periods+c)
			}
			if isPeriodSegment(seg) || seg.keep != nil {
				periods += c
			} else {
				keys += c
			}
		}
		read := keys + periods
		if byKeys {
			read, segs = periods, slices.DeleteFunc(segs, func(seg segment) bool { return !isPeriodSegment(seg) && seg.keep == nil })
			n = keys
		}
		where := ""
		if f.Entity != "" {
			where = " of " + f.Entity
		}
		if err := budget.Afford(read, fmt.Sprintf("counting them reads the %s relations%s dated in the range", graph.Thousands(read), where),
			"a shorter date range, a subject or an object"); err != nil {
			return err
		}
		return s.scanRelations(ctx, txn, f, segs, nil, func([]byte, *graph.Relation) bool { n++; return true })
	})
	return n, err
}

// countKeys counts the keys of a segment, charging each as a key.
func countKeys(ctx context.Context, txn *bg.Txn, seg segment, budget *graph.Budget) (int, error) {
	start := seg.prefix
	if seg.start != nil {
		start = seg.start
	}
	it := txn.NewIterator(bg.IteratorOptions{Prefix: seg.prefix})
	defer it.Close()
	n := 0
	for it.Seek(start); it.Valid(); it.Next() {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
		if seg.past != nil && seg.past(it.Item().Key()) {
			break
		}
		if err := budget.Keys(1); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// rangeTooWide says, of a budget that ran out counting a date range's keys,
// what to narrow; other errors pass as they are.
func rangeTooWide(err error, f graph.RelationFilter, counted int) error {
	var ge *graph.Error
	if !errors.As(err, &ge) || ge.Code != graph.ELIMIT {
		return err
	}
	span := fmt.Sprintf(" from %s to %s", f.Dates.From, f.Dates.To)
	switch {
	case f.Dates.Open():
		span = ""
	case f.Dates.From == "":
		span = " up to " + f.Dates.To
	case f.Dates.To == "":
		span = " from " + f.Dates.From
	}
	return graph.Errorf(graph.ELIMIT, "counting the relations dated%s reads the date index over the range, more of it than one request may read "+
		"(it stopped after %s entries): narrow it (a shorter date range, or an entity)", span, graph.Thousands(counted))
}
