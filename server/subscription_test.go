package server_test

import (
	"net/http"
	"testing"
)

// A subscription is a request error the client can act on: the schema has
// no Subscription type, and GraphQL over HTTP serves queries and
// mutations. Before, it ran, failed inside graphql-go and came back 200
// with data null and the code internal, as if the server were at fault.
func TestSubscriptionIsARequestError(t *testing.T) {
	t.Parallel()
	ts, _ := start(t, nil)
	body := `{"query":"query Q { stats { totalEntities } }\nsubscription Live { stats { totalEntities } }","operationName":"Live"}`
	for _, tt := range []struct {
		accept string
		status int
	}{
		{"application/graphql-response+json", http.StatusBadRequest},
		// the legacy media type answers request errors with 200, as the spec says
		{"application/json", http.StatusOK},
	} {
		r := post(t, ts.URL, "application/json", tt.accept, body)
		errs, _ := r.body["errors"].([]any)
		_, hasData := r.body["data"]
		if r.status != tt.status || hasData || len(errs) != 1 {
			t.Errorf("Accept %s: %d %s; want %d, errors and no data", tt.accept, r.status, r.raw, tt.status)
			continue
		}
		e := errs[0].(map[string]any)
		code, _ := e["extensions"].(map[string]any)["code"].(string)
		loc, _ := e["locations"].([]any)
		if code != "unsupported_operation" || len(loc) != 1 || loc[0].(map[string]any)["line"] != 2.0 {
			t.Errorf("Accept %s: code %q (%s), want unsupported_operation at line 2", tt.accept, code, r.raw)
		}
	}
}
