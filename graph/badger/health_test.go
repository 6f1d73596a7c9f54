//go:build linux

package badger_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// fewDescriptorsReport is what fewDescriptorsChild saw.
type fewDescriptorsReport struct {
	Acked       int      // writes acknowledged before one failed
	WriteErr    string   // that write's error
	Err         string   // Store.Err after it
	Failed      bool     // Store.Failed closed
	Check       string   // Store.Check
	Reads       []string // the errors of reads after it ("" none)
	Panics      []string // what panicked instead
	LateWrite   string   // a write after it
	CloseErr    string   // Close
	CloseTookMs int64
}

// fewDescriptorsChild opens a store with small memtables, lowers its limit
// of open files to what it has open and one more, writes until a write
// fails (Badger cannot create the next memtable: EMFILE), then reads,
// writes, checks and closes, and prints what it saw as JSON.
func fewDescriptorsChild(dir string, out io.Writer) error {
	ctx := context.Background()
	st, err := badger.Open(dir, badger.Options{MemTableSize: 1 << 20, NoSync: true})
	if err != nil {
		return err
	}
	fds, _ := os.ReadDir("/proc/self/fd")
	limit := uint64(len(fds) + 1)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		return err
	}
	var r fewDescriptorsReport
	entity := func(id string) *graph.Changeset {
		return &graph.Changeset{Entities: []graph.EntityChange{{Where: "child", Entity: graph.Entity{ID: id, Name: "Person with a rather long name " + id, Type: graph.Person}}}}
	}
	for ; r.Acked < 20000; r.Acked++ {
		if _, err := st.Apply(ctx, entity(fmt.Sprintf("person/fd-%d", r.Acked)), false); err != nil {
			r.WriteErr = err.Error()
			break
		}
	}
	errString := func(err error) string {
		if err == nil {
			return ""
		}
		return err.Error()
	}
	r.Err = errString(st.Err())
	select {
	case <-st.Failed():
		r.Failed = true
	default:
	}
	r.Check = errString(st.Check())
	reads := []func() error{
		func() error { _, err := st.Entity(ctx, "person/fd-1"); return err },
		func() error { _, err := st.CountEntities(ctx, ""); return err },
		func() error { _, err := st.Search(ctx, "person", nil, 5); return err },
		func() error { _, err := st.Meta("layout"); return err },
	}
	for _, read := range reads {
		func() {
			defer func() {
				if v := recover(); v != nil {
					r.Panics = append(r.Panics, fmt.Sprint(v))
				}
			}()
			r.Reads = append(r.Reads, errString(read()))
		}()
	}
	func() {
		defer func() {
			if v := recover(); v != nil {
				r.Panics = append(r.Panics, fmt.Sprint(v))
			}
		}()
		_, err := st.Apply(ctx, entity("person/late"), false)
		r.LateWrite = errString(err)
	}()
	start := time.Now()
	r.CloseErr = errString(st.Close())
	r.CloseTookMs = time.Since(start).Milliseconds()
	return json.NewEncoder(out).Encode(r)
}

// A store whose Badger loses its memtable (out of file descriptors, it
// cannot create the next one) records the failure: Err wraps ErrFailed and
// names the cause, Failed is closed, Check fails, and every later read and
// write is refused with that error, none panics (Badger's own reads would,
// each, with a nil memtable); Close returns at once. Opened again, the
// store holds every write it acknowledged.
func TestStoreOutOfDescriptorsFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "EMIGRAPH_TEST_CHILD=few-descriptors", "EMIGRAPH_TEST_DIR="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the child: %v\n%s", err, out)
	}
	var r fewDescriptorsReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.WriteErr == "" {
		t.Fatalf("%d writes and none failed: the limit did not bite", r.Acked)
	}
	t.Logf("write %d failed: %s", r.Acked, r.WriteErr)
	failed := "the store failed: a write failed"
	if len(r.Err) < len(failed) || r.Err[:len(failed)] != failed || !r.Failed {
		t.Errorf("after the failed write: Err() = %q, Failed closed: %v", r.Err, r.Failed)
	}
	if r.Check != r.Err {
		t.Errorf("Check() = %q, want Err()", r.Check)
	}
	if len(r.Panics) > 0 {
		t.Errorf("%d reads and writes panicked: %q", len(r.Panics), r.Panics)
	}
	for i, e := range append(r.Reads, r.WriteErr, r.LateWrite, r.CloseErr) {
		if e != r.Err {
			t.Errorf("call %d after the failure: %q, want the failure", i, e)
		}
	}
	if r.CloseTookMs > 5000 {
		t.Errorf("Close took %d ms", r.CloseTookMs)
	}
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatalf("the store does not open again: %v", err)
	}
	defer st.Close()
	if st.Err() != nil {
		t.Errorf("opened again, Err() = %v", st.Err())
	}
	for i := range r.Acked {
		if _, err := st.Entity(context.Background(), fmt.Sprintf("person/fd-%d", i)); err != nil {
			t.Fatalf("acknowledged write %d lost: %v", i, err)
		}
	}
	if _, err := st.Entity(context.Background(), "person/late"); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("the write refused after the failure is there: %v", err)
	}
}
