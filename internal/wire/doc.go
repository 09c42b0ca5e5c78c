// Package wire holds the protocol codecs that the reference servers and the load
// generator share: the message envelope, newline-delimited JSON framing for
// chunked HTTP streams, the chunked transfer coding with its chunk boundaries
// kept, the Server-Sent Events encoder and parser, and Engine.IO and
// Socket.IO packets. Keeping one copy means a parser bug shows up on both
// sides of every test.
package wire
