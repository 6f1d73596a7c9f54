//go:build !unix

package server

// OpenFileLimit is a generous stand-in where the system has no limit on
// open files of this kind.
func OpenFileLimit() uint64 { return 1 << 14 }
