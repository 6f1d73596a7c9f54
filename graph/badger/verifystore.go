package badger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"os"
	"path/filepath"
	"runtime"
	"sort"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger/internal/badgerfmt"
)

// VerifyReport is what Verify found in a store.
type VerifyReport struct {
	// Dir is the store's directory.
	Dir string
	// Tables is what the check of the tables read.
	Tables TableCheck
	// KeysChecked: the store opened and its keys were read (false when a
	// table failed: Badger would read it).
	KeysChecked bool
	// What the keys hold.
	Predicates, Entities, Relations int
	// Problems lists each problem found, naming the file or the key; at
	// most maxProblems are listed, and Omitted counts the rest.
	Problems []string
	Omitted  int
}

// maxProblems bounds the problems a report lists.
const maxProblems = 100

// OK reports whether Verify found nothing wrong.
func (r *VerifyReport) OK() bool { return len(r.Problems) == 0 && r.Omitted == 0 }

func (r *VerifyReport) problem(format string, args ...any) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	} else {
		r.Omitted++
	}
}

// Verify checks the whole store in dir, reading only: every table's
// checksums (as Open checks them), then, if they hold, every key through
// Badger: predicates, entities and relations decode and are stored under
// their ids, every relation's predicate and entities exist and its
// adjacency keys (o:, i:) are there and point where it does (and no other
// is), the counters of entities, types, relations and predicates match what
// is stored, the key layout is recorded and current (a read-only open
// refuses any other) and no load is left unfinished; and, when the
// value log holds anything, every value is read (Badger checks each one
// read from it). Problems go into the report; the error says why the store
// could not be checked at all (no store, held by a server: ErrLocked).
// Like a read-only open, it cuts the memtable logs of a store a crash left
// unclosed (as the next open would), and nothing else.
func Verify(ctx context.Context, dir string, o Options) (*VerifyReport, error) {
	if _, err := os.Stat(filepath.Join(dir, bg.ManifestFilename)); err != nil {
		return nil, fmt.Errorf("%s holds no store to verify", dir)
	}
	lock, err := lockForOpen(dir, true)
	if err != nil {
		return nil, err
	}
	defer lock.release()
	r := &VerifyReport{Dir: dir}
	opts := badgerOptions(dir, o).WithReadOnly(true)
	if r.Tables, err = verifyTables(dir, opts, runtime.GOMAXPROCS(0)); err != nil {
		r.problem("%v", err)
		return r, nil
	}
	for _, p := range r.Tables.Problems {
		r.problem("%v", p)
	}
	if !r.OK() {
		return r, nil
	}
	ro := o
	ro.ReadOnly, ro.InMemory, ro.NoTableCheck, ro.lockHeld = true, false, true, lock != nil
	st, err := Open(dir, ro)
	if err != nil {
		r.problem("the store does not open: %v", err)
		return r, nil
	}
	defer st.Close()
	if err := st.checkKeys(ctx, r); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.problem("reading the keys: %v", err)
	}
	r.KeysChecked = true
	return r, nil
}

// checkKeys checks what Verify checks of the keys, in one read transaction.
func (s *Store) checkKeys(ctx context.Context, r *VerifyReport) error {
	return s.view(func(txn *bg.Txn) error {
		if err := checkPrefixEmpty(txn, pJournal); err != nil {
			r.problem("a load a crash left unfinished is recorded (%v): open the store for writing once to roll it back", err)
		}
		predicates := map[string]bool{}
		if err := eachStored(ctx, txn, pPredicate, func(p *graph.Predicate) error {
			predicates[p.ID] = true
			return nil
		}); err != nil {
			return err
		}
		r.Predicates = len(predicates)
		types, entities, err := checkEntities(ctx, txn, r)
		if err != nil {
			return err
		}
		sources := map[string]int64{} // stored source records -> relations citing them
		if err := eachStored(ctx, txn, pSource, func(s *graph.SourceRecord) error {
			sources[s.ID] = 0
			return nil
		}); err != nil {
			return err
		}
		byPredicate, adjacency, err := checkRelations(ctx, txn, r, predicates, entities, sources)
		if err != nil {
			return err
		}
		for _, prefix := range []string{pOut, pIn} {
			if err := checkAdjacency(ctx, txn, r, prefix, adjacency[prefix]); err != nil {
				return err
			}
		}
		counts := map[string]int64{"entities": int64(r.Entities), "relations": int64(r.Relations)}
		for t, n := range types {
			counts["type:"+t] = n
		}
		for p := range predicates {
			counts["pred:"+p] = byPredicate[p]
		}
		for id, n := range sources {
			counts[cSource+id] = n
		}
		checkCounters(txn, r, counts)
		if valueLogUsed(s.dir) {
			return readEveryValue(ctx, txn)
		}
		return nil
	})
}

// checkEntities reads every entity, and returns the ids and the count of
// each type.
func checkEntities(ctx context.Context, txn *bg.Txn, r *VerifyReport) (types map[string]int64, ids map[string]bool, err error) {
	types, ids = map[string]int64{}, map[string]bool{}
	err = eachKey(ctx, txn, pEntity, func(k, v []byte) {
		var e graph.Entity
		id := string(k[len(pEntity):])
		switch err := json.Unmarshal(v, &e); {
		case err != nil:
			r.problem("%s: the entity does not decode: %v", k, err)
		case e.ID != id:
			r.problem("%s: holds the entity %q", k, e.ID)
		}
		ids[id] = true
		types[string(e.Type)]++
	})
	r.Entities = len(ids)
	return types, ids, err
}

// adjacencyOf lists the adjacency keys of a relation and the value each
// holds (the other end): o: always, i: with an object.
func adjacencyOf(rel *graph.Relation) [][2]string {
	adjacency := [][2]string{{string(key(pOut, rel.Subject, sep, rel.Predicate, sep, rel.ID)), rel.Object}}
	if rel.Object != "" {
		adjacency = append(adjacency, [2]string{string(key(pIn, rel.Object, sep, rel.Predicate, sep, rel.ID)), rel.Subject})
	}
	return adjacency
}

// keySet sums a hash of each key and value it is given: two sets of keys
// and values are the same (but for a 2^-64 chance) when their counts and
// sums are, whatever their order, so that the adjacency keys of every
// relation are checked in one scan of them instead of a read each.
type keySet struct {
	seed maphash.Seed
	n    int
	sum  uint64
}

func (s *keySet) add(k, v []byte) {
	var h maphash.Hash
	h.SetSeed(s.seed)
	h.Write(k)
	h.WriteByte(0)
	h.Write(v)
	s.n++
	s.sum += h.Sum64()
}

// checkRelations reads every relation and checks its predicate and its
// entities, and returns the count of each predicate and the adjacency keys
// (and values) the relations need, by prefix.
// checkRelations also counts, in sources, the relations citing each stored
// source record, and reports a citation of a record that is not stored.
func checkRelations(ctx context.Context, txn *bg.Txn, r *VerifyReport, predicates, entities map[string]bool, sources map[string]int64) (byPredicate map[string]int64, want map[string]*keySet, err error) {
	byPredicate = map[string]int64{}
	seed := maphash.MakeSeed()
	want = map[string]*keySet{pOut: {seed: seed}, pIn: {seed: seed}}
	err = eachKey(ctx, txn, pRelation, func(k, v []byte) {
		r.Relations++
		var rel graph.Relation
		if err := json.Unmarshal(v, &rel); err != nil {
			r.problem("%s: the relation does not decode: %v", k, err)
			return
		}
		if rel.ID != string(k[len(pRelation):]) {
			r.problem("%s: holds the relation %q", k, rel.ID)
		}
		byPredicate[rel.Predicate]++
		if !predicates[rel.Predicate] {
			r.problem("%s: its predicate %q is not stored", k, rel.Predicate)
		}
		for _, e := range []string{rel.Subject, rel.Object} {
			if e != "" && !entities[e] {
				r.problem("%s: its entity %q is not stored", k, e)
			}
		}
		for _, a := range adjacencyOf(&rel) {
			want[a[0][:2]].add([]byte(a[0]), []byte(a[1]))
		}
		for _, id := range rel.SourceIDs() {
			if _, ok := sources[id]; !ok {
				r.problem("%s: its source record %q is not stored", k, id)
				continue
			}
			sources[id]++
		}
	})
	return byPredicate, want, err
}

// checkAdjacency compares the adjacency keys under prefix with those the
// relations need (want); when they differ, it reads them one by one to
// name the keys that are missing, wrong or left over.
func checkAdjacency(ctx context.Context, txn *bg.Txn, r *VerifyReport, prefix string, want *keySet) error {
	got := &keySet{seed: want.seed}
	if err := eachKey(ctx, txn, prefix, func(k, v []byte) { got.add(k, v) }); err != nil {
		return err
	}
	if *got == *want {
		return nil
	}
	before := len(r.Problems) + r.Omitted
	// each relation's keys
	err := eachKey(ctx, txn, pRelation, func(k, v []byte) {
		var rel graph.Relation
		if json.Unmarshal(v, &rel) != nil {
			return // reported
		}
		for _, a := range adjacencyOf(&rel) {
			if a[0][:2] != prefix {
				continue
			}
			item, err := txn.Get([]byte(a[0]))
			if err == nil {
				err = item.Value(func(v []byte) error {
					if string(v) != a[1] {
						return fmt.Errorf("holds %q, not %q", v, a[1])
					}
					return nil
				})
			}
			if err != nil {
				r.problem("%s: its adjacency key %q: %v", k, a[0], err)
			}
		}
	})
	if err != nil {
		return err
	}
	// each key's relation
	err = eachKey(ctx, txn, prefix, func(k, v []byte) {
		id := k[bytes.LastIndexByte(k, 0)+1:]
		var rel graph.Relation
		if ok, err := getJSON(txn, relationKey(string(id)), &rel); err != nil || !ok {
			r.problem("%q: its relation %q is not stored (%v)", k, id, err)
		}
	})
	if err == nil && len(r.Problems)+r.Omitted == before {
		r.problem("%s keys: %d, and %d relations need them; they differ, and no one key was found wrong", prefix, got.n, want.n)
	}
	return err
}

// checkCounters compares the counters c:<name> with what was counted.
func checkCounters(txn *bg.Txn, r *VerifyReport, counts map[string]int64) {
	names := make([]string, 0, len(counts))
	for name := range counts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		n, err := readCount(txn, name)
		switch {
		case err != nil:
			r.problem("c:%s: %v", name, err)
		case n != counts[name]:
			r.problem("c:%s holds %d, and the store holds %d", name, n, counts[name])
		}
	}
}

// eachKey calls fn with every key under prefix and its value.
func eachKey(ctx context.Context, txn *bg.Txn, prefix string, fn func(k, v []byte)) error {
	it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(prefix)})
	defer it.Close()
	for n := 0; ; n++ {
		if n == 0 {
			it.Rewind()
		} else {
			it.Next()
		}
		if !it.Valid() {
			return nil
		}
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			return fmt.Errorf("%s: %w", it.Item().Key(), err)
		}
		fn(it.Item().Key(), v)
	}
}

// checkPrefixEmpty returns an error naming the first key under prefix.
func checkPrefixEmpty(txn *bg.Txn, prefix string) error {
	it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(prefix)})
	defer it.Close()
	if it.Rewind(); it.Valid() {
		return fmt.Errorf("%q", it.Item().Key())
	}
	return nil
}

// valueLogUsed reports whether a value log file of dir holds more than its
// header: values too large for the tables went there.
func valueLogUsed(dir string) bool {
	names, _ := filepath.Glob(filepath.Join(dir, "*.vlog"))
	for _, name := range names {
		if fi, err := os.Stat(name); err == nil && fi.Size() > badgerfmt.LogHeaderSize {
			return true
		}
	}
	return false
}

// readEveryValue reads the value of every key: Badger checks the checksum
// of each value it reads from the value log (VerifyValueChecksum).
func readEveryValue(ctx context.Context, txn *bg.Txn) error {
	if err := eachKey(ctx, txn, "", func(k, v []byte) {}); err != nil {
		return fmt.Errorf("reading every value (the value log): %w", err)
	}
	return nil
}
