package bulk

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"slices"
	"sync"
	"sync/atomic"
)

// Family holds the keys and values of one key prefix, packed into chunks
// of memory that never move once written (growing one big arena would copy
// it again and again).
type Family struct {
	prefix string
	chunks [][]byte
	ents   []famEntry
	// order is the entries sorted by key, set by sort.
	order []sortItem
	// Expand, if set, turns a stored value into the value written (the
	// relations family stores an index and encodes the relation only when
	// it is written, so its JSON never sits in memory all at once).
	Expand func(dst, stored []byte) []byte
	// Pack, if set, is given the family's keys and values in key order
	// instead of the tables, and writes through add what it makes of them
	// (keys in order, values its own), then is called once more with a nil
	// key to write what it holds: the trigram postings are packed into
	// blocks of many postings a key this way, after sorting, which cuts
	// them wherever their keys say.
	Pack func(k, v []byte, add func(k, v []byte) error) error
	pool *Pool
	// held is the memory the family holds, as it last told the pool; runs
	// are the sorted runs it spilled (spill.go)
	held, grown int64
	runs        []string
	spillErr    error
	// runWriter buffers the runs the family spills, one after another:
	// a family that spills often would otherwise allocate (and zero) a
	// buffer a run.
	runWriter *bufio.Writer
}

// Pool hands out memory that earlier families gave back: fresh memory
// is slow to touch the first time (on a virtual machine, slower than all
// the sorting), so a build reuses what it has.
type Pool struct {
	mu     sync.Mutex
	chunks [][]byte
	ents   [][]famEntry
	items  [][]sortItem
	// with a memory budget, families spill sorted runs into spillDir when
	// the keys they hold together exceed it (spill.go)
	budget   int64
	live     atomic.Int64
	spillDir string
	spills   atomic.Int64
}

func (p *Pool) chunk(n int) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n <= chunkSize && len(p.chunks) > 0 {
		c := p.chunks[len(p.chunks)-1]
		p.chunks = p.chunks[:len(p.chunks)-1]
		return c[:0]
	}
	return make([]byte, 0, max(chunkSize, n))
}

func take[T any](p *Pool, free *[][]T, n int) []T {
	p.mu.Lock()
	defer p.mu.Unlock()
	largest := -1
	for i, s := range *free {
		if cap(s) >= n {
			(*free)[i] = (*free)[len(*free)-1]
			*free = (*free)[:len(*free)-1]
			return s[:0]
		}
		if largest < 0 || cap(s) > cap((*free)[largest]) {
			largest = i
		}
	}
	if largest >= 0 {
		// none is large enough: the largest goes, for the one made now, so
		// that what the pool keeps does not grow with every size asked
		(*free)[largest] = (*free)[len(*free)-1]
		*free = (*free)[:len(*free)-1]
	}
	return make([]T, 0, n)
}

// release gives the family's memory back to the pool.
func (f *Family) release() {
	f.releaseKeys()
	p := f.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ents = append(p.ents, f.ents)
	f.ents = nil
	f.removeRuns()
}

// releaseKeys gives the family's chunks and sort order back to the pool and
// empties it (its entry slice stays, emptied).
func (f *Family) releaseKeys() {
	p := f.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range f.chunks {
		if cap(c) == chunkSize {
			p.chunks = append(p.chunks, c)
		}
	}
	if f.order != nil {
		p.items = append(p.items, f.order)
	}
	f.chunks, f.ents, f.order = nil, f.ents[:0], nil
	p.live.Add(-f.held)
	f.held, f.grown = 0, 0
}

// famEntry is a key and its value, one after the other in a chunk.
type famEntry struct {
	chunk, off uint32
	klen, vlen uint32
}

const chunkSize = 4 << 20

func (f *Family) key(e famEntry) []byte {
	return f.chunks[e.chunk][e.off : e.off+e.klen]
}

func (f *Family) value(e famEntry) []byte {
	start := e.off + e.klen
	return f.chunks[e.chunk][start : start+e.vlen]
}

// room returns the chunk that has n bytes free.
func (f *Family) room(n int) []byte {
	if len(f.chunks) > 0 {
		if c := f.chunks[len(f.chunks)-1]; cap(c)-len(c) >= n {
			return c
		}
	}
	f.chunks = append(f.chunks, f.pool.chunk(n))
	return f.chunks[len(f.chunks)-1]
}

// put adds the key prefix+a[␀b[␀c]] (an empty b or c ends the key) with value v.
func (f *Family) Put(v, a, b, c string) {
	klen := len(f.prefix) + len(a)
	if b != "" {
		klen += 1 + len(b)
		if c != "" {
			klen += 1 + len(c)
		}
	}
	chunk := f.room(klen + len(v))
	start := len(chunk)
	chunk = append(chunk, f.prefix...)
	chunk = append(chunk, a...)
	if b != "" {
		chunk = append(chunk, 0)
		chunk = append(chunk, b...)
		if c != "" {
			chunk = append(chunk, 0)
			chunk = append(chunk, c...)
		}
	}
	chunk = append(chunk, v...)
	f.chunks[len(f.chunks)-1] = chunk
	f.ents = append(f.ents, famEntry{chunk: uint32(len(f.chunks) - 1), off: uint32(start), klen: uint32(klen), vlen: uint32(len(v))})
	if f.pool.budget > 0 {
		f.added(klen + len(v))
	}
}

// putKey adds a whole key (prefix included).
func (f *Family) PutKey(k string, v []byte) {
	chunk := f.room(len(k) + len(v))
	start := len(chunk)
	chunk = append(append(chunk, k...), v...)
	f.chunks[len(f.chunks)-1] = chunk
	f.ents = append(f.ents, famEntry{chunk: uint32(len(f.chunks) - 1), off: uint32(start), klen: uint32(len(k)), vlen: uint32(len(v))})
	if f.pool.budget > 0 {
		f.added(len(k) + len(v))
	}
}

// sort orders the entries by key (into order).
func (f *Family) sort() {
	items := take(f.pool, &f.pool.items, len(f.ents))[:len(f.ents)]
	for i := range items {
		items[i].e = f.ents[i]
	}
	scratch := take(f.pool, &f.pool.items, len(items))[:len(items)]
	f.sortFrom(items, scratch, len(f.prefix))
	f.order = items
	f.pool.mu.Lock()
	f.pool.items = append(f.pool.items, scratch)
	f.pool.mu.Unlock()
}

// sortItem is an entry and eight bytes of its key from the depth
// being sorted: comparing those as one number, and going deeper only among
// equal ones, sorts keys with long shared beginnings ("D:person/gen-") far
// faster than comparing whole keys.
type sortItem struct {
	word uint64
	e    famEntry // a copy, so that reading in key order touches the key alone
}

// sortFrom sorts items on their key bytes from depth on; scratch is as long
// as items.
func (f *Family) sortFrom(items, scratch []sortItem, depth int) {
	if len(items) < 2 {
		return
	}
	for i := range items {
		items[i].word = f.wordAt(items[i].e, depth)
	}
	if len(items) < 256 {
		slices.SortFunc(items, func(a, b sortItem) int { return cmp.Compare(a.word, b.word) })
	} else {
		radixSort(items, scratch)
	}
	for i := 0; i < len(items); {
		j := i + 1
		for j < len(items) && items[j].word == items[i].word {
			j++
		}
		if j-i > 1 {
			run := items[i:j]
			// keys that end inside these eight bytes are prefixes of the
			// others in the run (the missing bytes read as zero): they come
			// first, shorter first; the others are sorted on deeper
			end := uint32(depth + 8)
			k := 0
			for m := range run {
				if run[m].e.klen <= end {
					run[k], run[m] = run[m], run[k]
					k++
				}
			}
			slices.SortFunc(run[:k], func(a, b sortItem) int { return cmp.Compare(a.e.klen, b.e.klen) })
			f.sortFrom(run[k:], scratch[i+k:j], depth+8)
		}
		i = j
	}
}

// radixSort sorts items by word, a byte at a time from the lowest (stable,
// so each pass keeps the order of the ones before), using scratch as large
// as items. Passes where every word has the same byte are skipped: keys share
// long beginnings.
func radixSort(items, scratch []sortItem) {
	// the counts of every byte position in one pass over the items
	var counts [8][256]int
	for _, it := range items {
		w := it.word
		for p := range counts {
			counts[p][byte(w>>(8*p))]++
		}
	}
	src, dst := items, scratch
	for p := range counts {
		shift := uint(8 * p)
		if counts[p][byte(src[0].word>>shift)] == len(src) {
			continue
		}
		pos := 0
		for b, c := range counts[p] {
			counts[p][b] = pos
			pos += c
		}
		for _, it := range src {
			b := byte(it.word >> shift)
			dst[counts[p][b]] = it
			counts[p][b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &items[0] {
		copy(items, src)
	}
}

func (f *Family) wordAt(e famEntry, depth int) uint64 {
	k := f.key(e)
	if depth >= len(k) {
		return 0
	}
	k = k[depth:]
	if len(k) >= 8 {
		return binary.BigEndian.Uint64(k)
	}
	var b [8]byte
	copy(b[:], k)
	return binary.BigEndian.Uint64(b[:])
}

// NewPool returns an empty pool.
func NewPool() *Pool { return &Pool{} }

// Family returns an empty family of keys under prefix, with room for about
// n entries taken from the pool.
func (p *Pool) Family(prefix string, n int) *Family {
	if p.budget > 0 {
		// no more room than a family holds, as a rule, before it spills a
		// run (budget/16 beyond the budget; an entry takes entryCost and its
		// key): room made is heap to the collector, touched or not, and a
		// streamed build keeps twenty families open at once
		n = min(n, int(p.budget/(16*entryCost)))
	}
	return &Family{prefix: prefix, ents: take(p, &p.ents, n), pool: p}
}

// Prefix is the key prefix of the family's keys.
func (f *Family) Prefix() string { return f.prefix }
