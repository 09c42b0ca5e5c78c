package servers

import "net/http"

// chunkedTransport streams newline-delimited JSON over one chunked HTTP response,
// the "XHR readyState 3" technique: each message is a line, flushed at once.
type chunkedTransport struct{ srv *Server }

func (t *chunkedTransport) Name() string    { return "chunked" }
func (t *chunkedTransport) Pattern() string { return "GET /chunked" }

func (t *chunkedTransport) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.srv.serveStream(w, r, streamWriter{
		contentType: "application/x-ndjson",
		// A blank line at once: browsers expose a streaming response (XHR
		// readyState 2 and 3) only once body bytes arrive, and NDJSON readers
		// skip blank lines.
		preamble:  []byte("\n"),
		heartbeat: []byte("\n"), // an empty line: NDJSON readers skip it
		open:      &t.srv.live.chunked,
		frame:     (*Message).NDJSONLine,
		chunk:     (*Message).NDJSONChunk,
	})
}
