//go:build !(linux && amd64)

package faultinject

import (
	"errors"
	"runtime"
	"syscall"
)

// Available reports why the tracer cannot run here.
func Available() error {
	return errors.New("the tracer runs on Linux on amd64, not on " + runtime.GOOS + "/" + runtime.GOARCH)
}

// Process is a program running under the tracer (not here).
type Process struct{ Pid int }

// Start fails: there is no tracer here.
func Start(argv []string, o Options) (*Process, error) { return nil, Available() }

func (p *Process) Arm()                            {}
func (p *Process) Signal(sig syscall.Signal) error { return Available() }
func (p *Process) Done() <-chan struct{}           { return nil }
func (p *Process) Wait() (Result, error)           { return Result{}, Available() }
