package badger

import (
	"bytes"
	"context"
	"encoding/json"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger/internal/bulk"
)

// Source records (graph.SourceRecord) and what cites them:
//
//	s:<source>               the record (JSON)
//	k:<url>                  the id of the record with this URL (one record a URL)
//	S:<source>␀<rel>         the relations citing a record, each once (relationIndex)
//	c:src:<source>           how many relations cite it (dropped at zero)
//
// The counter is kept in the write's transaction like the others, so that
// Source.facts reads one key whatever the number of relations citing it;
// S: lists them a page at a time, in relation id order.
const (
	pSource    = "s:"
	pSourceURL = "k:"
	pCites     = "S:"
	cSource    = "src:"
)

func sourceKey(id string) []byte     { return key(pSource, id) }
func sourceURLKey(url string) []byte { return key(pSourceURL, url) }

// putSources adds the writes of the plan's source records to a mutation.
func (m *mutation) putSources(ws []graph.SourceWrite) {
	for _, w := range ws {
		if w.Old != nil && w.Old.URL != "" && (w.New == nil || w.New.URL != w.Old.URL) {
			m.remove(string(sourceURLKey(w.Old.URL)))
		}
		if w.New == nil {
			m.remove(string(sourceKey(w.Old.ID)))
			continue
		}
		m.put(string(sourceKey(w.New.ID)), mustJSON(w.New))
		if w.New.URL != "" {
			m.put(string(sourceURLKey(w.New.URL)), []byte(w.New.ID))
		}
	}
}

// countCitations keeps c:src:<source> for the records a relation cites.
func (m *mutation) countCitations(r *graph.Relation, delta int64) {
	for _, id := range r.SourceIDs() {
		m.counts[cSource+id] += delta
	}
}

// sourcesTask writes the source records of a build (s:, k:).
func sourcesTask(pool *bulk.Pool, ws []graph.SourceWrite) bulk.Task {
	return func() []*bulk.Family {
		records, urls := pool.Family(pSource, len(ws)), pool.Family(pSourceURL, len(ws))
		for _, w := range ws {
			if w.New == nil {
				continue
			}
			records.PutKey(string(sourceKey(w.New.ID)), mustJSON(w.New))
			if w.New.URL != "" {
				urls.PutKey(string(sourceURLKey(w.New.URL)), []byte(w.New.ID))
			}
		}
		return []*bulk.Family{records, urls}
	}
}

// --- the planner's view ---------------------------------------------------

// SourceRecord implements graph.SourceView.
func (v txnView) SourceRecord(id string) (*graph.SourceRecord, error) {
	var rec graph.SourceRecord
	ok, err := getJSON(v.txn, sourceKey(id), &rec)
	if !ok || err != nil {
		return nil, err
	}
	return &rec, nil
}

// SourceIDByURL implements graph.SourceView.
func (v txnView) SourceIDByURL(url string) (string, error) {
	item, err := v.txn.Get(sourceURLKey(url))
	if err != nil {
		if err == bg.ErrKeyNotFound {
			return "", nil
		}
		return "", err
	}
	b, err := item.ValueCopy(nil)
	return string(b), err
}

// CitingRelationIDs implements graph.SourceView.
func (v txnView) CitingRelationIDs(id string) ([]string, error) {
	prefix := key(pCites, id, sep)
	it := v.txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var ids []string
	for it.Rewind(); it.Valid(); it.Next() {
		ids = append(ids, string(it.Item().Key()[len(prefix):]))
	}
	return ids, nil
}

// maxSuggestScan bounds the source records a suggestion reads: records are
// few beside relations (one a text quoted), and a mistyped id must not make
// a write read a million of them.
const maxSuggestScan = 10_000

// SuggestSources implements graph.SourceSuggester: the stored ids near id,
// from the first maxSuggestScan records (keys only).
func (v txnView) SuggestSources(id string, n int) ([]string, error) {
	it := v.txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pSource)})
	defer it.Close()
	var near []string
	scanned := 0
	for it.Rewind(); it.Valid() && scanned < maxSuggestScan && len(near) < n; it.Next() {
		scanned++
		if have := string(it.Item().Key()[len(pSource):]); graph.NearSourceID(have, id) {
			near = append(near, have)
		}
	}
	return near, nil
}

// emptyView holds no source records.
func (emptyView) SourceRecord(string) (*graph.SourceRecord, error) { return nil, nil }
func (emptyView) SourceIDByURL(string) (string, error)             { return "", nil }
func (emptyView) CitingRelationIDs(string) ([]string, error)       { return nil, nil }

// --- reads ----------------------------------------------------------------

var _ graph.SourceStore = (*Store)(nil)

// SourceRecord implements graph.SourceStore.
func (s *Store) SourceRecord(ctx context.Context, id string) (*graph.SourceRecord, error) {
	return readOne(s, ctx, id, txnView.SourceRecord)
}

// SourceRecordsByID implements graph.SourceStore.
func (s *Store) SourceRecordsByID(ctx context.Context, ids []string) (map[string]*graph.SourceRecord, error) {
	return readByID(s, ctx, ids, txnView.SourceRecord)
}

// SourceRecords implements graph.SourceStore: records in id order, those
// of another kind read and passed over (the records are few beside the
// relations: one a text the graph quotes).
func (s *Store) SourceRecords(ctx context.Context, f graph.SourceFilter) (*graph.SourcePage, error) {
	if err := checkFirst(f.First); err != nil {
		return nil, err
	}
	if f.Kind != "" && !f.Kind.Valid() {
		return nil, graph.Errorf(graph.EINVALID, "kind: %q is not a kind of source", f.Kind)
	}
	prefix := key(pSource)
	start := prefix
	if f.After != "" {
		c, err := decodeCursor(f.After)
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(c, prefix) {
			return nil, graph.Errorf(graph.EINVALID, "after: the cursor belongs to another list")
		}
		start = append(c, 0)
	}
	page := &graph.SourcePage{}
	budget := graph.BudgetOf(ctx)
	err := s.view(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Seek(start); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := budget.Records(1); err != nil {
				return err
			}
			rec := &graph.SourceRecord{}
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, rec) }); err != nil {
				return err
			}
			if f.Kind != "" && rec.Kind != f.Kind {
				continue
			}
			if len(page.Sources) == f.First {
				page.HasNextPage = true
				break
			}
			page.Sources = append(page.Sources, rec)
			page.Cursors = append(page.Cursors, encodeCursor(it.Item().KeyCopy(nil)))
		}
		return nil
	})
	return page, err
}

// CountCitations implements graph.SourceStore: a counter a record.
func (s *Store) CountCitations(ctx context.Context, ids []string) (map[string]int, error) {
	out := make(map[string]int, len(ids))
	budget := graph.BudgetOf(ctx)
	err := s.view(func(txn *bg.Txn) error {
		for _, id := range ids {
			if err := budget.Keys(1); err != nil {
				return err
			}
			n, err := readCount(txn, cSource+id)
			if err != nil {
				return err
			}
			out[id] = int(n)
		}
		return nil
	})
	return out, err
}

// CitingRelations implements graph.SourceStore: a page of S:<source>␀,
// each relation read (and charged) as the page takes it.
func (s *Store) CitingRelations(ctx context.Context, id string, first int, after string) (*graph.RelationPage, error) {
	if err := checkFirst(first); err != nil {
		return nil, err
	}
	prefix := key(pCites, id, sep)
	start := prefix
	if after != "" {
		c, err := decodeCursor(after)
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(c, prefix) {
			return nil, graph.Errorf(graph.EINVALID, "after: the cursor belongs to another list")
		}
		start = append(c, 0)
	}
	page := &graph.RelationPage{}
	budget := graph.BudgetOf(ctx)
	err := s.view(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Seek(start); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			if len(page.Relations) == first {
				page.HasNextPage = true
				break
			}
			if err := budget.Records(1); err != nil {
				return err
			}
			k := it.Item().KeyCopy(nil)
			r, err := txnView{txn}.Relation(string(k[len(prefix):]))
			if err != nil {
				return err
			}
			if r == nil {
				continue
			}
			page.Relations = append(page.Relations, r)
			page.Cursors = append(page.Cursors, encodeCursor(k))
		}
		return nil
	})
	return page, err
}
