package wire

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestServerFrameRoundTrip has a gorilla client read frames framed by
// AppendServerFrame at every length-encoding boundary.
func TestServerFrameRoundTrip(t *testing.T) {
	lengths := []int{0, 1, 125, 126, 127, 65535, 65536, 70000}
	frames := make(chan []byte, len(lengths)+1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		raw := c.UnderlyingConn()
		for {
			select {
			case f := <-frames:
				if f == nil {
					return
				}
				if _, err := raw.Write(f); err != nil {
					return
				}
			case <-time.After(10 * time.Second):
				return
			}
		}
	}))
	defer srv.Close()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, n := range lengths {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			payload := bytes.Repeat([]byte{'a' + byte(n%26)}, n)
			opcode := WSText
			if n%2 == 1 {
				opcode = WSBinary
			}
			frames <- AppendServerFrame(nil, opcode, payload)
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			kind, got, err := c.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			if kind != int(opcode) || !bytes.Equal(got, payload) {
				t.Fatalf("read kind %d, %d bytes; want %d, %d bytes", kind, len(got), opcode, n)
			}
		})
	}
	frames <- nil
}

// FuzzServerFrameHeader checks that every header parses back to what framed it.
func FuzzServerFrameHeader(f *testing.F) {
	for _, n := range []int{0, 125, 126, 65535, 65536} {
		f.Add(byte(WSText), n)
	}
	f.Fuzz(func(t *testing.T, opcode byte, n int) {
		if n < 0 {
			n = -(n + 1)
		}
		opcode &= 0x0f
		h := AppendServerFrameHeader(nil, opcode, n)
		fin, op, got, size, ok := ParseServerFrameHeader(h)
		if !ok || !fin || op != opcode || got != uint64(n) || size != len(h) {
			t.Fatalf("header %x for opcode %d, %d bytes parsed as fin=%v op=%d n=%d size=%d ok=%v", h, opcode, n, fin, op, got, size, ok)
		}
	})
}
