//go:build windows || plan9 || js || wasip1 || aix

package badger

// No flock here: Open lets Badger lock the directory its own way (lockStore
// returns no lock), and touches nothing of the store before Badger holds
// it; so a store a crash left unclosed is not cut for a read-only open (open
// it for writing once, which replays its logs).
type storeLock struct{}

func lockStore(string, bool) (*storeLock, error) { return nil, nil }

func (l *storeLock) flock(bool) error { return nil }

func (l *storeLock) release() error { return nil }
