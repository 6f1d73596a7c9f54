package badger

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

var _ graph.Historian = (*Store)(nil)

// pointInTime is a time as the history reads it: the last change at or
// before it (seq; 0 before the first), or, in a store that records no
// change yet, the store as it is (current).
type pointInTime struct {
	seq     uint64
	current bool
}

// latestNanos bounds the times a read as of takes: UnixNano overflows
// after 2262.
var latestNanos = time.Unix(0, 1<<62).UTC()

// pointAt finds the last change at or before at: one seek of T:.
func pointAt(txn *bg.Txn, at time.Time) (pointInTime, error) {
	it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pChangeTime), Reverse: true})
	defer it.Close()
	it.Seek([]byte(pChangeTime + "\xff"))
	if !it.Valid() {
		return pointInTime{current: true}, nil // no history yet
	}
	if at.Before(time.Unix(0, 0)) {
		return pointInTime{}, nil
	}
	if at.After(latestNanos) {
		at = latestNanos
	}
	it.Seek([]byte(pChangeTime + seqBytes(uint64(at.UnixNano())) + "\xff\xff\xff\xff\xff\xff\xff\xff"))
	if !it.Valid() {
		return pointInTime{}, nil // before the first change
	}
	k := it.Item().Key()
	return pointInTime{seq: binary.BigEndian.Uint64(k[len(k)-8:])}, nil
}

// currentKey is the key of an item's current value.
func currentKey(kind byte, id string) []byte {
	switch kind {
	case kindEntity:
		return entityKey(id)
	case kindPredicate:
		return predicateKey(id)
	}
	return relationKey(id)
}

// valueAsOf reads an item's stored value as of a point (nil: absent then):
// the first v: record after it holds the value, else the current value
// does.
func valueAsOf(txn *bg.Txn, kind byte, id string, at pointInTime) ([]byte, error) {
	v := versionReader{txn: txn}
	defer v.close()
	return v.valueAsOf(kind, id, at)
}

// versionReader reads items as of a point, with one iterator of the v:
// records of each kind for all its reads (an iterator made for each read
// costs more than the read).
type versionReader struct {
	txn *bg.Txn
	its [3]*bg.Iterator // by kind: e, r, p
}

func (v *versionReader) close() {
	for _, it := range v.its {
		if it != nil {
			it.Close()
		}
	}
}

// iterator is the iterator of the v: records of a kind.
func (v *versionReader) iterator(kind byte) *bg.Iterator {
	i := map[byte]int{kindEntity: 0, kindRelation: 1, kindPredicate: 2}[kind]
	if v.its[i] == nil {
		v.its[i] = v.txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pVersion + string(kind))})
	}
	return v.its[i]
}

func (v *versionReader) valueAsOf(kind byte, id string, at pointInTime) ([]byte, error) {
	txn := v.txn
	if !at.current {
		if at.seq == 0 {
			return nil, nil
		}
		prefix := versionPrefix(kind, id)
		it := v.iterator(kind)
		it.Seek([]byte(prefix + seqBytes(at.seq+1)))
		if it.Valid() && bytes.HasPrefix(it.Item().Key(), []byte(prefix)) {
			v, err := it.Item().ValueCopy(nil)
			if err != nil || len(v) == 0 || v[0] == opAdded {
				return nil, err
			}
			return v[1:], nil
		}
	}
	item, err := txn.Get(currentKey(kind, id))
	if errors.Is(err, bg.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
}

// asOf reads an item as of a time into v, charging the budget a record;
// ErrNotFound when it was absent.
func (s *Store) asOf(ctx context.Context, kind byte, id string, at time.Time, v any) error {
	if err := graph.BudgetOf(ctx).Records(1); err != nil {
		return err
	}
	var raw []byte
	err := s.view(func(txn *bg.Txn) error {
		p, err := pointAt(txn, at)
		if err != nil {
			return err
		}
		raw, err = valueAsOf(txn, kind, id, p)
		return err
	})
	if err != nil {
		return err
	}
	if raw == nil {
		return graph.ErrNotFound
	}
	return json.Unmarshal(raw, v)
}

// EntityAsOf implements graph.Historian.
func (s *Store) EntityAsOf(ctx context.Context, id string, at time.Time) (*graph.Entity, error) {
	e := &graph.Entity{}
	if err := s.asOf(ctx, kindEntity, id, at, e); err != nil {
		return nil, err
	}
	return e, nil
}

// RelationAsOf implements graph.Historian.
func (s *Store) RelationAsOf(ctx context.Context, id string, at time.Time) (*graph.Relation, error) {
	r := &graph.Relation{}
	if err := s.asOf(ctx, kindRelation, id, at, r); err != nil {
		return nil, err
	}
	return r, nil
}

// record is one v: record of an item.
type record struct {
	seq    uint64
	op     byte
	before []byte
}

// itemRecords reads the v: records of an item, oldest first, charging
// the budget a key each and a record for each value.
func itemRecords(ctx context.Context, txn *bg.Txn, kind byte, id string) ([]record, error) {
	budget := graph.BudgetOf(ctx)
	prefix := []byte(versionPrefix(kind, id))
	it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var out []record
	for it.Rewind(); it.Valid(); it.Next() {
		if err := budget.Records(1); err != nil {
			return nil, err
		}
		k := it.Item().Key()
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			return nil, err
		}
		if len(v) == 0 || len(k) != len(prefix)+8 {
			continue
		}
		out = append(out, record{seq: binary.BigEndian.Uint64(k[len(prefix):]), op: v[0], before: v[1:]})
	}
	return out, nil
}

// History implements graph.Historian: the records of the item are read
// whole (charged to the budget), and a page of them decoded.
func (s *Store) History(ctx context.Context, id string, first int, after string) (*graph.HistoryPage, error) {
	if err := checkFirst(first); err != nil {
		return nil, err
	}
	var afterSeq uint64
	if after != "" {
		n, err := strconv.ParseUint(after, 10, 64)
		if err != nil {
			return nil, graph.Errorf(graph.EINVALID, "after: %q is not a cursor returned by this API", after)
		}
		afterSeq = n
	}
	page := &graph.HistoryPage{}
	err := s.view(func(txn *bg.Txn) error {
		for _, kind := range []byte{kindRelation, kindEntity, kindPredicate} {
			recs, err := itemRecords(ctx, txn, kind, id)
			if err != nil {
				return err
			}
			cur, err := valueAsOf(txn, kind, id, pointInTime{current: true})
			if err != nil {
				return err
			}
			if len(recs) == 0 && cur == nil {
				continue
			}
			return s.historyPage(ctx, txn, page, kind, id, itemEntries(recs, cur), first, afterSeq)
		}
		return nil
	})
	return page, err
}

// entry is a change of an item's history, undecoded.
type entry struct {
	seq           uint64
	kind          graph.ChangeKind
	before, after []byte
}

// itemEntries turns an item's records and current value into its
// history: an item whose first record is no addition was there since the
// store's first change.
func itemEntries(recs []record, cur []byte) []entry {
	var out []entry
	next := func(i int) []byte {
		if i+1 < len(recs) {
			return recs[i+1].before
		}
		return cur
	}
	if len(recs) == 0 || recs[0].op != opAdded {
		out = append(out, entry{seq: 1, kind: graph.ChangeAdded, after: next(-1)})
	}
	for i, r := range recs {
		e := entry{seq: r.seq}
		switch r.op {
		case opAdded:
			e.kind, e.after = graph.ChangeAdded, next(i)
		case opUpdated:
			e.kind, e.before, e.after = graph.ChangeUpdated, r.before, next(i)
		default:
			e.kind, e.before = graph.ChangeRemoved, r.before
		}
		out = append(out, e)
	}
	return out
}

// historyPage decodes a page of an item's entries after afterSeq.
func (s *Store) historyPage(ctx context.Context, txn *bg.Txn, page *graph.HistoryPage, kind byte, id string, entries []entry, first int, afterSeq uint64) error {
	budget := graph.BudgetOf(ctx)
	for _, e := range entries {
		if e.seq <= afterSeq {
			continue
		}
		if len(page.Changes) == first {
			page.HasNextPage = true
			break
		}
		if err := budget.Records(1); err != nil {
			return err
		}
		commit, err := readCommit(txn, e.seq)
		if err != nil {
			return err
		}
		if commit == nil {
			continue // a store that records no change yet
		}
		ic := &graph.ItemChange{Commit: commit, Kind: e.kind, ID: id}
		if err := decodeItems(ic, kind, e.before, e.after); err != nil {
			return err
		}
		page.Changes = append(page.Changes, ic)
		page.Cursors = append(page.Cursors, strconv.FormatUint(e.seq, 10))
	}
	return nil
}

// decodeItems sets the before and after of an item change from their
// stored values.
func decodeItems(ic *graph.ItemChange, kind byte, before, after []byte) error {
	dec := func(b []byte, v any) (bool, error) {
		if b == nil {
			return false, nil
		}
		return true, json.Unmarshal(b, v)
	}
	var err error
	var ok [2]bool
	switch kind {
	case kindEntity:
		ic.Item = graph.ItemEntity
		ic.EntityBefore, ic.EntityAfter = &graph.Entity{}, &graph.Entity{}
		if ok[0], err = dec(before, ic.EntityBefore); err == nil {
			ok[1], err = dec(after, ic.EntityAfter)
		}
		if !ok[0] {
			ic.EntityBefore = nil
		}
		if !ok[1] {
			ic.EntityAfter = nil
		}
	case kindPredicate:
		ic.Item = graph.ItemPredicate
		ic.PredicateBefore, ic.PredicateAfter = &graph.Predicate{}, &graph.Predicate{}
		if ok[0], err = dec(before, ic.PredicateBefore); err == nil {
			ok[1], err = dec(after, ic.PredicateAfter)
		}
		if !ok[0] {
			ic.PredicateBefore = nil
		}
		if !ok[1] {
			ic.PredicateAfter = nil
		}
	default:
		ic.Item = graph.ItemRelation
		ic.RelationBefore, ic.RelationAfter = &graph.Relation{}, &graph.Relation{}
		if ok[0], err = dec(before, ic.RelationBefore); err == nil {
			ok[1], err = dec(after, ic.RelationAfter)
		}
		if !ok[0] {
			ic.RelationBefore = nil
		}
		if !ok[1] {
			ic.RelationAfter = nil
		}
	}
	return err
}

// readCommit reads a change (nil if the store does not record it).
func readCommit(txn *bg.Txn, seq uint64) (*graph.Commit, error) {
	c := &graph.Commit{}
	ok, err := getJSON(txn, []byte(changeKey(seq)), c)
	if !ok || err != nil {
		return nil, err
	}
	return c, nil
}

// Changes implements graph.Historian: the first change at or after since
// is one seek of T:, and the changes are read in order from it.
func (s *Store) Changes(ctx context.Context, since time.Time, first int, after string) (*graph.CommitPage, error) {
	if err := checkFirst(first); err != nil {
		return nil, err
	}
	page := &graph.CommitPage{}
	budget := graph.BudgetOf(ctx)
	err := s.view(func(txn *bg.Txn) error {
		var start uint64
		if after != "" {
			n, err := strconv.ParseUint(after, 10, 64)
			if err != nil {
				return graph.Errorf(graph.EINVALID, "after: %q is not a cursor returned by this API", after)
			}
			start = n + 1
		} else {
			it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pChangeTime)})
			defer it.Close()
			from := pChangeTime + seqBytes(0)
			if since.After(latestNanos) {
				return nil
			}
			if since.After(time.Unix(0, 0)) {
				from = pChangeTime + seqBytes(uint64(since.UnixNano()))
			}
			it.Seek([]byte(from))
			if !it.Valid() {
				return nil
			}
			k := it.Item().Key()
			start = binary.BigEndian.Uint64(k[len(k)-8:])
		}
		it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pChange), PrefetchValues: true})
		defer it.Close()
		for it.Seek([]byte(changeKey(start))); it.Valid(); it.Next() {
			if len(page.Commits) == first {
				page.HasNextPage = true
				break
			}
			if err := budget.Records(1); err != nil {
				return err
			}
			c := &graph.Commit{}
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, c) }); err != nil {
				return err
			}
			page.Commits = append(page.Commits, c)
			page.Cursors = append(page.Cursors, strconv.FormatUint(c.Seq, 10))
		}
		return nil
	})
	return page, err
}

// RelationsAsOf implements graph.Historian. The relations an entity had at
// a time are those of its adjacency now (o:, i:) that were there then, and
// those whose value before a later change touched it (W:); each is read
// as of the time (valueAsOf), and kept when it then touched the entity in
// the direction asked. The cursor is the key of the index read last.
func (s *Store) RelationsAsOf(ctx context.Context, f graph.RelationFilter, at time.Time) (*graph.RelationPage, error) {
	if err := checkFirst(f.First); err != nil {
		return nil, err
	}
	if f.Entity == "" || f.Subject != "" || f.Object != "" || !f.Dates.Open() || f.Within || f.HasQuantity != nil ||
		f.OtherType != "" || f.OrderByDate || f.DatedOnly {
		return nil, graph.Errorf(graph.EINVALID, "asOf: the relations of an entity as of a time take a direction, predicates, first and after, and no other filter")
	}
	dir := f.Direction
	if dir == "" {
		dir = graph.Both
	}
	var phases []string
	switch dir {
	case graph.Out:
		phases = []string{pOut}
	case graph.In:
		phases = []string{pIn}
	case graph.Both:
		phases = []string{pOut, pIn}
	default:
		return nil, graph.Errorf(graph.EINVALID, "direction: %q is not OUT, IN or BOTH", dir)
	}
	phases = append(phases, pWas)
	var start []byte
	if f.After != "" {
		c, err := decodeCursor(f.After)
		if err != nil {
			return nil, err
		}
		start = c
	}
	l := &asOfLister{ctx: ctx, f: f, dir: dir, page: &graph.RelationPage{}, preds: map[string]bool{}}
	for _, p := range f.Predicates {
		l.preds[p] = true
	}
	err := s.view(func(txn *bg.Txn) error {
		var err error
		if l.at, err = pointAt(txn, at); err != nil {
			return err
		}
		l.txn = txn
		l.versions = versionReader{txn: txn}
		defer l.versions.close()
		for _, phase := range phases {
			prefix := []byte(phase + f.Entity + sep)
			from := prefix
			if start != nil {
				if !bytes.HasPrefix(start, []byte(phase)) {
					continue // a phase the cursor is past
				}
				if !bytes.HasPrefix(start, prefix) || (phase == pWas && len(start) < len(prefix)+9) {
					return graph.Errorf(graph.EINVALID, "after: the cursor belongs to another list")
				}
				from = append(bytes.Clone(start), 0)
				if phase == pWas {
					// past every key of the relation the cursor names
					from = append(bytes.Clone(start[:len(start)-8]), "\xff\xff\xff\xff\xff\xff\xff\xff\xff"...)
				}
				start = nil
			}
			if done, err := l.scan(phase, prefix, from); done || err != nil {
				return err
			}
		}
		if start != nil {
			return graph.Errorf(graph.EINVALID, "after: the cursor belongs to another list")
		}
		return nil
	})
	return l.page, err
}

// asOfLister lists the relations of an entity as of a point.
type asOfLister struct {
	ctx   context.Context
	txn   *bg.Txn
	f     graph.RelationFilter
	dir   graph.Direction
	at    pointInTime
	preds map[string]bool
	page  *graph.RelationPage
	// versions reads the relations as of the point
	versions versionReader
}

// scan reads one index of the entity from the key from; done once the
// page is full.
func (l *asOfLister) scan(phase string, prefix, from []byte) (bool, error) {
	budget := graph.BudgetOf(l.ctx)
	it := l.txn.NewIterator(bg.IteratorOptions{Prefix: prefix, PrefetchValues: phase == pIn})
	defer it.Close()
	var lastRel string
	for it.Seek(from); it.Valid(); it.Next() {
		if err := budget.Keys(1); err != nil {
			return false, err
		}
		k := it.Item().Key()
		var rel string
		switch phase {
		case pWas:
			if len(k) < len(prefix)+9 {
				continue
			}
			rest := k[len(prefix) : len(k)-9]
			seq := binary.BigEndian.Uint64(k[len(k)-8:])
			if string(rest) == lastRel || (!l.at.current && seq <= l.at.seq) || l.at.current {
				continue
			}
			rel = string(rest)
			lastRel = rel
			if covered, err := l.coveredNow(rel); covered || err != nil {
				return false, err
			}
		default:
			rel = string(k[bytes.LastIndexByte(k, 0)+1:])
			if phase == pIn && l.dir == graph.Both {
				other, err := it.Item().ValueCopy(nil)
				if err != nil {
					return false, err
				}
				if string(other) == l.f.Entity {
					continue // a loop, listed with OUT
				}
			}
		}
		if len(l.page.Relations) == l.f.First {
			l.page.HasNextPage = true
			return true, nil
		}
		r, err := l.relationAsOf(rel)
		if err != nil {
			return false, err
		}
		if r != nil {
			l.page.Relations = append(l.page.Relations, r)
			l.page.Cursors = append(l.page.Cursors, encodeCursor(it.Item().KeyCopy(nil)))
		}
	}
	return false, nil
}

// coveredNow reports whether a relation is in the entity's adjacency now,
// in the direction asked: listed there, not from W:.
func (l *asOfLister) coveredNow(rel string) (bool, error) {
	cur, err := txnView{l.txn}.Relation(rel)
	if err != nil || cur == nil {
		return false, err
	}
	return l.touches(cur), nil
}

// touches reports whether r touches the entity in the direction asked.
func (l *asOfLister) touches(r *graph.Relation) bool {
	e := l.f.Entity
	switch l.dir {
	case graph.Out:
		return r.Subject == e
	case graph.In:
		return r.Object == e
	}
	return r.Subject == e || r.Object == e
}

// relationAsOf reads a relation as of the point, if it then touched the
// entity in the direction asked, of a predicate asked.
func (l *asOfLister) relationAsOf(rel string) (*graph.Relation, error) {
	if err := graph.BudgetOf(l.ctx).Records(1); err != nil {
		return nil, err
	}
	raw, err := l.versions.valueAsOf(kindRelation, rel, l.at)
	if err != nil || raw == nil {
		return nil, err
	}
	r := &graph.Relation{}
	if err := json.Unmarshal(raw, r); err != nil {
		return nil, err
	}
	if !l.touches(r) || (len(l.preds) > 0 && !l.preds[r.Predicate]) {
		return nil, nil
	}
	return r, nil
}
