// Package seedtest gives tests a real Badger store holding the embedded
// seed, so that tests of the schema and the server ask the real graph, and
// the wide encodings (UTF-16, UTF-32) that tests of refused files use.
package seedtest
