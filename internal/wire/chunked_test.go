package wire

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// decodeChunks feeds input to d split at cuts and returns the chunks and the
// error that ended decoding (io.EOF after the last chunk).
func decodeChunks(d *ChunkDecoder, input string, cuts ...int) ([]string, error) {
	var got []string
	prev := 0
	for _, c := range append(cuts, len(input)) {
		err := d.Feed([]byte(input[prev:c]), func(b []byte) { got = append(got, string(b)) })
		if err != nil {
			return got, err
		}
		prev = c
	}
	return got, nil
}

func TestChunkDecoder(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    []string
		done    bool
		pending int
		err     string
	}{
		{name: "bare numbers", input: "1\r\n1\r\n1\r\n2\r\n4\r\n1234\r\n", want: []string{"1", "2", "1234"}},
		{name: "two numbers in one chunk", input: "4\r\n1\n2\n\r\n", want: []string{"1\n2\n"}},
		{name: "last chunk ends the body", input: "2\r\nab\r\n0\r\n\r\n", want: []string{"ab"}, done: true},
		{name: "bytes after the body are ignored", input: "1\r\na\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n", want: []string{"a"}, done: true},
		{name: "extensions", input: "3;name=value;x\r\nabc\r\n2 ; q=\"a;b\"\r\nde\r\n0;end\r\n\r\n", want: []string{"abc", "de"}, done: true},
		{name: "trailers", input: "1\r\nz\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n", want: []string{"z"}, done: true},
		{name: "upper-case hex and leading zeros", input: "000A\r\n0123456789\r\n", want: []string{"0123456789"}},
		{name: "bare LF", input: "1\na\n0\n\n", want: []string{"a"}, done: true},
		{name: "CRLF inside data is data", input: "4\r\n\r\n\r\n\r\n", want: []string{"\r\n\r\n"}},
		{name: "partial data pending", input: "5\r\nabc", pending: 3},
		{name: "partial size line pending", input: "1\r\na\r\n1f", want: []string{"a"}, pending: 2},
		{name: "not hex", input: "zz\r\n", err: `bad chunk-size line "zz"`},
		{name: "empty size line", input: "\r\n", err: "bad chunk-size line"},
		{name: "junk after size", input: "5 x\r\n", err: "bad chunk-size line"},
		{name: "missing CRLF after data", input: "1\r\nab", want: []string{"a"}, err: "expected CRLF after chunk data"},
		{name: "CR CR after data", input: "1\r\na\r\r", want: []string{"a"}, err: "expected CRLF after chunk data"},
		{name: "chunk too big", input: "100001\r\n", err: "exceeds the limit of 1048576"},
		{name: "size overflow", input: "fffffffffffffffffffff\r\n", err: "exceeds the limit"},
		{name: "size line too long", input: "1;" + strings.Repeat("x", DefaultMaxChunkLine), err: "chunk-size line longer than 4096 bytes"},
		{name: "trailer line too long", input: "0\r\n" + strings.Repeat("x", DefaultMaxChunkLine+1), err: "trailer line longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Every single split point, so CRLF and size lines are cut everywhere.
			for cut := 0; cut <= len(tt.input); cut++ {
				var d ChunkDecoder
				got, err := decodeChunks(&d, tt.input, cut)
				if tt.err != "" {
					if !errors.Is(err, ErrChunked) || !strings.Contains(err.Error(), tt.err) {
						t.Fatalf("cut %d: err %v, want %q", cut, err, tt.err)
					}
				} else if tt.done && err != io.EOF || !tt.done && err != nil {
					t.Fatalf("cut %d: err %v (done %v)", cut, err, tt.done)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("cut %d: chunks %q, want %q", cut, got, tt.want)
				}
				if tt.err == "" && (d.Done() != tt.done || d.Pending() != tt.pending) {
					t.Fatalf("cut %d: done %v pending %d, want %v %d", cut, d.Done(), d.Pending(), tt.done, tt.pending)
				}
			}
		})
	}
}

func TestChunkDecoderMaxChunk(t *testing.T) {
	d := ChunkDecoder{MaxChunk: 4}
	got, err := decodeChunks(&d, "4\r\nabcd\r\n5\r\nabcde\r\n")
	if !reflect.DeepEqual(got, []string{"abcd"}) || err == nil || !strings.Contains(err.Error(), "chunk of 0x5 bytes exceeds the limit of 4") {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestAppendChunk(t *testing.T) {
	b := AppendChunk(nil, []byte("hello, world!!!!!"))
	b = AppendChunk(b, nil)
	b = AppendLastChunk(b)
	if want := "11\r\nhello, world!!!!!\r\n0\r\n\r\n"; string(b) != want {
		t.Fatalf("got %q, want %q", b, want)
	}
}

// FuzzChunkRoundTrip encodes random chunks (with extensions and trailers),
// splits the byte stream at random points, decodes it and compares; it also
// feeds the fuzzer's bytes to a decoder as garbage, which must never panic.
func FuzzChunkRoundTrip(f *testing.F) {
	f.Add([]byte("1\n22\n333"), uint64(1), []byte("1\r\na\r\n0\r\n\r\n"))
	f.Add([]byte("\r\n\x00;"), uint64(7), []byte("zz;\r\n"))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64, garbage []byte) {
		rng := rand.New(rand.NewPCG(seed, seed>>7))
		var want []string
		var stream []byte
		for rest := data; len(rest) > 0; {
			n := 1 + rng.IntN(len(rest))
			chunk := rest[:n]
			rest = rest[n:]
			want = append(want, string(chunk))
			if rng.IntN(3) == 0 { // with an extension
				before := len(stream)
				stream = AppendChunk(stream, chunk)
				size := bytes.IndexByte(stream[before:], '\r')
				stream = append(stream[:before+size], append([]byte(";ext=1"), stream[before+size:]...)...)
			} else {
				stream = AppendChunk(stream, chunk)
			}
		}
		if rng.IntN(2) == 0 {
			stream = append(stream, "0\r\nX-Trailer: yes\r\n\r\n"...)
		} else {
			stream = AppendLastChunk(stream)
		}
		var cuts []int
		for i := 1; i < len(stream); i++ {
			if rng.IntN(4) == 0 {
				cuts = append(cuts, i)
			}
		}
		var d ChunkDecoder
		got, err := decodeChunks(&d, string(stream), cuts...)
		if err != io.EOF || !d.Done() {
			t.Fatalf("err %v done %v decoding %q", err, d.Done(), stream)
		}
		if !reflect.DeepEqual(got, want) && len(want) > 0 {
			t.Fatalf("decoded %q, want %q from %q", got, want, stream)
		}

		var g ChunkDecoder
		total := 0
		_, _ = decodeChunks(&g, string(garbage), len(garbage)/2)
		total += g.Pending()
		if total < 0 || total > len(garbage) {
			t.Fatalf("pending %d after %d bytes", total, len(garbage))
		}
	})
}
