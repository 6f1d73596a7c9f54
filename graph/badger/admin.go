package badger

import "github.com/emigraph/emigraph/graph"

var (
	_ graph.Admin    = (*Store)(nil)
	_ graph.Importer = (*Directory)(nil)
)

// CheckTables is VerifyTables as the storage boundary states it
// (graph.Admin): every table of the open store checked against its
// checksums.
func (s *Store) CheckTables() (graph.TableCheck, error) {
	check, err := s.VerifyTables()
	out := graph.TableCheck{Tables: check.Tables, Bytes: check.Bytes}
	for _, p := range check.Problems {
		out.Problems = append(out.Problems, p)
	}
	return out, err
}
