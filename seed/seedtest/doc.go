// Package seedtest gives tests a real Badger store holding the embedded
// seed, so that tests of the schema and the server ask the real graph.
package seedtest
