package wire

import (
	"bytes"
	"io"
	"reflect"
	"testing"
)

// The fuzzers in this file feed decoders bytes a hostile or broken peer could
// send: whatever the input, a decoder must not panic, and what it accepts
// must survive a re-encoding. Their seed corpora are in testdata/fuzz.

func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte(`{"seq":1,"ts":2,"topic":"t","data":"d"}`), false)
	f.Add([]byte(`{"seq":1,"ts":2,"x":1}`), true)
	f.Fuzz(func(t *testing.T, b []byte, strict bool) {
		env, hasSeq, hasTS, err := ParseEnvelope(b, strict)
		if err != nil || !hasSeq || !hasTS {
			return
		}
		again, err := DecodeEnvelope(env.AppendJSON(nil))
		if err != nil || again != env {
			t.Fatalf("%q decoded as %+v, re-encoded as %+v (%v)", b, env, again, err)
		}
	})
}

func FuzzFindMarker(f *testing.F) {
	f.Add([]byte(`{"text":"pb1:ab12:7:1700000000"}`), "ab12")
	f.Add([]byte("pb1:pb1:a:1:2"), "a")
	f.Fuzz(func(t *testing.T, b []byte, tag string) {
		m, ok := FindMarker(b, tag)
		if !ok {
			return
		}
		if m.Tag != tag {
			t.Fatalf("FindMarker(%q, %q) found tag %q", b, tag, m.Tag)
		}
		again, ok := FindMarker(AppendMarker(nil, m), tag)
		if !ok || again != m {
			t.Fatalf("marker %+v from %q does not survive its encoding: %+v", m, b, again)
		}
	})
}

func FuzzParseEIOPayload(f *testing.F) {
	f.Add([]byte("4hello\x1e2\x1ebAQID"))
	f.Add([]byte("0{\"sid\":\"x\"}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		packets, err := ParseEIOPayload(b)
		if err != nil {
			return
		}
		again, err := ParseEIOPayload(AppendEIOPayload(nil, packets))
		if err != nil || len(again) != len(packets) {
			t.Fatalf("%q parsed as %d packets, re-encoded as %d (%v)", b, len(packets), len(again), err)
		}
		for i := range packets {
			if again[i].Type != packets[i].Type || again[i].Binary != packets[i].Binary || !bytes.Equal(again[i].Data, packets[i].Data) {
				t.Fatalf("%q: packet %d %#v became %#v", b, i, packets[i], again[i])
			}
		}
	})
}

func FuzzSIOEventArgs(f *testing.F) {
	f.Add([]byte(`["msg",{"seq":1},2]`))
	f.Add([]byte(`[1]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		name, args, err := SIOEventArgs(b)
		if err != nil || name == "" {
			return // AppendSIOArray writes no name for "" (an ack's array)
		}
		again, args2, err := SIOEventArgs(AppendSIOArray(nil, name, args...))
		if err != nil || again != name || len(args2) != len(args) {
			t.Fatalf("%q: event %q with %d args re-encoded as %q with %d (%v)", b, name, len(args), again, len(args2), err)
		}
	})
}

// FuzzChunkDecoder: any bytes, in any split, decode to the same chunks and
// the same verdict as in one piece, and nothing held exceeds the limits.
func FuzzChunkDecoder(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\n\r\n"), 3)
	f.Add([]byte("ffffffffffffffff\r\n"), 1)
	f.Fuzz(func(t *testing.T, input []byte, cut int) {
		if cut < 0 {
			cut = -cut
		}
		cut %= len(input) + 1
		const maxChunk, maxLine = 1 << 10, 64
		whole := ChunkDecoder{MaxChunk: maxChunk, MaxLine: maxLine}
		split := ChunkDecoder{MaxChunk: maxChunk, MaxLine: maxLine}
		w, werr := decodeChunks(&whole, string(input))
		s, serr := decodeChunks(&split, string(input), cut)
		if !reflect.DeepEqual(w, s) || (werr == nil) != (serr == nil) {
			t.Fatalf("split at %d changed the result: %q %v vs %q %v", cut, s, serr, w, werr)
		}
		for _, c := range w {
			if len(c) > maxChunk {
				t.Fatalf("chunk of %d bytes over MaxChunk %d", len(c), maxChunk)
			}
		}
		if p := whole.Pending(); p > len(input) {
			t.Fatalf("pending %d after %d bytes", p, len(input))
		}
	})
}

// FuzzChunkDecoderPieces: in Pieces mode the decoder emits, in any split of
// the input, the same bytes (the chunks' data, concatenated) and the same
// verdict as the whole-chunk mode without its size bound.
func FuzzChunkDecoderPieces(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n3;x=1\r\nabc\r\n0\r\n\r\n"), 4)
	f.Add([]byte("2\nab\n0\n\n"), 1)
	f.Fuzz(func(t *testing.T, input []byte, cut int) {
		if cut < 0 {
			cut = -cut
		}
		cut %= len(input) + 1
		const maxLine = 64
		whole := ChunkDecoder{MaxChunk: 1 << 62, MaxLine: maxLine}
		chunks, werr := decodeChunks(&whole, string(input))
		pieces := ChunkDecoder{Pieces: true, MaxLine: maxLine}
		var got []byte
		var perr error
		for _, part := range [][]byte{input[:cut], input[cut:]} {
			if perr = pieces.Feed(part, func(p []byte) { got = append(got, p...) }); perr != nil {
				break
			}
		}
		var want []byte
		for _, c := range chunks {
			want = append(want, c...)
		}
		if (werr == nil) != (perr == nil) {
			t.Fatalf("%q split at %d: pieces error %v, whole-chunk error %v", input, cut, perr, werr)
		}
		// Pieces emits a chunk's data before its end is seen: the bytes
		// agree up to where a cut chunk begins.
		if werr == io.EOF && perr == io.EOF && !bytes.Equal(got, want) {
			t.Fatalf("%q split at %d: pieces %q, chunks %q", input, cut, got, want)
		}
		if werr == nil && !bytes.HasPrefix(got, want) {
			t.Fatalf("%q split at %d: pieces %q, chunks %q", input, cut, got, want)
		}
	})
}
