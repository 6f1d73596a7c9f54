package badger

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed"
)

// prefixDump lists the keys and values of a store under the prefixes.
func prefixDump(t *testing.T, st *Store, prefixes ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := st.db.View(func(txn *bg.Txn) error {
		for _, p := range prefixes {
			it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(p), PrefetchValues: true})
			for it.Rewind(); it.Valid(); it.Next() {
				v, err := it.Item().ValueCopy(nil)
				if err != nil {
					it.Close()
					return err
				}
				out[string(it.Item().Key())] = string(v)
			}
			it.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// storedEntities reads every entity of a store.
func storedEntities(t *testing.T, st *Store) []graph.Entity {
	t.Helper()
	var out []graph.Entity
	err := st.db.View(func(txn *bg.Txn) error {
		return eachStored(context.Background(), txn, pEntity, func(e *graph.Entity) error {
			out = append(out, *e)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkPostings holds the trigram postings of a store to what its entities
// say: the blocks hold exactly the postings entityIndex lists for them, in
// key order, each group's blocks end where postingSpread says (after each
// id that ends a block, keyed by it, and the postings after the last such
// id in the block keyed lastBlock), and c:df:g: counts them.
func checkPostings(t *testing.T, st *Store, when string) {
	t.Helper()
	want := map[string]bool{}
	df := map[string]int64{}
	for _, e := range storedEntities(t, st) {
		entityIndex(&e, false, true, func(prefix, a, b, c string) {
			k := prefix + a + sep + b + sep + c
			if !want[k] {
				want[k] = true
				df[a]++
			}
		})
	}
	got := map[string]bool{}
	blocks := prefixDump(t, st, pTrigram)
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range blocks {
			if !yield(k) {
				return
			}
		}
	})
	bad := 0
	fail := func(format string, args ...any) {
		t.Helper()
		if bad++; bad <= 10 {
			t.Errorf(when+": "+format, args...)
		}
	}
	var prevGroup, prevLast string
	for _, k := range keys {
		rest := k[len(pTrigram):]
		j := strings.IndexByte(rest, 0)
		if j < 0 || len(rest) < j+4 || rest[j+3] != 0 {
			fail("%q is not a block key", k)
			continue
		}
		group, end := rest[:j+4], rest[j+4:]
		if end != lastBlock && !endsBlock([]byte(end)) {
			fail("block %q: its key is not an id that ends a block", k)
		}
		var ids []string
		eachPosting([]byte(blocks[k]), func(sig uint64, id, name []byte) bool {
			if sig != trigramSignature(name) {
				fail("block %q: %q carries the signature %x, not %x", k, name, sig, trigramSignature(name))
			}
			ids = append(ids, string(id))
			p := pTrigram + group + string(id) + sep + string(name)
			if got[p] {
				fail("posting %q is twice", p)
			}
			got[p] = true
			// in order, within the block and after the blocks before
			entry := string(id) + sep + string(name)
			if group == prevGroup && entry <= prevLast {
				fail("block %q: posting %q out of order", k, p)
			}
			prevGroup, prevLast = group, entry
			return true
		})
		if len(ids) == 0 {
			fail("block %q is empty", k)
			continue
		}
		if end != lastBlock && ids[len(ids)-1] != end {
			fail("block %q ends with %q, not its key", k, ids[len(ids)-1])
		}
		for _, id := range ids {
			if id != end && endsBlock([]byte(id)) {
				fail("block %q holds %q, which ends a block", k, id)
			}
		}
	}
	for p := range want {
		if !got[p] {
			fail("posting %q is missing", p)
		}
	}
	for p := range got {
		if !want[p] {
			fail("posting %q is left over", p)
		}
	}
	counts := prefixDump(t, st, string(countKey("df:"+pTrigram)))
	for g, n := range df {
		if v := counts[string(countKey("df:"+pTrigram+g))]; v != string(encodeCount(n)) {
			fail("c:df:g:%s = %x, want %d", g, v, n)
		}
	}
	for k, v := range counts {
		g := strings.TrimPrefix(k, string(countKey("df:"+pTrigram)))
		if df[g] == 0 && v != string(encodeCount(0)) {
			fail("%q = %x, and no name has the trigram", k, v)
		}
	}
	if len(got) < 1000 {
		t.Fatalf("%s: only %d postings: too few to fill blocks", when, len(got))
	}
}

// Trigram postings stay packed as a new store would pack them through
// writes that add names, rename entities, add aliases and remove them, in
// transactions of a few entities and in journaled batches, with many names
// in the same groups (so that blocks fill, split and merge); and a build of
// the same entities writes the same blocks.
func TestPostingsStayPackedThroughWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(12, 6))
	st, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	first := []string{"Anna", "Anya", "Ana", "Anni", "Анна", "Ани"}
	last := []string{"Bel", "Bell", "Belo", "Bello", "Белл"}
	name := func() string { return first[rng.IntN(len(first))] + " " + last[rng.IntN(len(last))] }
	entity := func(i int) graph.Entity {
		return graph.Entity{ID: fmt.Sprintf("person/p-%d", i), Type: graph.Person, Name: name()}
	}
	endsBelow := func(n int) []int {
		var out []int
		for i := range n {
			if endsBlock(fmt.Appendf(nil, "person/p-%d", i)) {
				out = append(out, i)
			}
		}
		return out
	}
	aliases := map[int][]string{}
	n := 0
	for round := range 60 {
		c := &graph.Changeset{}
		touched := map[int]bool{} // an entity changes once in a changeset
		for range 1 + rng.IntN(12) {
			op, i := rng.IntN(4), 0
			if n > 0 {
				i = rng.IntN(n)
			}
			// half the changes are to entities whose postings end blocks, so
			// that blocks split and join as their last postings come and go
			if ends := endsBelow(n); len(ends) > 0 && rng.IntN(2) == 0 {
				i = ends[rng.IntN(len(ends))]
			}
			if n == 0 || touched[i] {
				op = 0
			}
			id := fmt.Sprintf("person/p-%d", i)
			switch {
			case op == 0: // a new entity
				e := entity(n)
				touched[n] = true
				c.Entities = append(c.Entities, graph.EntityChange{Where: e.ID, Entity: e})
				n++
			case op == 1: // renamed
				c.Entities = append(c.Entities, graph.EntityChange{Where: "rename", Entity: graph.Entity{ID: id, Name: name()}})
			case op == 2: // an alias more (with a number, never the name)
				a := name() + " " + fmt.Sprint(rng.IntN(3))
				aliases[i] = append(aliases[i], a)
				c.Entities = append(c.Entities, graph.EntityChange{Where: "alias", Entity: graph.Entity{ID: id, Aliases: []string{a}}})
			case len(aliases[i]) > 0: // an alias less
				a := aliases[i][0]
				aliases[i] = aliases[i][1:]
				c.Entities = append(c.Entities, graph.EntityChange{Where: "unalias", Entity: graph.Entity{ID: id}, RemoveAliases: []string{a}})
			}
			touched[i] = true
		}
		// now and then many new entities at once, some in journaled batches
		if round%10 == 9 {
			for range 150 {
				e := entity(n)
				c.Entities = append(c.Entities, graph.EntityChange{Where: e.ID, Entity: e})
				n++
			}
		}
		o := LoadOptions{}
		if round%20 == 19 {
			o = LoadOptions{MaxTxnKeys: 100, BatchKeys: 500}
		}
		if _, err := st.Load(ctx, c, o); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	checkPostings(t, st, "after the writes")

	// a build of the same entities: the same blocks, key for key
	c := &graph.Changeset{}
	for _, e := range storedEntities(t, st) {
		c.Entities = append(c.Entities, graph.EntityChange{Where: e.ID, Entity: e})
	}
	dir := filepath.Join(t.TempDir(), "built")
	if _, err := Build(ctx, dir, c, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	built, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer built.Close()
	got, want := prefixDump(t, built, pTrigram), prefixDump(t, st, pTrigram)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("block %q: %q built, %q written", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("block %q built, not written", k)
		}
	}
}

// A store of layout 5, whose trigram postings were one a key
// (g:<trigram>␀<len>␀<id>␀<name>), is migrated on open to the blocks a new
// store writes, also when an interrupted migration left scratch postings
// (h:) and blocks beside them; the counts of postings do not change.
func TestTrigramLayoutMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, err := seed.Default()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		id := fmt.Sprintf("person/many-%d", i)
		c.Entities = append(c.Entities, graph.EntityChange{Where: id, Entity: graph.Entity{ID: id, Type: graph.Person, Name: fmt.Sprintf("Many Person %d", i)}})
	}
	dir := t.TempDir()
	st, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx, c, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	want := prefixDump(t, st, pTrigram, pCount)
	// back to layout 5: a posting a key, with an interrupted migration's
	// scratch postings beside them, and some blocks kept
	err = st.db.Update(func(txn *bg.Txn) error {
		kept := 0
		for k, v := range want {
			if !strings.HasPrefix(k, pTrigram) {
				continue
			}
			if kept < 3 {
				kept++
				continue
			}
			if err := txn.Delete([]byte(k)); err != nil {
				return err
			}
			var err error
			rest := k[len(pTrigram):]
			group := rest[:strings.IndexByte(rest, 0)+4] // <trigram>␀<len>␀
			eachPosting([]byte(v), func(_ uint64, id, name []byte) bool {
				p := group + string(id) + sep + string(name)
				if err == nil {
					err = txn.Set([]byte(pTrigram+p), nil)
				}
				if err == nil && len(p)%3 == 0 {
					err = txn.Set([]byte(pTrigramScratch+p), nil)
				}
				return true
			})
			if err != nil {
				return err
			}
		}
		return txn.Set(key(pMeta, metaLayout), []byte("5"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	migrated, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer migrated.Close()
	if v, _ := migrated.Meta("layout"); v != fmt.Sprint(LayoutVersion) {
		t.Errorf("m:layout = %q after the migration", v)
	}
	got := prefixDump(t, migrated, pTrigram, pTrigramScratch, pCount)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%q = %q after the migration, %q in a new store", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%q after the migration, not in a new store", k)
		}
	}
	if hits, _ := migrated.Search(ctx, "Khamatowa", nil, 3); len(hits) == 0 || hits[0].Entity.ID != "person/chulpan-khamatova" {
		t.Errorf("Khamatowa after the migration = %v", hits)
	}
}

// A block lists its postings' ids and names as they were packed.
func TestEachPostingReadsWhatAppendPostingWrote(t *testing.T) {
	t.Parallel()
	var block []byte
	want := [][2]string{{"person/a", "anna bell"}, {"person/b", ""}, {"x", strings.Repeat("я", 300)}}
	for _, p := range want {
		block = appendPosting(block, trigramSignature([]byte(p[1])), []byte(p[0]), []byte(p[1]))
	}
	var got [][2]string
	eachPosting(block, func(sig uint64, id, name []byte) bool {
		got = append(got, [2]string{string(id), string(name)})
		if sig != trigramSignature(name) {
			t.Errorf("%q: signature %x, want %x", name, sig, trigramSignature(name))
		}
		return true
	})
	if !slices.Equal(got, want) {
		t.Errorf("read %q, wrote %q", got, want)
	}
	// a cut block reads no further than its last whole posting
	got = got[:0]
	eachPosting(block[:len(block)-1], func(_ uint64, id, name []byte) bool {
		got = append(got, [2]string{string(id), string(name)})
		return true
	})
	if !slices.Equal(got, want[:2]) {
		t.Errorf("a cut block read %q", got)
	}
}
