//go:build !unix

package badger

import "io/fs"

// allocatedBytes is a file's length: the system does not say how many
// blocks it takes.
func allocatedBytes(info fs.FileInfo) int64 { return info.Size() }
