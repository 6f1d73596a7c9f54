package main

import (
	"io"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// logBuffer holds serve's info and debug lines (one per request: the access
// log) in a buffer of fixed size that it writes out when full, every
// flushEvery, before a warning or an error, and when closed: a write per
// request cost the server as much as a tenth of a plain lookup's time.
// Warnings and errors are written at once, after what is buffered, so that
// the order of lines holds. A line larger than the buffer is written at once.
type logBuffer struct {
	mu    sync.Mutex
	out   io.Writer
	buf   []byte
	stop  chan struct{}
	done  chan struct{}
	close sync.Once
}

const (
	logBufferSize = 64 << 10
	flushEvery    = 200 * time.Millisecond
)

func newLogBuffer(out io.Writer) *logBuffer {
	b := &logBuffer{out: out, buf: make([]byte, 0, logBufferSize), stop: make(chan struct{}), done: make(chan struct{})}
	go b.flushPeriodically()
	return b
}

func (b *logBuffer) flushPeriodically() {
	defer close(b.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.mu.Lock()
			b.flushLocked()
			b.mu.Unlock()
		}
	}
}

// Write buffers p (zerolog writes one whole line a call).
func (b *logBuffer) Write(p []byte) (int, error) {
	return b.WriteLevel(zerolog.InfoLevel, p)
}

// WriteLevel implements zerolog.LevelWriter: warnings and errors go out at
// once.
func (b *logBuffer) WriteLevel(level zerolog.Level, p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if level >= zerolog.WarnLevel || len(b.buf)+len(p) > cap(b.buf) {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
	}
	if level >= zerolog.WarnLevel || len(p) > cap(b.buf) {
		return b.out.Write(p)
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *logBuffer) flushLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.out.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// Close stops the periodic flush and writes out what is buffered; lines
// written after it go out at once.
func (b *logBuffer) Close() error {
	b.close.Do(func() {
		close(b.stop)
		<-b.done
	})
	b.mu.Lock()
	defer b.mu.Unlock()
	err := b.flushLocked()
	b.buf = b.buf[:0:0] // no room: every later line is written at once
	return err
}
