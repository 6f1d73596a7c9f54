package faultinject

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// the counted system calls (amd64 numbers), and where the file is: an fd
// argument (its index), a mapping (msync), or names (renames)
type target struct {
	kind  Kind
	name  string
	fdArg int // index of the fd argument, or -1
}

var targets = map[uint64]target{
	unix.SYS_WRITE:           {Write, "write", 0},
	unix.SYS_PWRITE64:        {Write, "pwrite64", 0},
	unix.SYS_WRITEV:          {Write, "writev", 0},
	unix.SYS_PWRITEV:         {Write, "pwritev", 0},
	unix.SYS_PWRITEV2:        {Write, "pwritev2", 0},
	unix.SYS_FTRUNCATE:       {Write, "ftruncate", 0},
	unix.SYS_FALLOCATE:       {Write, "fallocate", 0},
	unix.SYS_COPY_FILE_RANGE: {Write, "copy_file_range", 2},
	unix.SYS_SENDFILE:        {Write, "sendfile", 0},
	unix.SYS_FSYNC:           {Sync, "fsync", 0},
	unix.SYS_FDATASYNC:       {Sync, "fdatasync", 0},
	unix.SYS_SYNC_FILE_RANGE: {Sync, "sync_file_range", 0},
	unix.SYS_SYNCFS:          {Sync, "syncfs", 0},
	unix.SYS_MSYNC:           {Sync, "msync", -1},
	unix.SYS_RENAME:          {Rename, "rename", -1},
	unix.SYS_RENAMEAT:        {Rename, "renameat", -1},
	unix.SYS_RENAMEAT2:       {Rename, "renameat2", -1},
}

// Available reports why the tracer cannot run here, or nil.
func Available() error {
	availableOnce.Do(func() {
		dir, err := os.MkdirTemp("", "faultinject-probe-")
		if err != nil {
			availableErr = err
			return
		}
		defer os.RemoveAll(dir)
		p, err := Start([]string{"/bin/true"}, Options{Dir: dir})
		if err != nil {
			availableErr = fmt.Errorf("cannot trace a process here (ptrace: %v)", err)
			return
		}
		if _, err := p.Wait(); err != nil {
			availableErr = fmt.Errorf("cannot trace a process here: %v", err)
		}
	})
	return availableErr
}

var (
	availableOnce sync.Once
	availableErr  error
)

// Process is a program running under the tracer.
type Process struct {
	Pid   int
	armed atomic.Bool
	done  chan struct{}
	res   Result
	err   error
}

// Start runs argv (argv[0] a path) under the tracer.
func Start(argv []string, o Options) (*Process, error) {
	if o.Errno == 0 {
		o.Errno = syscall.EIO
	}
	if o.Env == nil {
		o.Env = os.Environ()
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	o.Dir = dir
	p := &Process{done: make(chan struct{})}
	p.armed.Store(!o.Unarmed)
	started := make(chan error, 1)
	// every ptrace request must come from the thread that is the tracer
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(p.done)
		t := &tracer{o: o, p: p, threads: map[int]*thread{}}
		if err := t.start(argv); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = t.loop()
		p.res = t.res
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// Arm starts the counting of a process started Unarmed.
func (p *Process) Arm() { p.armed.Store(true) }

// Signal sends sig to the process.
func (p *Process) Signal(sig syscall.Signal) error { return syscall.Kill(p.Pid, sig) }

// Done is closed when the process has ended.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait waits for the process to end and returns what it did.
func (p *Process) Wait() (Result, error) {
	<-p.done
	return p.res, p.err
}

type thread struct {
	inSyscall bool
	fail      syscall.Errno // to return at the exit of the current call
}

type tracer struct {
	o       Options
	p       *Process
	threads map[int]*thread
	res     Result
	counted int
}

func (t *tracer) start(argv []string) error {
	files := []*os.File{t.o.Stdin, t.o.Stdout, t.o.Stderr}
	fds := make([]uintptr, len(files))
	for i, f := range files {
		if f == nil {
			null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
			if err != nil {
				return err
			}
			defer null.Close()
			f = null
		}
		fds[i] = f.Fd()
	}
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{Env: t.o.Env, Files: fds,
		Sys: &syscall.SysProcAttr{Ptrace: true, Setpgid: true, Pdeathsig: syscall.SIGKILL}})
	if err != nil {
		return err
	}
	t.p.Pid = pid
	// the stop at the exec
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, unix.WALL, nil); err != nil {
		return err
	}
	if !ws.Stopped() {
		return fmt.Errorf("the traced process did not stop at its start (status %v)", ws)
	}
	opts := unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_EXITKILL
	if err := unix.PtraceSetOptions(pid, opts); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return err
	}
	t.threads[pid] = &thread{}
	return unix.PtraceSyscall(pid, 0)
}

// loop follows every thread of the process (its process group) until the
// process ends.
func (t *tracer) loop() error {
	pid := t.p.Pid
	leaderGone := false
	for {
		var ws unix.WaitStatus
		tid, err := unix.Wait4(-pid, &ws, unix.WALL, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.ECHILD) && leaderGone {
			// every thread is gone, and with them the files the process
			// held (its locks): a tracer may see the leader end first
			return nil
		}
		if err != nil {
			return fmt.Errorf("waiting for the traced process: %w", err)
		}
		switch {
		case ws.Exited(), ws.Signaled():
			delete(t.threads, tid)
			if tid == pid {
				leaderGone = true
				t.res.ExitCode = -1
				if ws.Exited() {
					t.res.ExitCode = ws.ExitStatus()
				} else {
					t.res.Signal = ws.Signal()
				}
			}
			continue
		case !ws.Stopped():
			continue
		}
		th := t.threads[tid]
		sig := ws.StopSignal()
		deliver := 0
		switch {
		case th == nil:
			// a new thread's first stop (its SIGSTOP), perhaps before its
			// parent's clone event
			t.threads[tid] = &thread{}
		case sig == unix.SIGTRAP|0x80:
			t.syscallStop(tid, th)
		case sig == unix.SIGTRAP && ws.TrapCause() > 0:
			// a clone, fork or vfork event: the new thread is met at its stop
		default:
			deliver = int(sig)
		}
		if err := unix.PtraceSyscall(tid, deliver); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("resuming thread %d: %w", tid, err)
		}
	}
}

func (t *tracer) syscallStop(tid int, th *thread) {
	th.inSyscall = !th.inSyscall
	if !th.inSyscall {
		if th.fail != 0 {
			var regs unix.PtraceRegs
			if unix.PtraceGetRegs(tid, &regs) == nil {
				regs.Rax = uint64(-int64(th.fail))
				unix.PtraceSetRegs(tid, &regs)
			}
			th.fail = 0
		}
		return
	}
	if !t.p.armed.Load() || t.res.Faulted != nil {
		return
	}
	var regs unix.PtraceRegs
	if err := unix.PtraceGetRegs(tid, &regs); err != nil {
		return
	}
	tg, ok := targets[regs.Orig_rax]
	if !ok {
		return
	}
	args := [6]uint64{regs.Rdi, regs.Rsi, regs.Rdx, regs.R10, regs.R8, regs.R9}
	path := t.pathOf(tid, tg, args)
	if !t.under(path) {
		return
	}
	t.counted++
	call := Call{Kind: tg.kind, Name: tg.name, Path: path}
	t.res.Calls = append(t.res.Calls, call)
	if t.counted != t.o.At {
		return
	}
	switch t.o.Fault {
	case Kill:
		t.res.Faulted = &call
		// sent while the thread is stopped at the entry: the call is
		// aborted as the thread resumes into the pending SIGKILL
		unix.Kill(t.p.Pid, unix.SIGKILL)
	case Fail:
		t.res.Faulted = &call
		regs.Orig_rax = ^uint64(0) // no such call: the kernel skips it
		if unix.PtraceSetRegs(tid, &regs) == nil {
			th.fail = t.o.Errno
		}
	}
}

// pathOf is the file a counted call acts on, "" if unknown.
func (t *tracer) pathOf(tid int, tg target, args [6]uint64) string {
	pid := t.p.Pid
	switch {
	case tg.fdArg >= 0:
		return t.fdPath(int(int32(args[tg.fdArg])))
	case tg.name == "msync":
		return mappedFile(pid, args[0])
	case tg.name == "rename":
		return t.resolve(unix.AT_FDCWD, t.readString(tid, args[1]))
	default: // renameat, renameat2: olddirfd, old, newdirfd, new
		return t.resolve(int(int32(args[2])), t.readString(tid, args[3]))
	}
}

func (t *tracer) fdPath(fd int) string {
	if fd < 0 {
		return ""
	}
	p, err := os.Readlink("/proc/" + strconv.Itoa(t.p.Pid) + "/fd/" + strconv.Itoa(fd))
	if err != nil {
		return ""
	}
	return p
}

// resolve makes name absolute, relative to dirfd (AT_FDCWD: the process's
// working directory).
func (t *tracer) resolve(dirfd int, name string) string {
	if name == "" || filepath.IsAbs(name) {
		return name
	}
	var base string
	if dirfd == unix.AT_FDCWD {
		base, _ = os.Readlink("/proc/" + strconv.Itoa(t.p.Pid) + "/cwd")
	} else {
		base = t.fdPath(dirfd)
	}
	return filepath.Join(base, name)
}

// readString reads a NUL-terminated string from the memory of tid, a
// thread stopped (ptrace requests go to a stopped thread).
func (t *tracer) readString(tid int, addr uint64) string {
	var out []byte
	buf := make([]byte, 256)
	for len(out) < 4096 {
		n, err := unix.PtracePeekData(tid, uintptr(addr)+uintptr(len(out)), buf)
		if n > 0 {
			if i := strings.IndexByte(string(buf[:n]), 0); i >= 0 {
				return string(append(out, buf[:i]...))
			}
			out = append(out, buf[:n]...)
		}
		if err != nil || n == 0 {
			break
		}
	}
	return string(out)
}

func (t *tracer) under(path string) bool {
	return path == t.o.Dir || strings.HasPrefix(path, t.o.Dir+string(filepath.Separator))
}

// mappedFile is the file mapped at addr in the process, "" if none.
func mappedFile(pid int, addr uint64) string {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		// start-end perms offset dev inode path
		fields := strings.Fields(s.Text())
		if len(fields) < 6 {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 == nil && err2 == nil && start <= addr && addr < end {
			return fields[5]
		}
	}
	return ""
}
