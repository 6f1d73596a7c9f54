package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"path/filepath"

	"github.com/emigraph/emigraph/graph"
)

// addMessageFlag adds --message (and -m) to a command that writes: why,
// which the change the write makes records, like a commit message.
func addMessageFlag(fs *flag.FlagSet) *string {
	msg := fs.String("message", "", "why: a message the store's history records with this write (query changes, history), like a commit message")
	fs.StringVar(msg, "m", "", "short for --message")
	return msg
}

// withDocumentFiles returns ctx whose write records the documents loaded:
// each file's name and the SHA-256 of its bytes.
func withDocumentFiles(ctx context.Context, docs []document) context.Context {
	info := graph.ChangeInfoOf(ctx)
	for _, d := range docs {
		sum := sha256.Sum256(d.raw)
		info.Files = append(info.Files, graph.ChangeFile{Name: d.name, SHA256: hex.EncodeToString(sum[:])})
	}
	return graph.WithChangeInfo(ctx, info)
}

// historyTokenName is the name the history records of the writes the
// server's token allows: --token-name, else the token file's name, else
// the variable it came from.
func (f *serveFlags) historyTokenName() string {
	switch {
	case f.tokenName != "":
		return f.tokenName
	case f.tokenFile != "":
		return filepath.Base(f.tokenFile)
	}
	return "EMIGRAPH_TOKEN"
}
