package badgerfmt

// A Writer writes the keys of a new database, family by family: the keys
// of a family come in increasing order, and no two families overlap. The
// families of a database may be written at the same time, each through its
// own Sink. Finish completes the database; what a Writer wrote, finished or
// not, is for the caller to remove if it is not used.
type Writer interface {
	// Family returns the sink of a new family.
	Family() Sink
	// Finish completes the database once every family is Done.
	Finish() error
	// Abort gives up: the families still open are abandoned.
	Abort()
}

// A Sink takes the keys of one family in increasing order (the caller
// checks the order) with their values, all at version 1.
type Sink interface {
	Add(key, value []byte) error
	// Done writes what the sink holds; the family is then complete.
	Done() error
	// Abandon drops what the sink holds, after an error.
	Abandon()
}
