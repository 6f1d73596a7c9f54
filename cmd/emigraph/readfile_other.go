//go:build !unix

package main

import "os"

// readFile reads a whole file (where memory mapping is not at hand).
func readFile(name string) (data []byte, mapped bool, err error) {
	data, err = os.ReadFile(name)
	return data, false, err
}

// dropPages does nothing where files are not mapped.
func dropPages([]byte) {}
