package bulk

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"sync/atomic"

	bg "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/badger/v4/y"
	"google.golang.org/protobuf/proto"
)

// tableWriter writes keys, in order, into tables of at most topts.TableSize
// in dir, numbered by nextID.
type tableWriter struct {
	dir         string
	topts       table.Options
	nextID      func() uint64
	buf         *[]byte
	b           *table.Builder
	ids         []uint64
	key, prev   []byte
	first, last []byte
	n           int
}

func newTableWriter(dir string, topts table.Options, nextID func() uint64, buf *[]byte) *tableWriter {
	return &tableWriter{dir: dir, topts: topts, nextID: nextID, buf: buf, b: table.NewTableBuilder(topts)}
}

// add writes a key and its value; keys must come in increasing order.
func (w *tableWriter) add(k, value []byte) error {
	// a cheap guard: tables with keys out of order would read wrong, silently
	if w.n > 0 && bytes.Compare(k, w.prev) <= 0 {
		return fmt.Errorf("bulk load: keys out of order at %q", k)
	}
	if w.n == 0 {
		w.first = bytes.Clone(k)
	}
	w.n++
	// keys carry Badger's version suffix: version 1, as if written by the
	// first transaction
	w.key = append(append(w.key[:0], k...), versionOne[:]...)
	w.prev = w.key[:len(k)]
	w.b.Add(w.key, y.ValueStruct{Value: value}, 0)
	if w.b.ReachedCapacity() {
		return w.finish()
	}
	return nil
}

func (w *tableWriter) finish() error {
	if w.b.Empty() {
		return nil
	}
	id := w.nextID()
	if err := writeTable(table.NewFilename(id, w.dir), w.b, w.buf); err != nil {
		return err
	}
	w.ids = append(w.ids, id)
	w.b.Close()
	w.b = table.NewTableBuilder(w.topts)
	return nil
}

// done writes the last table and returns the ids of the tables written and
// the first and last key.
func (w *tableWriter) done() ([]uint64, [2][]byte, error) {
	err := w.finish()
	w.b.Close()
	if w.n > 0 {
		w.last = bytes.Clone(w.prev)
	}
	return w.ids, [2][]byte{w.first, w.last}, err
}

// writeTables writes a family as SSTables in dir, numbered by nextID, and
// returns their ids and the first and last key written: sorted in memory,
// or, if it spilled runs, merged from them.
func (f *Family) writeTables(ctx context.Context, dir string, topts table.Options, nextID func() uint64, buf *[]byte) ([]uint64, [2][]byte, error) {
	w := newTableWriter(dir, topts, nextID, buf)
	var scratch []byte
	value := func(v []byte) []byte {
		if f.Expand != nil {
			scratch = f.Expand(scratch[:0], v)
			return scratch
		}
		return v
	}
	add, done := w.add, w.done
	if f.Pack != nil {
		add = func(k, v []byte) error { return f.Pack(k, v, w.add) }
		done = func() ([]uint64, [2][]byte, error) {
			if err := f.Pack(nil, nil, w.add); err != nil {
				w.b.Close()
				return nil, [2][]byte{}, err
			}
			return w.done()
		}
	}
	if len(f.runs) > 0 || f.spillErr != nil {
		i := 0
		err := f.merge(func(k, v []byte) error {
			if i++; i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			return add(k, value(v))
		})
		if err != nil {
			w.b.Close()
			return nil, [2][]byte{}, err
		}
		return done()
	}
	f.sort()
	var touched byte
	for i, it := range f.order {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				w.b.Close()
				return nil, [2][]byte{}, err
			}
		}
		// Entries are read in key order, scattered in memory: reading one a
		// few places ahead lets the processor fetch it while this one is
		// written, rather than wait for every one in turn.
		if j := i + prefetchAhead; j < len(f.order) {
			ahead := f.order[j].e
			touched ^= f.chunks[ahead.chunk][ahead.off]
		}
		if err := add(f.key(it.e), value(f.value(it.e))); err != nil {
			w.b.Close()
			return nil, [2][]byte{}, err
		}
	}
	prefetchSink.Store(uint32(touched))
	return done()
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

// createSynced writes a new file and syncs it: the rename that makes the
// database visible must not find it half on disk after a crash.
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
// manifest_test.go reads what this writes back with Badger's own replay and
// opens it with Badger, so a Badger that changes the format fails the test
// rather than a user's load.
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
