// Package wire holds the protocol codecs that the reference servers and the load
// generator share: the message envelope, newline-delimited JSON framing for chunked
// HTTP streams, and the Server-Sent Events encoder and parser. Keeping one copy
// means a parser bug shows up on both sides of every test.
package wire
