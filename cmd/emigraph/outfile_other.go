//go:build !unix

package main

import "os"

// lockPartial does nothing here; partial files are not removed.
func lockPartial(*os.File) {}

func partialInUse(string) bool { return true }
