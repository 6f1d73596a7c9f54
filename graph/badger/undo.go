package badger

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bg "github.com/dgraph-io/badger/v4"
)

// undoGrouped is the journal mode of a load into a store that held data:
// its undo records each cover a batch of keys,
//
//	u:<load>␀<batch, 8 bytes big-endian>   for each key of the batch: its
//	                                         length (uvarint), the key, then
//	                                         0x00 (absent before the load) or
//	                                         0x01, the old value's length
//	                                         (uvarint) and the value
//
// and the batches go through one WriteBatch, whose transactions Badger
// commits in order: a batch's undo record is set before its keys, so it is
// on disk before any of them. The old values are read from one snapshot
// taken before the first write, so a key the load writes twice is undone
// to its value before the load. (Mode "undo", an undo record a key, is
// what earlier versions wrote; rollback still reads it.)
const undoGrouped = "undo-batches"

// journaledUndo writes ops (sorted) under the journal of load, with undo
// records a batch, checking the context and the reserve before each batch.
func (s *Store) journaledUndo(ctx context.Context, ops []op, load string, o LoadOptions, items int) error {
	snap := s.newReadTxn() // the state before the load
	defer snap.Discard()
	wb := s.db.NewWriteBatch()
	batch := max(o.BatchKeys/2, 1)
	var undo []byte
	var seq uint64
	for start := 0; start < len(ops); {
		if err := ctx.Err(); err != nil {
			wb.Cancel()
			return err
		}
		if err := s.checkSpace(); err != nil {
			wb.Cancel()
			return err
		}
		// a batch ends at BatchKeys/2 keys, at an undo record of 1 MiB (one
		// entry of a WriteBatch transaction, which has room for several), or
		// at spaceCheckBytes of keys, values and undo record, so that no more
		// is written between two checks of the reserve than it allows for.
		// The keys are sorted: the old values are read by walking the
		// snapshot beside them, a few steps at most before seeking, rather
		// than by a lookup of every key (most are new).
		end := start
		undo = undo[:0]
		it := snap.NewIterator(bg.IteratorOptions{})
		it.Seek([]byte(ops[start].key))
		written := int64(0)
		for ; end < len(ops) && end-start < batch && len(undo) < 1<<20 && written+int64(len(undo)) < s.spaceCheckBytes(); end++ {
			op := ops[end]
			written += op.size()
			k := []byte(op.key)
			if end > start && op.key < ops[end-1].key {
				it.Seek(k) // out of order: not from journaled, but still right
			}
			for steps := 0; it.Valid() && bytes.Compare(it.Item().Key(), k) < 0; steps++ {
				if steps == 8 {
					it.Seek(k)
					break
				}
				it.Next()
			}
			undo = binary.AppendUvarint(undo, uint64(len(k)))
			undo = append(undo, k...)
			if !it.Valid() || !bytes.Equal(it.Item().Key(), k) {
				undo = append(undo, 0)
				continue
			}
			undo = append(undo, 1)
			err := it.Item().Value(func(v []byte) error {
				undo = binary.AppendUvarint(undo, uint64(len(v)))
				undo = append(undo, v...)
				return nil
			})
			if err != nil {
				it.Close()
				wb.Cancel()
				return err
			}
		}
		it.Close()
		seq++
		if err := wb.Set(undoBatchKey(load, seq), append([]byte(nil), undo...)); err != nil {
			wb.Cancel()
			return err
		}
		for _, op := range ops[start:end] {
			if err := op.writeTo(wb); err != nil {
				wb.Cancel()
				return err
			}
		}
		start = end
		if o.Progress != nil {
			o.Progress(items * end / len(ops))
		}
	}
	return wb.Flush()
}

func undoBatchKey(load string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(key(pUndo, load, sep), seq)
}

// rollbackGrouped restores the keys of a load's undo records (mode
// undoGrouped) and deletes the records; run again after a crash, it does
// the same.
func (s *Store) rollbackGrouped(load string) error {
	prefix := key(pUndo, load, sep)
	for {
		var rec, recKey []byte
		err := s.view(func(txn *bg.Txn) error {
			it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix, PrefetchValues: false})
			defer it.Close()
			if it.Rewind(); !it.Valid() {
				return nil
			}
			recKey = it.Item().KeyCopy(nil)
			var err error
			rec, err = it.Item().ValueCopy(nil)
			return err
		})
		if err != nil {
			return err
		}
		if recKey == nil {
			return nil
		}
		wb := s.db.NewWriteBatch()
		for len(rec) > 0 {
			n, w := binary.Uvarint(rec)
			if w <= 0 || uint64(len(rec)-w) < n+1 {
				wb.Cancel()
				return fmt.Errorf("undo record %q is damaged", recKey)
			}
			k := rec[w : w+int(n)]
			rec = rec[w+int(n):]
			had := rec[0]
			rec = rec[1:]
			if had == 0 {
				err = wb.Delete(k)
			} else {
				m, w := binary.Uvarint(rec)
				if w <= 0 || uint64(len(rec)-w) < m {
					wb.Cancel()
					return fmt.Errorf("undo record %q is damaged", recKey)
				}
				err = wb.Set(k, rec[w:w+int(m)])
				rec = rec[w+int(m):]
			}
			if err != nil {
				wb.Cancel()
				return err
			}
		}
		// after the keys it restores, so that a crash keeps it until they are
		if err := wb.Delete(recKey); err != nil {
			wb.Cancel()
			return err
		}
		if err := wb.Flush(); err != nil {
			return err
		}
	}
}
