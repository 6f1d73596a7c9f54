package badger

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	bg "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/badger/v4/y"
	"github.com/dgraph-io/ristretto/v2/z"
	"google.golang.org/protobuf/proto"

	"github.com/emigraph/emigraph/graph"
)

// A bulk build writes a plan into a new database without transactions: the
// keys of each prefix (a family) are packed into chunks of memory, sorted
// there and written straight into SSTables, several families at a time,
// then a MANIFEST names the tables (see bulkBuild). It writes exactly the
// keys and values that buildMutation would (bulk_test.go compares the two
// stores key by key).

// family holds the keys and values of one key prefix, packed into chunks
// of memory that never move once written (growing one big arena would copy
// it again and again).
type family struct {
	prefix string
	chunks [][]byte
	ents   []famEntry
	// order is the entries sorted by key, set by sort.
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
func (f *family) sortFrom(items, scratch []sortItem, depth int) {
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

// writeTables writes a sorted family as SSTables in dir, numbered by
// nextID, and returns their ids.
func (f *family) writeTables(ctx context.Context, dir string, topts table.Options, nextID func() uint64, buf *[]byte) ([]uint64, error) {
	var ids []uint64
	b := table.NewTableBuilder(topts)
	defer func() { b.Close() }()
	finish := func() error {
		if b.Empty() {
			return nil
		}
		id := nextID()
		if err := writeTable(table.NewFilename(id, dir), b, buf); err != nil {
			return err
		}
		ids = append(ids, id)
		b.Close()
		b = table.NewTableBuilder(topts)
		return nil
	}
	// keys carry Badger's version suffix: version 1, as if written by the
	// first transaction
	var key, prev, value, scratch []byte
	var touched byte
	for i, it := range f.order {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		// Entries are read in key order, scattered in memory: reading one a
		// few places ahead lets the processor fetch it while this one is
		// written, rather than wait for every one in turn.
		if j := i + prefetchAhead; j < len(f.order) {
			ahead := f.order[j].e
			touched ^= f.chunks[ahead.chunk][ahead.off]
		}
		e := it.e
		k := f.key(e)
		// a cheap guard: tables with keys out of order would read wrong, silently
		if i > 0 && bytes.Compare(k, prev) <= 0 {
			return nil, fmt.Errorf("bulk load: keys out of order at %q", k)
		}
		prev = k
		key = append(append(key[:0], k...), versionOne[:]...)
		value = f.value(e)
		if f.expand != nil {
			value = f.expand(scratch[:0], value)
			scratch = value
		}
		b.Add(key, y.ValueStruct{Value: value}, 0)
		if b.ReachedCapacity() {
			if err := finish(); err != nil {
				return nil, err
			}
		}
	}
	if err := finish(); err != nil {
		return nil, err
	}
	prefetchSink.Store(uint32(touched))
	return ids, nil
}

const prefetchAhead = 16

// prefetchSink keeps the reads ahead from being optimised away.
var prefetchSink atomic.Uint32

// versionOne is the suffix Badger puts after a key written at version 1:
// the version subtracted from the largest uint64, big-endian (y.KeyWithTs).
var versionOne = func() (b [8]byte) {
	binary.BigEndian.PutUint64(b[:], math.MaxUint64-1)
	return b
}()

// writeTable writes a built table to a new file, as table.CreateTable does
// but through write(2) from a reused buffer rather than into a fresh memory
// map (every page of which costs a fault), and without opening it: Badger
// opens it with the database.
func writeTable(name string, b *table.Builder, buf *[]byte) error {
	data := b.Done()
	if cap(*buf) < data.Size {
		*buf = make([]byte, data.Size)
	}
	out := (*buf)[:data.Size]
	if n := data.Copy(out); n != data.Size {
		return fmt.Errorf("bulk load: table of %d bytes copied as %d", data.Size, n)
	}
	return createSynced(name, out)
}

// createSynced writes a new file and syncs it: the swap that follows must
// not find it half on disk after a crash.
func createSynced(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeManifest writes the MANIFEST of a database whose tables are ids, all
// at one level: what Badger's own StreamWriter records when it writes sorted
// data to the last level. The format is Badger's (manifest.go, version 8):
// "Bdgr", the external and Badger's magic versions, then change sets, each
// its length, its CRC-32 (Castagnoli) and the protocol buffer.
// bulk_test.go opens what this writes with Badger itself, so a Badger that
// changes the format fails the test rather than a user's load.
func writeManifest(dir string, ids []uint64, opts bg.Options) error {
	changes := make([]*pb.ManifestChange, len(ids))
	for i, id := range ids {
		changes[i] = &pb.ManifestChange{Id: id, Op: pb.ManifestChange_CREATE, Level: uint32(opts.MaxLevels - 1),
			EncryptionAlgo: pb.EncryptionAlgo_aes, Compression: uint32(opts.Compression)}
	}
	set, err := proto.Marshal(&pb.ManifestChangeSet{Changes: changes})
	if err != nil {
		return err
	}
	buf := make([]byte, 0, 16+len(set))
	buf = append(buf, "Bdgr"...)
	buf = binary.BigEndian.AppendUint16(buf, opts.ExternalMagicVersion)
	buf = binary.BigEndian.AppendUint16(buf, badgerManifestVersion)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(set)))
	buf = binary.BigEndian.AppendUint32(buf, crc32.Checksum(set, crc32.MakeTable(crc32.Castagnoli)))
	buf = append(buf, set...)
	return createSynced(filepath.Join(dir, bg.ManifestFilename), buf)
}

// badgerManifestVersion is the MANIFEST version of the Badger in go.mod.
const badgerManifestVersion = 8

// bulkTasks splits the building of a plan's keys into tasks that each fill
// some families; the tasks run in parallel.
func bulkTasks(plan *graph.Plan, pool *bulkPool) (entities, relations []func() []*family) {
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
	sizeHint := map[string]int{pOut: n, pIn: n, pByPred: n, pDate: n, pEntDate: 2 * n,
		pPeriod: periods, pEntPeriod: 2 * periods, pEntity: e, pByType: e, pName: 2 * e, pWord: 4 * e, pTrigram: 24 * e}
	// The keys of entities: entityIndexKeys, written straight into the
	// families. The words and the trigrams of names are two tasks, each with
	// the document frequencies of its terms (c:df:w:, c:df:g:), so that
	// neither is the one the other core waits for.
	type indexKey struct{ prefix, a, b, c string }
	namesTask := func(trigrams bool) func() []*family {
		return func() []*family {
			byPrefix := map[string]*family{}
			var out []*family
			for _, p := range map[bool][]string{true: {pTrigram}, false: {pByType, pName, pWord}}[trigrams] {
				byPrefix[p] = fam(p, sizeHint[p])
				out = append(out, byPrefix[p])
			}
			if !trigrams {
				predicates, entities := fam(pPredicate, len(plan.Predicates)), fam(pEntity, e)
				for _, w := range plan.Predicates {
					predicates.putKey(string(predicateKey(w.New.ID)), mustJSON(w.New))
				}
				for _, w := range plan.Entities {
					entities.putKey(string(entityKey(w.New.ID)), mustJSON(w.New))
				}
				out = append(out, predicates, entities)
			}
			terms := byPrefix[map[bool]string{true: pTrigram, false: pWord}[trigrams]]
			df := map[string]int64{} // postings of each term, as countTerm keeps them
			seen := map[indexKey]struct{}{}
			for _, w := range plan.Entities {
				clear(seen)
				entityIndex(w.New, !trigrams, trigrams, func(prefix, a, b, c string) {
					k := indexKey{prefix, a, b, c}
					if _, dup := seen[k]; dup {
						return
					}
					seen[k] = struct{}{}
					byPrefix[prefix].put("", a, b, c)
					if byPrefix[prefix] == terms {
						df[a]++
					}
				})
			}
			counts := fam(pCount+"df:"+terms.prefix, len(df))
			for t, n := range df {
				counts.put(string(encodeCount(n)), t, "", "")
			}
			return append(out, counts)
		}
	}
	// The other counters: degrees, and the totals (c:entities,
	// c:pred:<p>, c:relations, c:type:<T>), which sort apart from the
	// degrees and the term counts.
	countersTask := func() []*family {
		degree := map[string]int64{}
		for _, w := range rels {
			degree[w.New.Subject]++
			if o := w.New.Object; o != "" && o != w.New.Subject {
				degree[o]++
			}
		}
		degrees := fam(pCount+"deg:", len(degree))
		for id, n := range degree {
			degrees.put(string(encodeCount(n)), id, "", "")
		}
		totals := map[string]int64{"entities": int64(len(plan.Entities)), "relations": int64(len(rels))}
		for _, w := range plan.Entities {
			totals["type:"+string(w.New.Type)]++
		}
		for _, w := range rels {
			totals["pred:"+w.New.Predicate]++
		}
		rest := fam(pCount, len(totals))
		for name, n := range totals {
			if n != 0 {
				rest.put(string(encodeCount(n)), name, "", "")
			}
		}
		return []*family{degrees, rest}
	}
	relationTask := func() []*family {
		f := fam(pRelation, len(rels))
		var index [4]byte
		for i, w := range rels {
			binary.BigEndian.PutUint32(index[:], uint32(i))
			f.put(string(index[:]), w.New.ID, "", "")
		}
		f.expand = func(dst, stored []byte) []byte {
			r := rels[binary.BigEndian.Uint32(stored)].New
			if b, ok := appendRelationJSON(dst, r); ok {
				return b
			}
			return append(dst, mustJSON(r)...)
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
	// the longest first, so that no core waits for one at the end
	return []func() []*family{namesTask(true), namesTask(false)},
		[]func() []*family{relationTask, indexTask(pOut, pIn), indexTask(pEntDate, pEntPeriod),
			indexTask(pByPred, pDate, pPeriod), countersTask}
}

// bulkBuild writes the families of tasks into the tables of a new database
// in dir as the tasks arrive, on every core: each worker builds, sorts and
// writes one family after another. wait writes the MANIFEST, after which
// Badger opens the result like any database it wrote itself.
type bulkBuild struct {
	ctx      context.Context
	cancel   context.CancelFunc
	dir      string
	opts     bg.Options
	topts    table.Options
	pool     *bulkPool
	tasks    chan func() []*family
	wg       sync.WaitGroup
	lastID   atomic.Uint64
	done     atomic.Int32
	progress func(done int)

	mu  sync.Mutex
	ids []uint64
	err error
}

// startBulkBuild starts the workers; progress, if set, hears how many tasks
// are done.
func startBulkBuild(ctx context.Context, dir string, opts bg.Options, progress func(done int)) *bulkBuild {
	b := &bulkBuild{dir: dir, opts: opts, pool: &bulkPool{}, tasks: make(chan func() []*family, 64), progress: progress}
	b.ctx, b.cancel = context.WithCancel(ctx)
	b.topts = table.Options{
		TableSize:            8 << 20,
		BlockSize:            opts.BlockSize,
		BloomFalsePositive:   opts.BloomFalsePositive,
		ChkMode:              opts.ChecksumVerificationMode,
		Compression:          opts.Compression,
		ZSTDCompressionLevel: opts.ZSTDCompressionLevel,
		// table builders take their memory from a pool, not fresh for every table
		AllocPool: z.NewAllocatorPool(runtime.GOMAXPROCS(0)),
	}
	for range runtime.GOMAXPROCS(0) {
		b.wg.Add(1)
		go b.work()
	}
	return b
}

func (b *bulkBuild) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err = err
		b.cancel()
	}
}

func (b *bulkBuild) work() {
	defer b.wg.Done()
	var buf []byte // for the tables this worker writes, one after another
	for task := range b.tasks {
		if b.ctx.Err() != nil {
			continue // drain
		}
		for _, f := range task() {
			f.sort()
			ids, err := f.writeTables(b.ctx, b.dir, b.topts, func() uint64 { return b.lastID.Add(1) }, &buf)
			f.release()
			if err != nil {
				b.fail(err)
				break
			}
			b.mu.Lock()
			b.ids = append(b.ids, ids...)
			b.mu.Unlock()
		}
		if b.progress != nil {
			b.progress(int(b.done.Add(1)))
		}
	}
}

// add queues tasks.
func (b *bulkBuild) add(tasks ...func() []*family) {
	for _, t := range tasks {
		b.tasks <- t
	}
}

// wait finishes the queued tasks and writes the MANIFEST.
func (b *bulkBuild) wait() error {
	close(b.tasks)
	b.wg.Wait()
	defer b.topts.AllocPool.Release()
	defer b.cancel()
	if b.err == nil {
		b.err = b.ctx.Err()
	}
	if b.err != nil {
		return b.err
	}
	slices.Sort(b.ids)
	return writeManifest(b.dir, b.ids, b.opts)
}

// abort stops the build; what it wrote is for the caller to remove.
func (b *bulkBuild) abort() {
	b.cancel()
	b.wait()
}
