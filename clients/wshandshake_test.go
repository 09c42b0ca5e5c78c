package clients

import "testing"

func TestAcceptForRFC6455Example(t *testing.T) {
	// RFC 6455 section 1.3.
	if got, want := acceptFor("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="; got != want {
		t.Fatalf("acceptFor = %s, want %s", got, want)
	}
}

func TestQuoteBytesSaysWhatItCut(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"", 4, `""`},
		{"abcd", 4, `"abcd"`},
		{"abcdef\n", 4, `"abcd" (3 more bytes not shown)`},
		{"\x00\xff", 4, `"\x00\xff"`},
	}
	for _, tt := range tests {
		if got := quoteBytes([]byte(tt.in), tt.max); got != tt.want {
			t.Errorf("quoteBytes(%q, %d) = %s, want %s", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestAnswerStatus(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n", "101"},
		{"HTTP/1.1 200 OK\n", "200"},
		{"HTTP/1.1 101 Swi", "response"},
		{"hello\r\n", "response"},
		{"", "response"},
	}
	for _, tt := range tests {
		if got := answerStatus([]byte(tt.in)); got != tt.want {
			t.Errorf("answerStatus(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
