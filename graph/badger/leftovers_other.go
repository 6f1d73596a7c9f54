//go:build !unix

package badger

// isMountPoint cannot tell here: a restore renames its directory into
// place, and fails where that is refused.
func isMountPoint(string) bool { return false }
