package badger

import (
	"fmt"
	"strings"
	"syscall"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// Badger's and the file system's errors that a user can act on become
// domain errors; the others stay as they are (internal).
func TestStoreErrors(t *testing.T) {
	t.Parallel()
	// a store that reads (an error no user can act on is probed with a read)
	s, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.dir, s.opts, s.freeSpace = "/data", bg.DefaultOptions("/data"), func(string) (int64, error) { return 1 << 20, nil }
	for _, tc := range []struct {
		err  error
		code string
		says string
	}{
		{fmt.Errorf("committing: %w", bg.ErrTxnTooBig), graph.EINVALID, "too large for one transaction"},
		{fmt.Errorf("writing a table: %w", syscall.ENOSPC), graph.ENOSPACE, "no space left"},
		{graph.Errorf(graph.ECONFLICT, "as it was"), graph.ECONFLICT, "as it was"},
		{fmt.Errorf("something else"), graph.EINTERNAL, "something else"},
	} {
		got := s.storeError(tc.err)
		if graph.ErrorCode(got) != tc.code || !strings.Contains(got.Error(), tc.says) {
			t.Errorf("storeError(%v) = %v (%s), want %s saying %q", tc.err, got, graph.ErrorCode(got), tc.code, tc.says)
		}
	}
}
