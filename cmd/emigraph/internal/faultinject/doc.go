// Package faultinject runs a program under a small ptrace(2) tracer that
// counts the writes, syncs and renames the program makes to files under one
// directory, and at the Nth of them kills the program (SIGKILL, before the
// call runs) or fails the call with an errno (EIO by default). It is the
// fault-injection of emigraph's tests: real processes, real system calls,
// no hooks in the code under test (Badger does its own I/O, through
// memory maps as much as through write(2)).
//
// # What is counted
//
// On entry to each system call the tracer reads its number and arguments
// and counts it when it is one of
//
//	write   write, pwrite64, writev, pwritev, pwritev2, ftruncate, fallocate,
//	        copy_file_range, sendfile (the file written to)
//	sync    fsync, fdatasync, sync_file_range, syncfs, msync (the mapped file)
//	rename  rename, renameat, renameat2 (either name)
//
// and the file it acts on is under Options.Dir (the descriptor resolved
// through /proc/PID/fd, a mapping through /proc/PID/maps, a name read from
// the program's memory). Writes to pipes, sockets, the terminal and the Go
// runtime's own descriptors are not counted, so that a fault is one the
// program's storage sees, not a broken log line.
//
// The count is over the whole process (every thread), which strace's
// inject=...:when=N cannot give: strace counts per thread, and a Go program
// runs its goroutines on whichever thread is free, so "the Nth write"
// would be several writes, one per thread. The order of calls made by
// different threads at once still varies from run to run; a test of "every
// point" therefore checks a property that must hold at any point (the store
// opens, and holds its old state or its new one), not a fixed sequence.
//
// # Where it runs
//
// Linux on amd64, where ptrace is allowed (a container may forbid it).
// [Require] skips the test with a message elsewhere, unless the environment
// variable CI is set: CI runs on Linux and must run these tests, so there a
// missing tracer fails the test.
package faultinject
