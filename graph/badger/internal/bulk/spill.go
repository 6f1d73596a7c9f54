package bulk

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// Spilling: with a memory budget (Builder.SetMemoryBudget), the families of
// a build tell their pool how much they hold as they grow; when together
// they hold more than the budget, the family that grows sorts what it holds
// into a run, writes the run to a file under the build's directory, and
// gives its memory back to the pool, so that the next keys reuse it. A
// family that spilled writes its tables by merging its runs, reading each a
// buffer at a time. What stays in memory is the budget, a chunk and a read
// buffer per family, not the keys.

// entryCost is what an entry costs beyond its bytes: its famEntry, and the
// two sort items that sort it.
const entryCost = 16 + 2*24

// spillDirName is the directory of runs inside the build's directory,
// removed before the MANIFEST is written.
const spillDirName = "spill.tmp"

// SetMemoryBudget bounds the memory the keys of the build's families hold
// together (with their sort buffers) to about bytes; beyond it, families
// spill sorted runs into a directory inside the build's and merge them when
// they write their tables. Zero or less keeps everything in memory. Call it
// before adding tasks.
func (b *Builder) SetMemoryBudget(bytes int64) {
	if bytes <= 0 {
		return
	}
	b.pool.budget = bytes
	b.pool.spillDir = filepath.Join(b.dir, spillDirName)
}

// Spilled is the number of runs the build's families spilled.
func (b *Builder) Spilled() int { return int(b.pool.spills.Load()) }

// added counts n more bytes of keys and values held; past the budget, the
// family spills what it holds if that is worth a run.
func (f *Family) added(n int) {
	p := f.pool
	f.grown += int64(n + entryCost)
	if f.grown < min(64<<10, p.budget/64+1) {
		return
	}
	f.held += f.grown
	live := p.live.Add(f.grown)
	f.grown = 0
	if (live > p.budget && f.held >= p.budget/16) || f.held > p.budget/2 {
		f.spill()
	}
}

// spill sorts what the family holds into a run file and empties it. A
// failure is kept and fails the family when it is written.
func (f *Family) spill() {
	if len(f.ents) == 0 {
		return
	}
	if f.spillErr == nil {
		f.sort()
		name, err := f.writeRun()
		if err != nil {
			f.spillErr = err
		} else {
			f.runs = append(f.runs, name)
		}
	}
	f.releaseKeys()
}

func (f *Family) writeRun() (string, error) {
	p := f.pool
	if err := os.MkdirAll(p.spillDir, 0o755); err != nil {
		return "", err
	}
	name := filepath.Join(p.spillDir, "run-"+strconv.FormatInt(p.spills.Add(1), 10))
	file, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	if f.runWriter == nil {
		f.runWriter = bufio.NewWriterSize(file, 1<<20)
	}
	w := f.runWriter
	w.Reset(file)
	defer w.Reset(nil)
	var n [2 * binary.MaxVarintLen64]byte
	for _, it := range f.order {
		k, v := f.key(it.e), f.value(it.e)
		l := binary.PutUvarint(n[:], uint64(len(k)))
		l += binary.PutUvarint(n[l:], uint64(len(v)))
		w.Write(n[:l])
		w.Write(k)
		w.Write(v)
	}
	err = w.Flush()
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("bulk build: spilling a run: %w", err)
	}
	return name, nil
}

// removeRuns removes the family's run files.
func (f *Family) removeRuns() {
	for _, r := range f.runs {
		os.Remove(r)
	}
	f.runs = nil
}

// runReader reads a run file an entry at a time.
type runReader struct {
	file       *os.File
	r          *bufio.Reader
	key, value []byte
	buf        []byte
}

func (r *runReader) next() (bool, error) {
	klen, err := binary.ReadUvarint(r.r)
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	vlen, err := binary.ReadUvarint(r.r)
	if err != nil {
		return false, err
	}
	n := int(klen + vlen)
	if cap(r.buf) < n {
		r.buf = make([]byte, n)
	}
	r.buf = r.buf[:n]
	if _, err := io.ReadFull(r.r, r.buf); err != nil {
		return false, err
	}
	r.key, r.value = r.buf[:klen], r.buf[klen:]
	return true, nil
}

// runHeap orders run readers by their current key.
type runHeap []*runReader

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return bytes.Compare(h[i].key, h[j].key) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// merge spills what the family still holds and calls emit with every key
// and value of its runs in key order.
func (f *Family) merge(emit func(k, v []byte) error) error {
	f.spill()
	if f.spillErr != nil {
		return f.spillErr
	}
	h := make(runHeap, 0, len(f.runs))
	defer func() {
		for _, r := range h {
			r.file.Close()
		}
	}()
	for _, name := range f.runs {
		file, err := os.Open(name)
		if err != nil {
			return err
		}
		r := &runReader{file: file, r: bufio.NewReaderSize(file, 256<<10)}
		ok, err := r.next()
		if err != nil || !ok {
			file.Close()
			if err != nil {
				return fmt.Errorf("bulk build: reading a run: %w", err)
			}
			continue
		}
		h = append(h, r)
	}
	heap.Init(&h)
	for len(h) > 0 {
		r := h[0]
		if err := emit(r.key, r.value); err != nil {
			return err
		}
		ok, err := r.next()
		if err != nil {
			return fmt.Errorf("bulk build: reading a run: %w", err)
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			r.file.Close()
			heap.Pop(&h)
		}
	}
	return nil
}
