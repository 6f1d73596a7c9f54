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

// writeTables writes a sorted family as SSTables in dir, numbered by
// nextID, and returns their ids.
func (f *Family) writeTables(ctx context.Context, dir string, topts table.Options, nextID func() uint64, buf *[]byte) ([]uint64, error) {
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
		if f.Expand != nil {
			value = f.Expand(scratch[:0], value)
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
