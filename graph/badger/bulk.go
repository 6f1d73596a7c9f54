package badger

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	bg "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/ristretto/v2/z"

	"github.com/emigraph/emigraph/graph"
)

// A bulk build writes a plan into an empty database without transactions:
// the keys of each prefix (a family) are packed into one arena, sorted there
// and streamed into Badger's StreamWriter as one stream, several families at
// a time. It writes exactly the keys and values that buildMutation would
// (bulk_test.go compares the two stores key by key).

// family holds the keys and values of one key prefix, packed into chunks
// of memory that never move once written (growing one big arena would copy
// it again and again).
type family struct {
	prefix string
	chunks [][]byte
	ents   []famEntry
	// order is ents sorted by key (indexes into ents), set by sort.
	order []sortItem
	// expand, if set, turns a stored value into the value written (the
	// relations family stores an index and encodes the relation only when
	// it is written, so its JSON never sits in memory all at once).
	expand func(dst, stored []byte) []byte
	pool   *bulkPool
}

// bulkPool hands out memory that earlier families gave back: fresh memory
// is slow to touch the first time (on a virtual machine, slower than all
// the sorting), so a build reuses what it has.
type bulkPool struct {
	mu     sync.Mutex
	chunks [][]byte
	ents   [][]famEntry
	items  [][]sortItem
}

func (p *bulkPool) chunk(n int) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n <= chunkSize && len(p.chunks) > 0 {
		c := p.chunks[len(p.chunks)-1]
		p.chunks = p.chunks[:len(p.chunks)-1]
		return c[:0]
	}
	return make([]byte, 0, max(chunkSize, n))
}

func take[T any](p *bulkPool, free *[][]T, n int) []T {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, s := range *free {
		if cap(s) >= n {
			(*free)[i] = (*free)[len(*free)-1]
			*free = (*free)[:len(*free)-1]
			return s[:0]
		}
	}
	return make([]T, 0, n)
}

// release gives the family's memory back to the pool.
func (f *family) release() {
	p := f.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range f.chunks {
		if cap(c) == chunkSize {
			p.chunks = append(p.chunks, c)
		}
	}
	p.ents = append(p.ents, f.ents)
	p.items = append(p.items, f.order)
	f.chunks, f.ents, f.order = nil, nil, nil
}

// famEntry is a key and its value, one after the other in a chunk.
type famEntry struct {
	chunk, off uint32
	klen, vlen uint32
}

const chunkSize = 4 << 20

func (f *family) key(e famEntry) []byte {
	return f.chunks[e.chunk][e.off : e.off+e.klen]
}

func (f *family) value(e famEntry) []byte {
	start := e.off + e.klen
	return f.chunks[e.chunk][start : start+e.vlen]
}

// room returns the chunk that has n bytes free.
func (f *family) room(n int) []byte {
	if len(f.chunks) > 0 {
		if c := f.chunks[len(f.chunks)-1]; cap(c)-len(c) >= n {
			return c
		}
	}
	f.chunks = append(f.chunks, f.pool.chunk(n))
	return f.chunks[len(f.chunks)-1]
}

// put adds the key prefix+a[␀b[␀c]] (an empty b or c ends the key) with value v.
func (f *family) put(v, a, b, c string) {
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
}

// putKey adds a whole key (prefix included).
func (f *family) putKey(k string, v []byte) {
	chunk := f.room(len(k) + len(v))
	start := len(chunk)
	chunk = append(append(chunk, k...), v...)
	f.chunks[len(f.chunks)-1] = chunk
	f.ents = append(f.ents, famEntry{chunk: uint32(len(f.chunks) - 1), off: uint32(start), klen: uint32(len(k)), vlen: uint32(len(v))})
}

// sort orders the entries by key (into order).
func (f *family) sort() {
	items := take(f.pool, &f.pool.items, len(f.ents))[:len(f.ents)]
	for i := range items {
		items[i].idx = uint32(i)
	}
	f.sortFrom(items, len(f.prefix))
	f.order = items
}

// sortItem is an entry's place and eight bytes of its key from the depth
// being sorted: comparing those as one number, and going deeper only among
// equal ones, sorts keys with long shared beginnings ("D:person/gen-") far
// faster than comparing whole keys.
type sortItem struct {
	word uint64
	idx  uint32
}

func (f *family) sortFrom(items []sortItem, depth int) {
	if len(items) < 2 {
		return
	}
	for i := range items {
		items[i].word = f.wordAt(f.ents[items[i].idx], depth)
	}
	slices.SortFunc(items, func(a, b sortItem) int { return cmp.Compare(a.word, b.word) })
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
				if f.ents[run[m].idx].klen <= end {
					run[k], run[m] = run[m], run[k]
					k++
				}
			}
			slices.SortFunc(run[:k], func(a, b sortItem) int { return cmp.Compare(f.ents[a.idx].klen, f.ents[b.idx].klen) })
			f.sortFrom(run[k:], depth+8)
		}
		i = j
	}
}

func (f *family) wordAt(e famEntry, depth int) uint64 {
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

// appendKV appends the protocol-buffer encoding of a Badger pb.KV (key,
// value, version 1, stream id) that StreamWriter reads: what
// badger.KVToBuffer produces, without building a message for every key.
func appendKV(b, k, v []byte, stream uint32) []byte {
	b = append(b, 0x0a) // field 1, bytes: key
	b = binary.AppendUvarint(b, uint64(len(k)))
	b = append(b, k...)
	if len(v) > 0 {
		b = append(b, 0x12) // field 2, bytes: value
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	b = append(b, 0x20, 1) // field 4, varint: version
	b = append(b, 0x50)    // field 10, varint: stream id
	return binary.AppendUvarint(b, uint64(stream))
}

// stream writes a sorted family to sw as one stream, through buf. Keys are
// never repeated (Badger refuses a stream whose keys do not increase).
func (f *family) stream(ctx context.Context, sw *bg.StreamWriter, id uint32, buf *z.Buffer) error {
	if len(f.order) == 0 {
		return nil // Badger knows no stream it was sent nothing for
	}
	var scratch, value []byte
	for i, it := range f.order {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		e := f.ents[it.idx]
		k := f.key(e)
		value = f.value(e)
		if f.expand != nil {
			value = f.expand(scratch[:0], value)
			scratch = value
		}
		n := kvSize(k, value, id)
		dst := buf.SliceAllocate(n)
		if got := appendKV(dst[:0], k, value, id); len(got) != n || &got[0] != &dst[0] {
			panic("badger: kvSize disagrees with appendKV") // a bug here, not bad input
		}
		if buf.LenNoPadding() > 8<<20 {
			if err := sw.Write(buf); err != nil {
				return err
			}
			buf.Reset()
		}
	}
	// the end of the stream: Badger finishes its last table now and lets its
	// memory go, rather than holding a table builder per family until Flush
	done := streamDone(nil, id)
	copy(buf.SliceAllocate(len(done)), done)
	if err := sw.Write(buf); err != nil {
		return err
	}
	buf.Reset()
	return nil
}

// streamDone appends the encoding of a pb.KV that closes a stream.
func streamDone(b []byte, stream uint32) []byte {
	b = append(b, 0x50) // field 10, varint: stream id
	b = binary.AppendUvarint(b, uint64(stream))
	return append(b, 0x58, 1) // field 11, varint: stream done
}

// kvSize is the length of appendKV's encoding.
func kvSize(k, v []byte, stream uint32) int {
	n := 1 + uvarintLen(uint64(len(k))) + len(k) + 2 + 1 + uvarintLen(uint64(stream))
	if len(v) > 0 {
		n += 1 + uvarintLen(uint64(len(v))) + len(v)
	}
	return n
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// bulkTasks splits the building of a plan's keys into tasks that each fill
// some families; the tasks run in parallel.
func bulkTasks(plan *graph.Plan, pool *bulkPool) []func() []*family {
	fam := func(prefix string, n int) *family {
		return &family{prefix: prefix, ents: take(pool, &pool.ents, n), pool: pool}
	}
	rels := plan.Relations
	periods := 0
	for _, w := range rels {
		if w.New.EndDate != "" {
			periods++
		}
	}
	// entries to make room for up front (a guess for names: growing is dearer than space never touched)
	n, e := len(rels), len(plan.Entities)
	sizeHint := map[string]int{pOut: n, pIn: n, pByPred: n, pDate: n, pLink: 2 * n, pEntDate: 2 * n,
		pPeriod: periods, pEntPeriod: 2 * periods, pEntity: e, pByType: e, pName: 2 * e, pWord: 4 * e, pTrigram: 24 * e}
	entityTask := func() []*family {
		byPrefix := map[string]*family{}
		get := func(p string) *family {
			if byPrefix[p] == nil {
				byPrefix[p] = fam(p, sizeHint[p])
			}
			return byPrefix[p]
		}
		for _, w := range plan.Predicates {
			get(pPredicate).putKey(string(predicateKey(w.New.ID)), mustJSON(w.New))
		}
		for _, w := range plan.Entities {
			get(pEntity).putKey(string(entityKey(w.New.ID)), mustJSON(w.New))
			for k, v := range entityIndexKeys(w.New) {
				get(k[:2]).putKey(k, v)
			}
		}
		out := make([]*family, 0, len(byPrefix))
		for _, f := range byPrefix {
			out = append(out, f)
		}
		return out
	}
	relationTask := func() []*family {
		f := fam(pRelation, len(rels))
		var index [4]byte
		for i, w := range rels {
			binary.BigEndian.PutUint32(index[:], uint32(i))
			f.put(string(index[:]), w.New.ID, "", "")
		}
		var out bytes.Buffer
		enc := json.NewEncoder(&out) // what json.Marshal writes, and a newline
		f.expand = func(dst, stored []byte) []byte {
			out.Reset()
			if err := enc.Encode(rels[binary.BigEndian.Uint32(stored)].New); err != nil {
				panic(err) // our own types always encode
			}
			return append(dst, bytes.TrimSuffix(out.Bytes(), []byte("\n"))...)
		}
		return []*family{f}
	}
	// the index families of relations, split into tasks of similar size
	indexTask := func(prefixes ...string) func() []*family {
		return func() []*family {
			byPrefix := map[string]*family{}
			for _, p := range prefixes {
				byPrefix[p] = fam(p, sizeHint[p])
			}
			for _, w := range rels {
				relationIndex(w.New, func(prefix, v, a, b, c string) {
					if f := byPrefix[prefix]; f != nil {
						f.put(v, a, b, c)
					}
				})
			}
			out := make([]*family, 0, len(prefixes))
			for _, p := range prefixes {
				out = append(out, byPrefix[p])
			}
			return out
		}
	}
	counterTask := func() []*family {
		counts := map[string]int64{"entities": 0, "relations": 0}
		for _, w := range plan.Entities {
			counts["entities"]++
			counts["type:"+string(w.New.Type)]++
			for k := range entityIndexKeys(w.New) {
				if strings.HasPrefix(k, pWord) || strings.HasPrefix(k, pTrigram) {
					counts["df:"+k[:strings.IndexByte(k, 0)]]++
				}
			}
		}
		for _, w := range rels {
			r := w.New
			counts["relations"]++
			counts["pred:"+r.Predicate]++
			counts["deg:"+r.Subject]++
			if r.Object != "" && r.Object != r.Subject {
				counts["deg:"+r.Object]++
			}
		}
		f := fam(pCount, len(counts))
		for name, n := range counts {
			if n != 0 {
				f.put(string(encodeCount(n)), name, "", "")
			}
		}
		return []*family{f}
	}
	return []func() []*family{
		relationTask,
		indexTask(pOut, pIn),
		indexTask(pLink),
		indexTask(pEntDate, pEntPeriod),
		indexTask(pByPred, pDate, pPeriod),
		entityTask,
		counterTask,
	}
}

// bulkWrite builds the keys of a plan and streams them into an empty
// database, using every core: each task builds and sorts its families while
// Badger writes the families of earlier ones.
func bulkWrite(ctx context.Context, db *bg.DB, plan *graph.Plan, progress func(done, total int)) error {
	sw := db.NewStreamWriter()
	if err := sw.Prepare(); err != nil {
		return err
	}
	pool := &bulkPool{}
	tasks := bulkTasks(plan, pool)
	var (
		next, streamID atomic.Uint32
		done           atomic.Int32
		wg             sync.WaitGroup
		errOnce        sync.Once
		firstErr       error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	workers := min(runtime.GOMAXPROCS(0), len(tasks))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := z.NewBuffer(16<<20, "emigraph.bulk")
			defer buf.Release()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(tasks) || ctx.Err() != nil {
					return
				}
				for _, f := range tasks[i]() {
					f.sort()
					err := f.stream(ctx, sw, streamID.Add(1), buf)
					f.release()
					if err != nil {
						fail(err)
						return
					}
				}
				if progress != nil {
					progress(int(done.Add(1)), len(tasks))
				}
			}
		}()
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		sw.Cancel()
		return firstErr
	}
	return sw.Flush()
}
