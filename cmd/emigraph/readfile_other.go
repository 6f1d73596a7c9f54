//go:build !unix

package main

import "os"

// readFile reads a whole file (where memory mapping is not at hand).
func readFile(name string) ([]byte, error) { return os.ReadFile(name) }
