package servers

import (
	"embed"
	"net/http"
)

// webFiles is the demo page: one panel per transport, fed by the browser's own
// XMLHttpRequest, EventSource, WebSocket and the official socket.io client
// bundle (socket.io-client 4.8.4's dist/socket.io.min.js, checked against the
// pinned npm package by the interop tests).
//
//go:embed web/index.html web/app.js web/socket.io.min.js
var webFiles embed.FS

// servePage serves the demo page and its scripts.
func servePage(mux *http.ServeMux) {
	files := map[string]string{
		"GET /{$}":              "web/index.html",
		"GET /app.js":           "web/app.js",
		"GET /socket.io.min.js": "web/socket.io.min.js",
	}
	for pattern, name := range files {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, webFiles, name)
		})
	}
}
