// Package clients holds the client side of every push transport pushbench
// measures, beside servers/ which holds the server side. A transport is named
// once, in the registry (registry.go: name, order, default path, whether it
// sends, its connect phases, its constructor), and implemented in one file
// (chunked.go, sse.go, ws.go, socketio_ws.go, socketio_polling.go) behind the
// Transport and Conn interfaces. How to speak to a server pushbench did not
// write (headers, chunked framing, event filters, Socket.IO namespace and
// auth) is one options struct, Receive (receive.go). Shared pieces live once:
// HTTP stream dialling and framing (httpstream.go; rawstream.go for the chunk
// boundaries net/http hides), dial-error classification (dialerror.go), the
// Engine.IO session both Socket.IO connections use (engineio.go), and the
// fan-out publishers (publisher.go). The package knows nothing of workloads: the load
// generator in loadgen/ drives it.
package clients
