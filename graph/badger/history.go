package badger

import (
	"encoding/binary"
	"encoding/json"
	"time"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger/internal/bulk"
)

// The history (graph.Historian) is kept in keys of its own, written in the
// same transaction, batch or build as the write they record, so that it is
// rolled back with it, and kept by compactions (Badger keeps one version
// of a key; these keys are never overwritten) and backups (which copy
// every key):
//
//	H:<seq>                 a change: JSON of graph.Commit (time, method, files, token
//	                        name, message, summary); <seq> is 8 bytes big-endian, from 1
//	T:<time><seq>           the changes by time (<time>: UnixNano, 8 bytes big-endian),
//	                        to find the change a time reads as of
//	v:<kind><id>␀<seq>      what change <seq> did to an item (<kind>: e, r or p): one byte,
//	                        a (added), u (updated) or r (removed), then for u and r the
//	                        item's value before it, as it was stored
//	W:<entity>␀<rel>␀<seq>  relation <rel> touched <entity> (as subject or object) before
//	                        change <seq> updated or removed it: the relations an entity
//	                        had, for reads as of a time
//
// Only superseded values are copied. An item's current value is where it
// is (e:, r:, p:); what it was before a change is in that change's v:
// record. Additions are recorded by reference: a one-byte v: record, and
// none at all for the first change of a store (a build, or the first write
// into an empty store), whose items are "there since change 1". A store
// written before history began records a baseline change (seq 1, method
// baseline) with its first write, and what it held then is there since it.
//
// An item as of change S is then one seek: the first v: record after S
// holds it (its value before, or absent for an addition); with none, it is
// the current value. A time is first turned into S with one seek of T:.
const (
	pChange     = "H:"
	pChangeTime = "T:"
	pVersion    = "v:"
	pWas        = "W:"
)

// historyPrefixes are the key families of the history.
var historyPrefixes = []string{pChange, pChangeTime, pVersion, pWas}

// The operations of a v: record.
const (
	opAdded   = 'a'
	opUpdated = 'u'
	opRemoved = 'r'
)

// The kinds of items in v: keys.
const (
	kindEntity    = 'e'
	kindRelation  = 'r'
	kindPredicate = 'p'
)

func seqBytes(seq uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	return string(b[:])
}

func changeKey(seq uint64) string { return pChange + seqBytes(seq) }

func changeTimeKey(t time.Time, seq uint64) string {
	return pChangeTime + seqBytes(uint64(t.UnixNano())) + seqBytes(seq)
}

// versionPrefix is the prefix of an item's v: records.
func versionPrefix(kind byte, id string) string { return pVersion + string(kind) + id + sep }

func versionKey(kind byte, id string, seq uint64) string {
	return versionPrefix(kind, id) + seqBytes(seq)
}

func wasKey(entity, rel string, seq uint64) string {
	return pWas + entity + sep + rel + sep + seqBytes(seq)
}

// lastChange is the latest change a store records (seq 0: none).
type lastChange struct {
	seq  uint64
	time time.Time
}

// readLastChange reads the latest change the store records.
func readLastChange(txn *bg.Txn) (lastChange, error) {
	it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pChange), Reverse: true, PrefetchValues: false})
	defer it.Close()
	it.Seek([]byte(pChange + "\xff\xff\xff\xff\xff\xff\xff\xff\xff"))
	if !it.Valid() {
		return lastChange{}, nil
	}
	var c graph.Commit
	if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &c) }); err != nil {
		return lastChange{}, err
	}
	return lastChange{seq: c.Seq, time: c.Time}, nil
}

// nextChange is the change that follows last: its number, and a time in
// UTC after last's, so that the changes are in time order too.
func nextChange(last lastChange, method string, info graph.ChangeInfo, sum graph.Summary) *graph.Commit {
	now := time.Now().UTC()
	if last.seq > 0 && !now.After(last.time) {
		// strictly after: a time names one change
		now = last.time.Add(time.Nanosecond)
	}
	if len(info.Message) > graph.MaxChangeMessage {
		info.Message = info.Message[:graph.MaxChangeMessage]
	}
	if len(info.Files) > graph.MaxChangeFiles {
		info.Files = info.Files[:graph.MaxChangeFiles]
	}
	sum.DryRun = false
	return &graph.Commit{Seq: last.seq + 1, Time: now, Method: method, ChangeInfo: info, Summary: sum}
}

// changeKeys calls put with the keys of a change and of what it did to the
// items of plan (nil: none recorded, as for a build).
func changeKeys(ch *graph.Commit, plan *graph.Plan, put func(k string, v []byte)) {
	put(changeKey(ch.Seq), mustJSON(ch))
	put(changeTimeKey(ch.Time, ch.Seq), nil)
	if plan == nil {
		return
	}
	// the first change of a store records no additions: its items are
	// there since it
	adds := ch.Seq > 1
	record := func(kind byte, id string, old []byte, removed bool) {
		switch {
		case old == nil && adds:
			put(versionKey(kind, id, ch.Seq), []byte{opAdded})
		case old != nil && removed:
			put(versionKey(kind, id, ch.Seq), append([]byte{opRemoved}, old...))
		case old != nil:
			put(versionKey(kind, id, ch.Seq), append([]byte{opUpdated}, old...))
		}
	}
	for _, w := range plan.Predicates {
		var old []byte
		if w.Old != nil {
			old = mustJSON(w.Old)
		}
		record(kindPredicate, w.New.ID, old, false)
	}
	for _, w := range plan.Entities {
		var old []byte
		if w.Old != nil {
			old = mustJSON(w.Old)
		}
		record(kindEntity, w.New.ID, old, false)
	}
	for _, w := range plan.Relations {
		if w.Old == nil {
			record(kindRelation, w.New.ID, nil, false)
			continue
		}
		record(kindRelation, w.Old.ID, relationJSON(w.Old), w.New == nil)
		put(wasKey(w.Old.Subject, w.Old.ID, ch.Seq), nil)
		if w.Old.Object != "" && w.Old.Object != w.Old.Subject {
			put(wasKey(w.Old.Object, w.Old.ID, ch.Seq), nil)
		}
	}
}

// recordChange adds to m the keys of the change that writing plan is: a
// write into a store that holds items but no history records the baseline
// first (empty: the store holds nothing).
func (m *mutation) recordChange(txn *bg.Txn, plan *graph.Plan, info graph.ChangeInfo, empty bool) error {
	if !plan.Summary.Changed() {
		return nil
	}
	last, err := readLastChange(txn)
	if err != nil {
		return err
	}
	if last.seq == 0 && !empty {
		base := nextChange(last, graph.ChangeBaseline, graph.ChangeInfo{Message: "what the store held when its history began"}, graph.Summary{})
		changeKeys(base, nil, m.put)
		last = lastChange{seq: base.Seq, time: base.Time}
	}
	changeKeys(nextChange(last, graph.ChangeWritten, info, plan.Summary), plan, m.put)
	return nil
}

// buildHistory is what a build records: the history of the store a
// rebuild writes anew (its keys, as they are), and how the build was made.
type buildHistory struct {
	old    [][2][]byte
	last   lastChange
	method string
}

// historyTask writes the history of a build: the old history, and the
// change the build is, with what it did to the items of plan (nil for a
// new store, whose items are there since it).
func historyTask(pool *bulk.Pool, h *buildHistory, info graph.ChangeInfo, sum graph.Summary, plan *graph.Plan) bulk.Task {
	if h == nil {
		h = &buildHistory{method: graph.ChangeBuilt}
	}
	return func() []*bulk.Family {
		fams := map[string]*bulk.Family{}
		var out []*bulk.Family
		for _, p := range historyPrefixes {
			fams[p] = pool.Family(p, 16)
			out = append(out, fams[p])
		}
		put := func(k string, v []byte) { fams[k[:2]].PutKey(k, v) }
		for _, kv := range h.old {
			put(string(kv[0]), kv[1])
		}
		changeKeys(nextChange(h.last, h.method, info, sum), plan, put)
		return out
	}
}

// readHistory reads the history keys of the store, for a rebuild to write
// them again, and its latest change.
func (s *Store) readHistory() (*buildHistory, error) {
	h := &buildHistory{method: graph.ChangeRebuilt}
	err := s.view(func(txn *bg.Txn) error {
		for _, p := range historyPrefixes {
			it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(p), PrefetchValues: true})
			for it.Rewind(); it.Valid(); it.Next() {
				v, err := it.Item().ValueCopy(nil)
				if err != nil {
					it.Close()
					return err
				}
				h.old = append(h.old, [2][]byte{it.Item().KeyCopy(nil), v})
			}
			it.Close()
		}
		var err error
		h.last, err = readLastChange(txn)
		return err
	})
	if err == nil && h.last.seq == 0 {
		// a store written before history: its contents are the baseline
		base := nextChange(h.last, graph.ChangeBaseline, graph.ChangeInfo{Message: "what the store held when its history began"}, graph.Summary{})
		changeKeys(base, nil, func(k string, v []byte) { h.old = append(h.old, [2][]byte{[]byte(k), v}) })
		h.last = lastChange{seq: base.Seq, time: base.Time}
	}
	return h, err
}

// historyItems is the plan whose items a build records: a rebuild's (the
// changes to the store it rebuilds), none for a new store.
func (o BuildOptions) historyItems(plan *graph.Plan) *graph.Plan {
	if o.history == nil {
		return nil
	}
	return plan
}
