package server_test

import (
	"strings"
	"testing"

	"github.com/emigraph/emigraph/server/internal/browsertest"
)

// The playground of the real server, over the real seeded store, renders in
// headless Chromium and runs its default query, and the page asks nothing of
// any host but the server.
func TestGraphiQLOnTheRealServer(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ts, _ := start(t, nil)
	res, err := browsertest.RunQuery(t, ts.URL)
	if err != nil {
		t.Fatalf("GraphiQL: %v (errors in the page: %q)", err, res.Errors)
	}
	if !strings.Contains(res.Text, `"Chulpan Khamatova"`) || !strings.Contains(res.Text, "Latvia") {
		t.Errorf("the result pane shows %.500s, want Khamatova's relations", res.Text)
	}
	if foreign := browsertest.ForeignURLs(res.URLs, ts.URL); len(foreign) > 0 {
		t.Errorf("the page requested other hosts: %v", foreign)
	}
	if len(res.Errors) > 0 {
		t.Errorf("errors in the page: %q", res.Errors)
	}
}
