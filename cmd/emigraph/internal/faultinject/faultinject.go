package faultinject

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

// Kind is what a counted call does to a file.
type Kind uint8

const (
	Write Kind = iota
	Sync
	Rename
)

func (k Kind) String() string {
	switch k {
	case Write:
		return "write"
	case Sync:
		return "sync"
	case Rename:
		return "rename"
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Call is one counted system call.
type Call struct {
	Kind Kind
	Name string // the system call: "pwrite64", "msync", "renameat", ...
	Path string // the file it acts on (for a rename, the new name)
}

func (c Call) String() string { return c.Name + " " + c.Path }

// Fault is what happens at the chosen call.
type Fault uint8

const (
	// None only counts.
	None Fault = iota
	// Kill sends SIGKILL to the process at the entry of the call, which
	// then never runs.
	Kill
	// Fail makes the call return Options.Errno without running it.
	Fail
)

func (f Fault) String() string {
	return [...]string{"none", "kill", "fail"}[f]
}

// Options configures Start.
type Options struct {
	// Dir: only calls on files under it are counted.
	Dir string
	// At is the number of the counted call to fault, from 1; 0 faults none.
	At    int
	Fault Fault
	// Errno is the error of Fail; 0 means EIO.
	Errno syscall.Errno
	// Unarmed: nothing is counted until Arm is called (a server is started,
	// then armed before the request whose calls are counted).
	Unarmed bool
	// Env is the program's environment (nil: this process's).
	Env []string
	// Stdin, Stdout and Stderr are the program's (nil: /dev/null).
	Stdin, Stdout, Stderr *os.File
}

// Result is what a traced run did.
type Result struct {
	// Calls are the counted calls, in the order their entries were seen,
	// up to and including the one faulted.
	Calls []Call
	// Faulted is the call that was faulted, nil if the run made fewer than
	// Options.At counted calls.
	Faulted *Call
	// ExitCode is the program's exit status, or -1 if a signal ended it
	// (Signal).
	ExitCode int
	Signal   syscall.Signal
}

// Killed reports whether the run ended with the injected SIGKILL.
func (r Result) Killed() bool { return r.Faulted != nil && r.Signal == syscall.SIGKILL }

// Count returns how many counted calls were of each kind.
func (r Result) Count() map[Kind]int {
	n := map[Kind]int{}
	for _, c := range r.Calls {
		n[c.Kind]++
	}
	return n
}

// Require skips the test when the tracer cannot run here (not Linux on
// amd64, or ptrace forbidden), saying why; under CI (the environment
// variable CI set) it fails the test instead.
func Require(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("fault injection: %v; CI must run it", err)
		}
		t.Skipf("fault injection skipped: %v", err)
	}
}
