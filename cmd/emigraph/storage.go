package main

import (
	"flag"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/graph/badger"
)

// sizeFlag is a flag of a size in bytes: "256MiB", "1GiB", "500MB", "0".
type sizeFlag struct{ n int64 }

func (f *sizeFlag) String() string {
	if f == nil {
		return ""
	}
	return badger.FormatBytes(f.n)
}

func (f *sizeFlag) Set(s string) error {
	n, err := badger.ParseBytes(s)
	if err != nil {
		return err
	}
	f.n = n
	return nil
}

// reserveFlag adds --reserve, the free space the data directory keeps.
func reserveFlag(fs *flag.FlagSet) *sizeFlag {
	f := &sizeFlag{n: badger.DefaultReserve}
	fs.Var(f, "reserve", "free space the data directory keeps, a `size` such as 600MiB or 1GiB: writes are refused below it, and a store opened with less free "+
		"is served read-only; at least what Badger may still write once writes stop ("+badger.FormatBytes(badger.DefaultReserve)+" at the default --memtable)")
	return f
}

// checkReserve refuses a --reserve under what Badger needs at the
// command's --memtable (Main.parse calls it for every command).
func checkReserve(fs *flag.FlagSet) error {
	f := fs.Lookup("reserve")
	if f == nil {
		return nil
	}
	reserve := f.Value.(*sizeFlag)
	var o badger.Options
	if f := fs.Lookup("memtable"); f != nil {
		o.MemTableSize = f.Value.(*memtableFlag).n
	}
	if reserve.n < badger.MinReserve(o) {
		return &errUsage{"--reserve: " + badger.ReserveTooSmall(reserve.n, o).Error()}
	}
	return nil
}

// storeFlags are the flags of the commands that write into a store.
type storeFlags struct {
	reserve  *sizeFlag
	sync     *bool
	cache    *cacheFlag
	memtable *memtableFlag
}

// memtableFlag is --memtable: Badger's memtable size, at least 1 MiB.
type memtableFlag struct{ sizeFlag }

func (f *memtableFlag) Set(s string) error {
	if err := f.sizeFlag.Set(s); err != nil {
		return err
	}
	if f.n < 1<<20 {
		return fmt.Errorf("%s is less than 1MiB", s)
	}
	return nil
}

// cacheFlag is --cache: a size of at least 1 MiB (Badger reads its
// compressed tables through the block cache, and has none without one).
type cacheFlag struct{ sizeFlag }

func (f *cacheFlag) Set(s string) error {
	if err := f.sizeFlag.Set(s); err != nil {
		return err
	}
	if f.n < 1<<20 {
		return fmt.Errorf("%s is less than the 1MiB Badger needs to read its compressed tables", s)
	}
	return nil
}

func addStoreFlags(fs *flag.FlagSet) storeFlags {
	cache := &cacheFlag{sizeFlag{n: badger.DefaultCacheSize}}
	fs.Var(cache, "cache", "memory for Badger's block cache, a `size` such as 64MiB or 256MiB (at least 1MiB); more keeps more of the store "+
		"decompressed in memory, at the cost of the process's resident memory")
	memtable := &memtableFlag{sizeFlag{n: 64 << 20}}
	fs.Var(memtable, "memtable", "Badger's memtable, a `size` such as 64MiB (the default) or 16MiB: one transaction is at most 15% of it, and the least --reserve "+
		"grows with it (a small disk needs a small memtable)")
	return storeFlags{
		memtable: memtable,
		cache:    cache,
		reserve:  reserveFlag(fs),
		sync: fs.Bool("sync", true, "sync every write to disk before acknowledging it; --sync=false is faster, but a crash of the machine "+
			"or a power loss can lose acknowledged writes"),
	}
}

func (f storeFlags) options(log zerolog.Logger) badger.Options {
	return badger.Options{
		Logger:       badgerLogger{log.With().Str("component", "badger").Logger()},
		Reserve:      f.reserve.n,
		NoSync:       !*f.sync,
		CacheSize:    f.cache.n,
		MemTableSize: f.memtable.n,
	}
}
