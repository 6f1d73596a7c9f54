package badgerfmt

import (
	"errors"
	"fmt"
	"os"

	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"
)

// TableFilename is the name of the table id in dir (000001.sst).
func TableFilename(id uint64, dir string) string { return table.NewFilename(id, dir) }

// TableID is the id of the table named path, if it names one.
func TableID(path string) (uint64, bool) { return table.ParseFileID(path) }

// CheckTable checks the table at path as it is on disk, outside Badger's
// block cache and reading only: that its index holds its checksum, and
// that every block does (decompressed, as Badger reads it). blockSize and
// compression are those the database and its MANIFEST give. It returns the
// table's size; an error wrapping os.ErrNotExist is a table that is not
// there.
func CheckTable(path string, blockSize int, compression options.CompressionType) (size int64, err error) {
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil {
		return 0, err
	}
	defer func() {
		// Badger's table code panics on some bytes it cannot decode (a
		// length that runs past the file, a nil block it goes on to read)
		if v := recover(); v != nil {
			err = fmt.Errorf("it does not decode (%v)", v)
		}
		mf.Close(-1) // not the table's DecrRef, which deletes the file
	}()
	if len(mf.Data) == 0 {
		return 0, errors.New("it is empty")
	}
	t, err := table.OpenTable(mf, table.Options{
		ReadOnly:    true,
		ChkMode:     options.NoVerification, // the blocks are checked below, each once
		BlockSize:   blockSize,
		Compression: compression,
	})
	if err != nil {
		return 0, err
	}
	if err := t.VerifyChecksum(); err != nil {
		return 0, err
	}
	return t.Size(), nil
}
