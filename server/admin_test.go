package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/schema"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/seed/seedtest"
	"github.com/emigraph/emigraph/server"
)

// newTestServer is the server of start, over a real store holding the
// seed, without a listener: for tests that call its handler directly.
func newTestServer(t *testing.T, configure func(*server.Config)) *server.Server {
	t.Helper()
	st := seedtest.Open(t)
	api, err := schema.New(context.Background(), st, schema.Options{Parse: seed.Parse, Limits: schema.DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{API: api, Logger: zerolog.Nop(), Token: testToken}
	if configure != nil {
		configure(&cfg)
	}
	return server.New(cfg)
}

// bigImport is a multipart upload of one CSV document of about size bytes
// (valid rows, so that only its size can refuse it).
func bigImport(t *testing.T, size int) (body []byte, ctype string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreateFormFile("file", "facts.csv")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(part, "subject,predicate,object,quote\n")
	for i := 0; buf.Len() < size; i++ {
		fmt.Fprintf(part, "person/p%d,fled-to,country/georgia,They left in %d.\n", i, i)
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// countingBody counts the bytes the server takes from a request body.
type countingBody struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// hideLength hides a reader's length from net/http, so that the request is
// sent chunked, without a Content-Length.
type hideLength struct{ io.Reader }

func checkTooLarge(t *testing.T, status int, raw []byte, limit string) {
	t.Helper()
	var out struct {
		OK    bool
		Error struct{ Code, Message string }
	}
	json.Unmarshal(raw, &out)
	if status != http.StatusRequestEntityTooLarge || out.OK || out.Error.Code != "too_large" ||
		!strings.Contains(out.Error.Message, limit) || !strings.Contains(out.Error.Message, "--max-import") {
		t.Errorf("status %d %.300s, want 413, code too_large and a message naming the limit (%s, --max-import)", status, raw, limit)
	}
}

// An import larger than --max-import is refused with 413 whatever the shape
// of its body (multipart with a length, multipart chunked, a body that is
// not multipart), over a real connection.
func TestImportOverMaxImportIs413(t *testing.T) {
	t.Parallel()
	const limit = 1000
	ts, _ := start(t, func(c *server.Config) { c.MaxImportBytes = limit })
	body, ctype := bigImport(t, 5<<20)
	for _, tc := range []struct {
		name, ctype string
		body        io.Reader
	}{
		{"multipart with Content-Length", ctype, bytes.NewReader(body)},
		{"multipart chunked", ctype, hideLength{bytes.NewReader(body)}},
		{"raw body with Content-Length", "text/csv", bytes.NewReader(body)},
		{"raw body chunked", "text/csv", hideLength{bytes.NewReader(body)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodPost, ts.URL+"/admin/import", tc.body)
			req.Header.Set("Content-Type", tc.ctype)
			req.Header.Set("Authorization", "Bearer "+testToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tc.ctype == "text/csv" && resp.StatusCode == http.StatusUnsupportedMediaType && req.ContentLength <= 0 {
				return // not multipart and of unknown length: refused for its type before a byte is read
			}
			checkTooLarge(t, resp.StatusCode, raw, "1000 bytes")
		})
	}
}

// The server takes no more than --max-import bytes (and the one byte that
// tells it the body is over) from an import's body before refusing it, and
// none at all when the Content-Length says the body is over.
func TestImportReadsNoMoreThanMaxImport(t *testing.T) {
	t.Parallel()
	const limit = 4096
	srv := newTestServer(t, func(c *server.Config) { c.MaxImportBytes = limit })
	body, ctype := bigImport(t, 1<<20)
	for _, chunked := range []bool{false, true} {
		cb := &countingBody{r: bytes.NewReader(body)}
		req := httptest.NewRequest(http.MethodPost, "/admin/import", cb)
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Authorization", "Bearer "+testToken)
		if chunked {
			req.ContentLength = -1
		} else {
			req.ContentLength = int64(len(body))
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		checkTooLarge(t, rec.Code, rec.Body.Bytes(), "4 KiB")
		max := int64(limit + 1)
		if !chunked {
			max = 0
		}
		if got := cb.n.Load(); got > max {
			t.Errorf("chunked=%v: the server read %d bytes of the body, want at most %d", chunked, got, max)
		}
	}
}
