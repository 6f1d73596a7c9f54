package bulk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph/badger/internal/badgerfmt"
)

// A Task builds some families; the tasks of a build run in parallel.
type Task func() []*Family

// Builder writes the families of tasks into the tables of a new database
// in dir as the tasks arrive, on every core: each worker builds, sorts and
// writes one family after another. Wait writes the MANIFEST, after which
// Badger opens the result like any database it wrote itself.
type Builder struct {
	ctx      context.Context
	cancel   context.CancelFunc
	dir      string
	out      *badgerfmt.Tables
	pool     *Pool
	tasks    chan Task
	wg       sync.WaitGroup
	done     atomic.Int32
	progress func(done int)

	mu     sync.Mutex
	ranges [][2][]byte // the first and last key of each family written
	err    error
}

// ErrOptions is the error of options a build cannot honour.
var ErrOptions = errors.New("the bulk build cannot honour these Badger options")

// CheckOptions refuses the options of a database that a build cannot write
// as Badger would: encrypted (the tables would be written in the clear and
// the MANIFEST would say otherwise), in memory, read-only, or with the value
// log in another directory (a build writes one directory). The options it
// honours are those that shape tables: block size, bloom filters, checksums,
// compression, the number of levels and the external magic version.
func CheckOptions(opts bg.Options) error {
	switch {
	case len(opts.EncryptionKey) > 0:
		return fmt.Errorf("%w: encryption (an EncryptionKey is set): load through transactions instead", ErrOptions)
	case opts.InMemory:
		return fmt.Errorf("%w: an in-memory database", ErrOptions)
	case opts.ReadOnly:
		return fmt.Errorf("%w: a read-only database", ErrOptions)
	case opts.Dir == "" || filepath.Clean(opts.ValueDir) != filepath.Clean(opts.Dir):
		return fmt.Errorf("%w: the value directory %q is not the directory %q", ErrOptions, opts.ValueDir, opts.Dir)
	case opts.MaxLevels < 2:
		return fmt.Errorf("%w: %d levels", ErrOptions, opts.MaxLevels)
	}
	return nil
}

// Start starts a build into dir, a new empty directory that opts (as the
// database will be opened, Dir aside) describe, with a worker on every
// core; progress, if set, hears how many tasks are done. It refuses what
// CheckOptions refuses.
func Start(ctx context.Context, dir string, opts bg.Options, progress func(done int)) (*Builder, error) {
	if err := CheckOptions(opts.WithDir(dir).WithValueDir(dir)); err != nil {
		return nil, err
	}
	b := &Builder{dir: dir, out: badgerfmt.NewTables(dir, opts), pool: NewPool(), tasks: make(chan Task, 64), progress: progress}
	b.ctx, b.cancel = context.WithCancel(ctx)
	for range runtime.GOMAXPROCS(0) {
		b.wg.Add(1)
		go b.work()
	}
	return b, nil
}

// Pool is the memory the build's families share.
func (b *Builder) Pool() *Pool { return b.pool }

func (b *Builder) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err = err
		b.cancel()
	}
}

func (b *Builder) work() {
	defer b.wg.Done()
	for task := range b.tasks {
		if b.ctx.Err() != nil {
			continue // drain
		}
		for _, f := range task() {
			span, err := f.write(b.ctx, b.out.Family())
			f.release()
			if err != nil {
				b.fail(err)
				break
			}
			b.mu.Lock()
			if span[0] != nil {
				b.ranges = append(b.ranges, span)
			}
			b.mu.Unlock()
		}
		if b.progress != nil {
			b.progress(int(b.done.Add(1)))
		}
	}
}

// Add queues tasks.
func (b *Builder) Add(tasks ...Task) {
	for _, t := range tasks {
		b.tasks <- t
	}
}

// Wait finishes the queued tasks, checks that no two families overlap (the
// tables of one level must not), and writes the MANIFEST. What it wrote, on
// error too, is for the caller to remove.
func (b *Builder) Wait() error {
	close(b.tasks)
	b.wg.Wait()
	defer b.cancel()
	if b.err == nil {
		b.err = b.ctx.Err()
	}
	if b.err != nil {
		b.out.Abort()
		return b.err
	}
	slices.SortFunc(b.ranges, func(x, y [2][]byte) int { return bytes.Compare(x[0], y[0]) })
	for i := 1; i < len(b.ranges); i++ {
		if bytes.Compare(b.ranges[i-1][1], b.ranges[i][0]) >= 0 {
			b.out.Abort()
			return fmt.Errorf("bulk build: two families overlap (%q to %q, and from %q)", b.ranges[i-1][0], b.ranges[i-1][1], b.ranges[i][0])
		}
	}
	if b.pool.spillDir != "" {
		if err := os.RemoveAll(b.pool.spillDir); err != nil {
			b.out.Abort()
			return err
		}
	}
	return b.out.Finish()
}

// Abort stops the build and waits for its workers; what it wrote is for the
// caller to remove.
func (b *Builder) Abort() {
	b.cancel()
	b.Wait()
}
