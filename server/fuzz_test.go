package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzGraphQLRequest sends arbitrary bodies, content types and Accept
// headers to the real handler over a real store: whatever arrives, the
// answer is a well-formed response with a charset, never a server error.
func FuzzGraphQLRequest(f *testing.F) {
	ts, _ := start(f, nil)
	h := ts.Config.Handler
	f.Add("application/json", "", `{"query":"{ predicates { id } }"}`)
	f.Add("application/json; charset=utf-8", "application/json", `{"query":"query($id: ID) { entity(id: $id) { name } }","variables":{"id":"country/latvia"}}`)
	f.Add("application/json", "application/graphql-response+json;q=0.1, */*", `{"query":"{ entity(","operationName":null}`)
	f.Add("text/plain", "text/html", `query=1`)
	f.Add("application/json", "", `{"query":"mutation { retractRelation(id: \"x\") { ok } }"}`)
	f.Add("application/json", "", `[]`)
	f.Fuzz(func(t *testing.T, ctype, accept, body string) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q %q %q: %s", rec.Code, ctype, accept, body, rec.Body.String())
		}
		if ct := rec.Header().Get("Content-Type"); !strings.Contains(ct, "charset=utf-8") {
			t.Fatalf("Content-Type %q lacks a charset", ct)
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("the response is not JSON: %v: %s", err, rec.Body.String())
		}
		if _, ok := out["data"]; !ok {
			if errs, _ := out["errors"].([]any); len(errs) == 0 {
				t.Fatalf("a response with neither data nor errors: %s", rec.Body.String())
			}
		}
	})
}
