package badgerfmt

import (
	"sync/atomic"

	bg "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/ristretto/v2/z"
)

// Streams writes a new database through Badger's public StreamWriter: each
// family is a stream of its own, written as it comes, and Badger builds
// the tables and records them in its MANIFEST.
type Streams struct {
	db     *bg.DB
	sw     *bg.StreamWriter
	lastID atomic.Uint32
}

// OpenStreams opens a new database in dir, a new empty directory, with
// opts (Dir aside), for a StreamWriter.
func OpenStreams(dir string, opts bg.Options) (*Streams, error) {
	db, err := bg.Open(opts.WithDir(dir).WithValueDir(dir))
	if err != nil {
		return nil, err
	}
	sw := db.NewStreamWriter()
	if err := sw.Prepare(); err != nil {
		sw.Cancel()
		db.Close()
		return nil, err
	}
	return &Streams{db: db, sw: sw}, nil
}

// streamBatch is how much a stream gathers before it hands it to Badger.
const streamBatch = 4 << 20

// Family returns the sink of a new stream.
func (s *Streams) Family() Sink {
	return &streamSink{s: s, id: s.lastID.Add(1), buf: z.NewBuffer(streamBatch+streamBatch/4, "emigraph.stream")}
}

// Finish flushes the streams and closes the database.
func (s *Streams) Finish() error {
	err := s.sw.Flush()
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	return err
}

// Abort cancels the streams and closes the database.
func (s *Streams) Abort() {
	s.sw.Cancel()
	s.db.Close()
}

type streamSink struct {
	s   *Streams
	id  uint32
	buf *z.Buffer
	n   int
}

func (w *streamSink) Add(k, v []byte) error {
	w.n++
	bg.KVToBuffer(&pb.KV{Key: k, Value: v, Version: 1, StreamId: w.id}, w.buf)
	if w.buf.LenNoPadding() >= streamBatch {
		return w.write()
	}
	return nil
}

func (w *streamSink) write() error {
	err := w.s.sw.Write(w.buf)
	w.buf.Reset()
	return err
}

func (w *streamSink) Done() error {
	defer w.buf.Release()
	if w.n == 0 {
		return nil // Badger knows no stream without keys
	}
	bg.KVToBuffer(&pb.KV{StreamId: w.id, StreamDone: true}, w.buf)
	return w.write()
}

func (w *streamSink) Abandon() { w.buf.Release() }
