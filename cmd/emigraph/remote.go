package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/seed/format/nquads"
	"github.com/emigraph/emigraph/server"
)

// operations are what the server does for `backup`, `export` and `load`
// given --server: the same store calls as those commands with --data.
func operations(st graph.Admin) server.Operations {
	return server.Operations{
		Backup: func(ctx context.Context, w io.Writer) error { return st.Backup(w) },
		Export: func(ctx context.Context, w io.Writer, format string) error {
			f, ok := seed.FormatByName(format)
			if !ok {
				return graph.Errorf(graph.EINVALID, "unknown format %q", format)
			}
			if ss, streams := st.(graph.SnapshotStreamer); streams && f.Name == nquads.Format.Name {
				return nquads.WriteSnapshot(ctx, w, ss) // a node at a time, as export --data does
			}
			c, err := st.Snapshot(ctx)
			if err != nil {
				return err
			}
			return f.Write(w, c)
		},
		ContentType: func(format string) (string, bool) {
			f, ok := seed.FormatByName(format)
			if !ok {
				return "", false
			}
			return f.ContentType(), true
		},
	}
}

// serverURL reads --server: the server's base URL, or its /graphql URL
// (which the README tells people to POST to), with or without a slash.
func serverURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", &errUsage{fmt.Sprintf("--server %q: give the server's address, e.g. http://127.0.0.1:8080", raw)}
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/graphql")
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimSuffix(u.String(), "/"), nil
}

// adminRequest sends an operation to a running server with the token, and
// turns a refusal into an error that says what the server said.
func adminRequest(ctx context.Context, method, base, path, token string, body io.Reader, ctype string) (*http.Response, error) {
	resp, err := sendAdmin(ctx, method, base, path, token, body, ctype)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, remoteError(base, resp)
}

// sendAdmin sends an operation and returns the server's answer, whatever
// its status.
func sendAdmin(ctx context.Context, method, base, path, token string, body io.Reader, ctype string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("--server %s: %w", base, err)
	}
	return resp, nil
}

// remoteError reads an operation's refusal: {"error": {"message": ...}} from
// an emigraph server, or the status and the start of whatever else answered.
func remoteError(base string, resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var out struct {
		Error *struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(raw, &out) == nil && out.Error != nil {
		msg := out.Error.Message
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			msg += " (give the server's write token with --token-file or EMIGRAPH_TOKEN)"
		}
		return fmt.Errorf("--server %s refused (%s): %s", base, resp.Status, msg)
	}
	text := strings.TrimSpace(string(raw))
	if len(text) > 200 {
		text = text[:200] + "..."
	}
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("--server %s answered 404 Not Found: is it an emigraph server of this version? (%s)", base, text)
	}
	return fmt.Errorf("--server %s answered %s: %s", base, resp.Status, text)
}

// fetchRemote streams a backup or an export of a running server to out (or
// standard output). A transfer cut short is an error, never a whole file.
func (m *Main) fetchRemote(ctx context.Context, base, path, token, out string) error {
	resp, err := adminRequest(ctx, http.MethodGet, base, path, token, nil, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	err = m.writeOutput(out, func(w io.Writer) error {
		if _, err := io.Copy(w, resp.Body); err != nil {
			return fmt.Errorf("--server %s: the transfer broke off: %w", base, err)
		}
		return nil
	})
	return err
}

// importRemote streams the files to a running server's /admin/import as one
// all-or-nothing load: each file is read from disk as it is sent, so its
// size is bounded by the server's --max-import, not by memory.
func (m *Main) importRemote(ctx context.Context, base, token string, files []string, format string, dryRun, asJSON bool) error {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			for _, name := range files {
				part, err := mw.CreateFormFile("document", name)
				if err != nil {
					return err
				}
				var r io.Reader = m.Stdin
				if name != "-" {
					f, err := os.Open(name)
					if err != nil {
						return err
					}
					defer f.Close()
					r = f
				}
				if _, err := io.Copy(part, r); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	q := url.Values{}
	if format != "" {
		q.Set("format", format)
	}
	if dryRun {
		q.Set("dryRun", "true")
	}
	if msg := graph.ChangeInfoOf(ctx).Message; msg != "" {
		q.Set("message", msg) // load --message
	}
	path := "/admin/import"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	resp, err := sendAdmin(ctx, http.MethodPost, base, path, token, pr, mw.FormDataContentType())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnprocessableEntity {
		var out struct {
			Problems []struct{ Where, Field, Message string } `json:"problems"`
		}
		if json.NewDecoder(resp.Body).Decode(&out) == nil && len(out.Problems) > 0 {
			for _, p := range out.Problems {
				fmt.Fprintf(m.Stderr, "%s: %s: %s\n", p.Where, p.Field, p.Message)
			}
			fmt.Fprintf(m.Stderr, "emigraph: refused: %s; nothing was written\n", plural(len(out.Problems), "problem"))
			return errReported
		}
	}
	if resp.StatusCode != http.StatusOK {
		return remoteError(base, resp)
	}
	var out struct {
		OK          bool           `json:"ok"`
		Summary     graph.Summary  `json:"summary"`
		Changes     []graph.Change `json:"changes"`
		MoreChanges int            `json:"moreChanges"`
		Warnings    []string       `json:"warnings"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || !out.OK {
		return fmt.Errorf("--server %s answered the import with something unexpected (%v)", base, err)
	}
	if !dryRun {
		fmt.Fprintln(m.Stdout, out.Summary.String())
		return nil
	}
	if out.MoreChanges > 0 {
		fmt.Fprintf(m.Stderr, "emigraph: the server listed %d changes and left out %d more\n", len(out.Changes), out.MoreChanges)
	}
	return m.printDiff(out.Summary, out.Changes, out.Warnings, asJSON)
}

// plural writes a count with its noun: "1 problem", "2 problems".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
