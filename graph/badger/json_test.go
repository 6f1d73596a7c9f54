package badger

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/emigraph/emigraph/graph"
)

// appendRelationJSON writes json.Marshal's bytes, whatever the strings and
// numbers, and refuses what json.Marshal refuses.
func FuzzRelationJSON(f *testing.F) {
	f.Add("rel/x", "person/a", "fled-to", "country/b", "2022-09", "", "Они уехали <в> \"Грузию\" & \u2028\x00\xff", "https://example.org/?a=1&b=2", 1e21, true, true)
	f.Add("", "s", "p", "", "", "2023", "", "", 0.000001, false, false)
	f.Add("", "s", "p", "o", "d", "e", "n\t\r\n\b\f\\", "", -1.5e-7, true, false)
	f.Add("", "s", "p", "o", "d", "e", "q", "u", math.NaN(), true, true)
	f.Fuzz(func(t *testing.T, id, subject, predicate, object, date, endDate, text, url string, amount float64, withQuantity, withSources bool) {
		r := &graph.Relation{ID: id, Subject: subject, Predicate: predicate, Object: object, Date: date, EndDate: endDate, Note: text}
		if withQuantity {
			lower, upper := amount/2, amount*3
			r.Quantity = &graph.Quantity{Amount: amount, LowerBound: &lower, UpperBound: &upper, Unit: text, Approximation: graph.Approximation(url)}
		}
		if withSources {
			r.Sources = []graph.Source{{Quote: text, Section: subject, URL: url}, {Quote: url, Title: text}, {SourceID: object, Quote: date}}
		}
		got, ok := appendRelationJSON(nil, r)
		want, err := json.Marshal(r)
		if (err == nil) != ok {
			t.Fatalf("json.Marshal error %v, appendRelationJSON ok %v", err, ok)
		}
		if ok && !bytes.Equal(got, want) {
			t.Errorf("appendRelationJSON:\n%s\njson.Marshal:\n%s", got, want)
		}
	})
}
