package servers

import "net/http"

// Transport is one push transport's server side: the path it serves and the
// handler that speaks its protocol on top of the shared hub.
type Transport interface {
	// Name is the transport's name in results: chunked, sse, ws.
	Name() string
	// Pattern is the ServeMux pattern, method included.
	Pattern() string
	http.Handler
}

var (
	_ Transport = (*chunkedTransport)(nil)
	_ Transport = (*sseTransport)(nil)
	_ Transport = (*wsTransport)(nil)
	_ Transport = (*socketioTransport)(nil)
)
