package server

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"

	"github.com/emigraph/emigraph/schema"
)

// Media types of GraphQL over HTTP.
const (
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaJSON            = "application/json"
)

// negotiate picks the response media type from the Accept header, as the
// GraphQL-over-HTTP spec asks: application/graphql-response+json when the
// client accepts it (or anything, or says nothing), application/json for
// legacy clients, "" when the client accepts neither.
func negotiate(accept string) string {
	if strings.TrimSpace(accept) == "" {
		return mediaGraphQLResponse
	}
	best, bestQ := "", -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if _, err := fmtSscan(v, &q); err != nil {
				q = 0
			}
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			continue // we only speak UTF-8
		}
		var candidate string
		switch mt {
		case mediaGraphQLResponse, "application/*", "*/*":
			candidate = mediaGraphQLResponse
		case mediaJSON:
			candidate = mediaJSON
		default:
			continue
		}
		if q > bestQ || (q == bestQ && candidate == mediaGraphQLResponse && best != mediaGraphQLResponse) {
			best, bestQ = candidate, q
		}
	}
	if bestQ <= 0 {
		return ""
	}
	return best
}

// rawRequest is the body of a POST, typed loosely so that wrong types get a
// clear 400 instead of a generic decode error.
type rawRequest struct {
	Query         json.RawMessage `json:"query"`
	OperationName json.RawMessage `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

// badRequest is a request that is not a well-formed GraphQL-over-HTTP request.
type badRequest struct {
	status int
	msg    string
}

func (e *badRequest) Error() string { return e.msg }

func isNull(m json.RawMessage) bool { return len(m) == 0 || string(m) == "null" }

func decodeParams(raw rawRequest) (schema.Request, error) {
	var req schema.Request
	if isNull(raw.Query) {
		return req, &badRequest{http.StatusBadRequest, "the request has no query"}
	}
	if err := json.Unmarshal(raw.Query, &req.Query); err != nil {
		return req, &badRequest{http.StatusBadRequest, "query must be a string"}
	}
	if !isNull(raw.OperationName) {
		if err := json.Unmarshal(raw.OperationName, &req.OperationName); err != nil {
			return req, &badRequest{http.StatusBadRequest, "operationName must be a string or null"}
		}
	}
	if !isNull(raw.Variables) {
		if raw.Variables[0] != '{' {
			return req, &badRequest{http.StatusBadRequest, "variables must be an object or null"}
		}
		if err := json.Unmarshal(raw.Variables, &req.Variables); err != nil {
			return req, &badRequest{http.StatusBadRequest, "variables must be an object or null"}
		}
	}
	if !isNull(raw.Extensions) {
		var ext map[string]any
		if raw.Extensions[0] != '{' || json.Unmarshal(raw.Extensions, &ext) != nil {
			return req, &badRequest{http.StatusBadRequest, "extensions must be an object or null"}
		}
	}
	return req, nil
}

// readRequest extracts the GraphQL request from a GET or POST.
func (s *Server) readRequest(w http.ResponseWriter, r *http.Request) (schema.Request, error) {
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		raw := rawRequest{}
		if v, ok := q["query"]; ok {
			raw.Query, _ = json.Marshal(v[0])
		}
		if v := q.Get("operationName"); v != "" {
			raw.OperationName, _ = json.Marshal(v)
		}
		if v := q.Get("variables"); v != "" {
			if !json.Valid([]byte(v)) {
				return schema.Request{}, &badRequest{http.StatusBadRequest, "variables is not valid JSON"}
			}
			raw.Variables = json.RawMessage(v)
		}
		if v := q.Get("extensions"); v != "" {
			if !json.Valid([]byte(v)) {
				return schema.Request{}, &badRequest{http.StatusBadRequest, "extensions is not valid JSON"}
			}
			raw.Extensions = json.RawMessage(v)
		}
		return decodeParams(raw)
	case http.MethodPost:
		ct := r.Header.Get("Content-Type")
		if ct == "" {
			return schema.Request{}, &badRequest{http.StatusUnsupportedMediaType, "Content-Type is missing: send application/json"}
		}
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || mt != mediaJSON {
			return schema.Request{}, &badRequest{http.StatusUnsupportedMediaType, "unsupported Content-Type " + ct + ": send application/json"}
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return schema.Request{}, &badRequest{http.StatusUnsupportedMediaType, "unsupported charset " + cs + ": send utf-8"}
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return schema.Request{}, &badRequest{http.StatusRequestEntityTooLarge, "the request body is larger than " + humanBytes(s.cfg.MaxBodyBytes)}
			}
			if isTimeout(err) {
				return schema.Request{}, &badRequest{http.StatusRequestTimeout, "the request body did not arrive within the server's read timeout"}
			}
			// the error text may name the server's and the client's socket
			// addresses: say what happened, not where
			return schema.Request{}, &badRequest{http.StatusBadRequest, "the request body could not be read to its end"}
		}
		body = bytes.TrimSpace(body)
		if len(body) == 0 || body[0] != '{' {
			return schema.Request{}, &badRequest{http.StatusBadRequest, "the body must be a JSON object"}
		}
		var raw rawRequest
		if err := json.Unmarshal(body, &raw); err != nil {
			return schema.Request{}, &badRequest{http.StatusBadRequest, "the body is not valid JSON: " + err.Error()}
		}
		return decodeParams(raw)
	}
	return schema.Request{}, &badRequest{http.StatusMethodNotAllowed, "use GET or POST"}
}

// isTimeout reports whether a read failed on a deadline (the HTTP server's
// read timeout).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// serveGraphQL implements GraphQL over HTTP.
func (s *Server) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	info := requestInfo(r.Context())
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		s.writeErrors(w, mediaJSON, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed: use GET or POST")
		return
	}
	media := negotiate(r.Header.Get("Accept"))
	if media == "" {
		s.writeErrors(w, mediaJSON, http.StatusNotAcceptable, "Accept must allow application/graphql-response+json or application/json")
		return
	}
	req, err := s.readRequest(w, r)
	if err != nil {
		var br *badRequest
		if errors.As(err, &br) {
			s.writeErrors(w, media, br.status, br.msg)
			return
		}
		s.writeErrors(w, media, http.StatusBadRequest, err.Error())
		return
	}
	// Parsing, validation and the limits run inside the request's deadline,
	// like execution: a document that the gate lets through is small, but
	// a queue of them must not hold a client past its deadline.
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	doc, err := s.cfg.API.Prepare(ctx, req.Query)
	if err == nil {
		err = s.cfg.API.Admit(doc, req)
	}
	if err != nil {
		var pe *schema.PrepareError
		switch {
		case errors.As(err, &pe):
			info.errorKind = pe.Stage
			s.writeResult(w, media, preparedStatus(media), &graphql.Result{Errors: pe.Errors})
		case ctx.Err() != nil:
			info.errorKind = "timeout"
			w.Header().Set("Retry-After", "1")
			s.writeCodedError(w, media, http.StatusServiceUnavailable, schema.ETIMEOUT, "the server could not read this request within its "+s.cfg.RequestTimeout.String()+" deadline: try again later")
		default:
			s.writeErrors(w, media, http.StatusInternalServerError, err.Error())
		}
		return
	}
	kind, opName, err := doc.Operation(req.OperationName)
	if err != nil {
		s.writeResult(w, media, preparedStatus(media), &graphql.Result{Errors: gqlerrors.FormatErrors(err)})
		return
	}
	// only now is the operation name one the document really has: a
	// refused request's name stays out of logs' operation field and metrics
	info.kind, info.operation = kind, opName
	if kind != "query" && r.Method == http.MethodGet {
		w.Header().Set("Allow", "POST")
		s.writeErrors(w, media, http.StatusMethodNotAllowed, "a "+kind+" must be sent with POST")
		return
	}
	if kind == "mutation" {
		status, reason := s.authorize(r)
		if status != 0 {
			if status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="emigraph"`)
			}
			info.errorKind = "forbidden"
			s.writeErrors(w, media, status, reason)
			return
		}
		ctx = schema.WithWriteAccess(ctx, "")
		ctx = schema.WithTokenName(ctx, s.tokenName())
		// a write refused for its content answers 200 with ok: false; the
		// log line and the metrics say it was refused, and why
		ctx = schema.WithRefusalHook(ctx, func(code string) {
			info.errorKind, info.errorCode = "refused", code
		})
	}
	release := func() {}
	if kind != "mutation" {
		if release, err = s.executions.acquire(ctx, req.Query, req.OperationName); err != nil {
			s.refuseExecution(w, media, info, err)
			return
		}
	}
	res := s.cfg.API.Execute(ctx, doc, req)
	if res.Data == nil {
		res.Data = json.RawMessage("null") // execution began: data is present, if null
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		info.errorKind = "timeout"
	} else if res.HasErrors() {
		info.errorKind = "execution"
	}
	// the slot is held until the result is encoded, not while a slow
	// client reads it
	status, body := encodeResult(http.StatusOK, res)
	release()
	writeEncoded(w, media, status, body)
}

// preparedStatus is the status of a request that failed to parse or
// validate: 400 for the new media type, 200 for legacy application/json.
func preparedStatus(media string) int {
	if media == mediaGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// authorize checks the bearer token of a write; it returns 0 when allowed.
func (s *Server) authorize(r *http.Request) (int, string) {
	if s.cfg.Token == "" {
		return http.StatusForbidden, "the server is read-only: it was started without a token (--token-file or EMIGRAPH_TOKEN)"
	}
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return http.StatusUnauthorized, "writes need an Authorization: Bearer <token> header"
	}
	given := strings.TrimSpace(h[len(prefix):])
	if subtle.ConstantTimeCompare([]byte(given), []byte(s.cfg.Token)) != 1 {
		return http.StatusUnauthorized, "the bearer token is not valid"
	}
	return 0, ""
}

func (s *Server) writeErrors(w http.ResponseWriter, media string, status int, msg string) {
	s.writeResult(w, media, status, &graphql.Result{Errors: []gqlerrors.FormattedError{gqlerrors.NewFormattedError(msg)}})
}

// The error codes of the HTTP layer's own refusals, beside graph's (what was
// wrong with what was asked) and schema's (what became of the request).
const (
	// codeOverloaded: every execution slot busy past the queue timeout.
	codeOverloaded = "overloaded"
	// codeTooManyConnections: a connection past --max-conns or
	// --max-conns-per-client.
	codeTooManyConnections = "too_many_connections"
	// codeMethodNotAllowed: an /admin/ endpoint asked with another method.
	codeMethodNotAllowed = "method_not_allowed"
)

// writeCodedError is writeErrors with an extensions.code.
func (s *Server) writeCodedError(w http.ResponseWriter, media string, status int, code, msg string) {
	fe := gqlerrors.NewFormattedError(msg)
	fe.Extensions = map[string]any{"code": code}
	s.writeResult(w, media, status, &graphql.Result{Errors: []gqlerrors.FormattedError{fe}})
}

func (s *Server) writeResult(w http.ResponseWriter, media string, status int, res *graphql.Result) {
	status, body := encodeResult(status, res)
	writeEncoded(w, media, status, body)
}

// encodeResult is the body of a result, and its status (500 if it cannot
// be encoded).
func encodeResult(status int, res *graphql.Result) (int, []byte) {
	var body []byte
	var err error
	if res.Data == nil {
		// a request error: execution never began, so there is no data entry
		body, err = json.Marshal(map[string]any{"errors": res.Errors})
	} else {
		body, err = json.Marshal(res)
	}
	if err != nil {
		return http.StatusInternalServerError, []byte(`{"errors":[{"message":"encoding the response failed"}]}`)
	}
	return status, body
}

func writeEncoded(w http.ResponseWriter, media string, status int, body []byte) {
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}
