package wire

import (
	"bytes"
	"testing"
)

// The receive hot path, per message: what the load generator runs for every
// message each of its connections gets.

var benchEnvelope = Envelope{Seq: 123456, TS: 1700000000123456789, Topic: "pushbench-topic", Data: Payload(100)}.AppendJSON(nil)

func BenchmarkScanEnvelope(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchEnvelope)))
	for b.Loop() {
		if _, err := ScanEnvelope(benchEnvelope); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseEnvelopeJSON is the encoding/json decode ScanEnvelope
// replaces on the receive path.
func BenchmarkParseEnvelopeJSON(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchEnvelope)))
	for b.Loop() {
		if _, _, _, err := ParseEnvelope(benchEnvelope, false); err != nil {
			b.Fatal(err)
		}
	}
}

// benchStream is n messages framed by frame, as one read.
func benchStream(n int, frame func(dst, msg []byte) []byte) []byte {
	var s []byte
	for range n {
		s = frame(s, benchEnvelope)
	}
	return s
}

func BenchmarkSSEParserFeedBytes(b *testing.B) {
	one, _ := AppendSSE(nil, SSEEvent{ID: "123456", Data: string(benchEnvelope)})
	var p SSEParser
	b.ReportAllocs()
	b.SetBytes(int64(len(one)))
	n := 0
	for b.Loop() {
		if err := p.FeedBytes(one, func(SSEEventBytes) { n++ }); err != nil {
			b.Fatal(err)
		}
	}
	if n == 0 {
		b.Fatal("no events")
	}
}

func BenchmarkLineSplitterFeed(b *testing.B) {
	one := AppendNDJSON(nil, benchEnvelope)
	var s LineSplitter
	b.ReportAllocs()
	b.SetBytes(int64(len(one)))
	for b.Loop() {
		if err := s.Feed(one, func([]byte) {}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChunkDecoderPieces(b *testing.B) {
	one := AppendChunk(nil, AppendNDJSON(nil, benchEnvelope))
	d := ChunkDecoder{Pieces: true}
	b.ReportAllocs()
	b.SetBytes(int64(len(one)))
	for b.Loop() {
		if err := d.Feed(one, func([]byte) {}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSIOEventReceive(b *testing.B) {
	pkt := append([]byte(`42["msg",`), append(bytes.Clone(benchEnvelope), ']')...)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		p, err := ParseEIOText(pkt)
		if err != nil {
			b.Fatal(err)
		}
		sp, err := ParseSIO(p.Data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ViewSIOEvent(sp.Data); err != nil {
			b.Fatal(err)
		}
	}
}
