package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/schema"
)

// Operations are the routine tasks a running server does for its operators
// under /admin/, so that none of them needs the server stopped (the data
// directory is locked while it runs). Each needs the write token. The
// functions are wired by cmd/, which knows the store and the formats.
type Operations struct {
	// Backup writes a verified backup of the store, read at one timestamp.
	Backup func(ctx context.Context, w io.Writer) error
	// Export writes the whole graph, read at one timestamp, in the named
	// format; ContentType gives the media type of a format's output.
	Export      func(ctx context.Context, w io.Writer, format string) error
	ContentType func(format string) (string, bool)
}

// adminStreamTimeout is how long a backup, an export or an import may take:
// the HTTP server's read and write timeouts are for everyday requests, so
// an authorised operation raises them for its own connection.
const adminStreamTimeout = 6 * time.Hour

func (s *Server) routeAdmin(mux *http.ServeMux) {
	mux.HandleFunc("/admin/backup", s.admin(http.MethodGet, s.serveBackup))
	mux.HandleFunc("/admin/export", s.admin(http.MethodGet, s.serveExport))
	mux.HandleFunc("/admin/import", s.admin(http.MethodPost, s.serveImport))
}

// admin checks the method and the token of an operation, then lifts the
// connection's deadlines for it. Answers are JSON: {"ok": ..., "error": ...}.
func (s *Server) admin(method string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		info := requestInfo(r.Context())
		if r.Method != method {
			w.Header().Set("Allow", method)
			writeAdminError(w, http.StatusMethodNotAllowed, codeMethodNotAllowed, "use "+method)
			return
		}
		if status, reason := s.authorize(r); status != 0 {
			if status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="emigraph"`)
			}
			info.errorKind = "forbidden"
			writeAdminError(w, status, schema.EFORBIDDEN, reason)
			return
		}
		r = r.WithContext(schema.WithTokenName(r.Context(), s.tokenName()))
		rc := http.NewResponseController(w)
		rc.SetReadDeadline(time.Now().Add(adminStreamTimeout))
		rc.SetWriteDeadline(time.Now().Add(adminStreamTimeout))
		next(w, r)
	}
}

func writeAdminError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": map[string]string{"code": code, "message": msg}})
}

// errorStatus maps a domain error to its status and code.
func errorStatus(err error) (int, string) {
	var ve *graph.ValidationError
	switch code := graph.ErrorCode(err); {
	case errors.As(err, &ve), code == graph.EINVALID:
		return http.StatusUnprocessableEntity, graph.EINVALID
	case code == graph.ENOSPACE:
		return http.StatusInsufficientStorage, code
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, schema.ECANCELED
	default:
		return http.StatusInternalServerError, code
	}
}

// streamed writes a stream's body; once bytes have gone out a failure can
// only cut the response short, which the client sees as a broken transfer
// (a chunked body without its end), never as a whole one.
func (s *Server) streamed(w http.ResponseWriter, r *http.Request, ctype, filename string, write func(io.Writer) error) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	w.Header().Set("Cache-Control", "no-store")
	cw := &countingWriter{w: w}
	err := write(cw)
	if err == nil {
		return
	}
	requestInfo(r.Context()).errorKind = "execution"
	if cw.n == 0 {
		status, code := errorStatus(err)
		w.Header().Del("Content-Disposition")
		writeAdminError(w, status, code, err.Error())
		return
	}
	panic(http.ErrAbortHandler) // cut the transfer: a partial body must not look whole
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func (s *Server) serveBackup(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Operations.Backup == nil {
		writeAdminError(w, http.StatusNotFound, graph.ENOTFOUND, "this server does not make backups")
		return
	}
	name := "emigraph-" + time.Now().UTC().Format("20060102T150405Z") + ".backup"
	s.streamed(w, r, "application/octet-stream", name, func(w io.Writer) error {
		return s.cfg.Operations.Backup(r.Context(), w)
	})
}

func (s *Server) serveExport(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "native"
	}
	ctype, ok := "", false
	if s.cfg.Operations.ContentType != nil {
		ctype, ok = s.cfg.Operations.ContentType(format)
	}
	if s.cfg.Operations.Export == nil || !ok {
		writeAdminError(w, http.StatusBadRequest, graph.EINVALID, fmt.Sprintf("unknown export format %q", format))
		return
	}
	s.streamed(w, r, ctype, "emigraph."+format, func(w io.Writer) error {
		return s.cfg.Operations.Export(r.Context(), w, format)
	})
}

// serveImport reads fact documents streamed as multipart/form-data (one
// file part per document; its filename names it and, through its extension,
// its format, unless ?format= names one for all) and writes them as one
// all-or-nothing load, of any size up to MaxImportBytes. ?dryRun=true only
// reports what would change; ?message= says why, for the history.
func (s *Server) serveImport(w http.ResponseWriter, r *http.Request) {
	info := requestInfo(r.Context())
	// the limit goes on before anything reads the body (the multipart
	// reader keeps the body it is built from), and a body declared larger
	// is refused before a byte of it is read, whatever its type
	if r.ContentLength > s.cfg.MaxImportBytes {
		s.importTooLarge(w, info)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxImportBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		writeAdminError(w, http.StatusUnsupportedMediaType, graph.EINVALID, "send the documents as multipart/form-data, one file part each")
		return
	}
	q := r.URL.Query()
	if err := graph.CheckChangeMessage(q.Get("message")); err != nil {
		writeAdminError(w, http.StatusBadRequest, graph.EINVALID, err.Error())
		return
	}
	dryRun := q.Get("dryRun") == "true" || q.Get("dryRun") == "1"
	format := q.Get("format")
	// parts are parsed as they arrive, so nothing is spooled; a failure to
	// read the upload (cut short, over the limit) is told apart from a
	// problem in what was read, whatever the parser made of it
	parts := 0
	var readErr error
	// ?message= is why, as the change the import makes records it
	res, err := s.cfg.API.ImportStream(schema.WithMessage(r.Context(), q.Get("message")), func() (schema.ImportDocument, bool, error) {
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return schema.ImportDocument{}, false, nil
			}
			if err != nil {
				return schema.ImportDocument{}, false, err
			}
			if part.FileName() == "" {
				continue // form fields: none are used
			}
			parts++
			f := format
			if f == "" {
				f = extension(part.FileName())
			}
			return schema.ImportDocument{Name: part.FileName(), Format: f, Body: &recordingReader{r: part, err: &readErr}}, true, nil
		}
	}, dryRun)
	if readErr != nil {
		err = readErr
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.importTooLarge(w, info)
		return
	case readErr != nil:
		info.errorKind = "validation"
		writeAdminError(w, http.StatusBadRequest, graph.EINVALID, "the upload could not be read to its end; nothing was written")
		return
	case err == nil && parts == 0:
		info.errorKind = "validation"
		writeAdminError(w, http.StatusBadRequest, graph.EINVALID, "the request holds no file part")
		return
	}
	var ve *graph.ValidationError
	if errors.As(err, &ve) {
		info.errorKind, info.errorCode = "refused", graph.EINVALID
		w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
		w.WriteHeader(http.StatusUnprocessableEntity)
		var problems []map[string]string
		for _, it := range ve.Items {
			for _, p := range it.Problems {
				problems = append(problems, map[string]string{"where": it.Where, "field": p.Field, "message": p.Message})
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "problems": problems,
			"error": map[string]string{"code": graph.EINVALID, "message": refusedMessage(ve.Count())}})
		return
	}
	if err != nil {
		status, code := errorStatus(err)
		info.errorKind, info.errorCode = "execution", code
		writeAdminError(w, status, code, err.Error())
		return
	}
	w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
	out := map[string]any{"ok": true, "summary": res.Summary, "documents": parts}
	if dryRun {
		changes := res.Changes
		if len(changes) > maxDryRunChanges {
			out["moreChanges"] = len(changes) - maxDryRunChanges
			changes = changes[:maxDryRunChanges]
		}
		out["changes"], out["warnings"] = changes, res.Warnings
	}
	json.NewEncoder(w).Encode(out)
}

// importTooLarge answers an import over MaxImportBytes. The connection is
// closed after the answer: the rest of the body is never read.
func (s *Server) importTooLarge(w http.ResponseWriter, info *reqInfo) {
	info.errorKind = "validation"
	w.Header().Set("Connection", "close")
	writeAdminError(w, http.StatusRequestEntityTooLarge, "too_large", "the import is larger than "+humanBytes(s.cfg.MaxImportBytes)+" (serve --max-import); nothing was written")
}

// recordingReader keeps the first error other than io.EOF of the reader it
// wraps.
type recordingReader struct {
	r   io.Reader
	err *error
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && *r.err == nil {
		*r.err = err
	}
	return n, err
}

// extension is a file name's extension, which the format registry reads
// as a format name.
func extension(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

// maxDryRunChanges bounds the changes a dry run's answer lists.
const maxDryRunChanges = 10_000

// refusedMessage says how many problems refused a write.
func refusedMessage(n int) string {
	if n == 1 {
		return "refused: 1 problem; nothing was written"
	}
	return fmt.Sprintf("refused: %d problems; nothing was written", n)
}
