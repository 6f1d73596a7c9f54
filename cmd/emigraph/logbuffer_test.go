package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// lockedBuffer is a bytes.Buffer safe for the flusher and the test.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuffer) state() (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String(), l.writes
}

// serve's log buffer writes many access lines at once, yet keeps every
// line and their order: a warning goes out at once after the lines before
// it, the rest within flushEvery, and all of them at Close.
func TestLogBufferKeepsLinesInOrder(t *testing.T) {
	t.Parallel()
	out := &lockedBuffer{}
	b := newLogBuffer(out)
	log := zerolog.New(b)
	for i := range 100 {
		log.Info().Int("n", i).Msg("request")
	}
	if got, writes := out.state(); writes != 0 || got != "" {
		t.Fatalf("100 info lines made %d writes at once (%q), want them held", writes, got)
	}
	log.Warn().Msg("disk filling")
	got, writes := out.state()
	if writes > 2 || strings.Count(got, "\n") != 101 || !strings.HasSuffix(got, `"disk filling"}`+"\n") {
		t.Fatalf("after a warning: %d writes, %d lines, ending %q", writes, strings.Count(got, "\n"), got[max(0, len(got)-60):])
	}
	log.Info().Msg("later")
	deadline := time.Now().Add(10 * time.Second)
	for got, _ = out.state(); !strings.Contains(got, "later") && time.Now().Before(deadline); got, _ = out.state() {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(got, "later") {
		t.Fatal("an info line was not written out by the periodic flush")
	}
	log.Info().Msg("last")
	b.Close()
	if got, _ = out.state(); !strings.HasSuffix(got, `"last"}`+"\n") {
		t.Fatalf("Close left a line unwritten: %q", got)
	}
	log.Info().Msg("after close")
	if got, _ = out.state(); !strings.HasSuffix(got, `"after close"}`+"\n") {
		t.Fatalf("a line after Close was held: %q", got)
	}
	// a buffer's worth of lines is written as it fills, not held past it
	b2 := newLogBuffer(out)
	defer b2.Close()
	_, before := out.state()
	line := []byte(strings.Repeat("x", 1000) + "\n")
	for range 3 * logBufferSize / len(line) {
		b2.Write(line)
	}
	if _, after := out.state(); after-before < 2 || len(b2.buf) > logBufferSize {
		t.Fatalf("three buffers' worth of lines made %d writes, %d bytes held", after-before, len(b2.buf))
	}
}
