package loadgen

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/pushbench/pushbench/clients"
)

// fakePublisher records what it was given and fails while fail is set.
type fakePublisher struct {
	mu     sync.Mutex
	got    []string
	fail   error
	closes int
}

func (p *fakePublisher) Publish(msg []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	p.got = append(p.got, string(msg))
	return nil
}

func (p *fakePublisher) Close() {
	p.mu.Lock()
	p.closes++
	p.mu.Unlock()
}

// TestMultiPublisher: every message reaches every publisher; a failure of
// some fails the message naming each failing URL; Close closes all, may be
// repeated, and refuses later publishes.
func TestMultiPublisher(t *testing.T) {
	urls := []string{"ws://a/publish", "ws://b/publish", "ws://c/publish"}
	fakes := []*fakePublisher{{}, {}, {}}
	pubs := make([]clients.Publisher, len(fakes))
	for i, f := range fakes {
		pubs[i] = f
	}
	m := newMultiPublisher(urls, pubs)
	msg := []byte("one")
	if err := m.Publish(msg); err != nil {
		t.Fatal(err)
	}
	copy(msg, "two") // the caller reuses its buffer once Publish returned
	if err := m.Publish(msg); err != nil {
		t.Fatal(err)
	}
	for i, f := range fakes {
		if strings.Join(f.got, ",") != "one,two" {
			t.Fatalf("publisher %d got %q, want one,two", i, f.got)
		}
	}

	boom := errors.New("boom")
	fakes[0].fail, fakes[2].fail = boom, boom
	err := m.Publish([]byte("three"))
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), urls[0]) || !strings.Contains(err.Error(), urls[2]) || strings.Contains(err.Error(), urls[1]) {
		t.Fatalf("error %v: want boom naming %s and %s only", err, urls[0], urls[2])
	}
	if got := strings.Join(fakes[1].got, ","); got != "one,two,three" {
		t.Fatalf("the healthy publisher got %q", got)
	}

	m.Close()
	m.Close()
	for i, f := range fakes {
		if f.closes != 2 {
			t.Fatalf("publisher %d closed %d times, want once per Close", i, f.closes)
		}
	}
	if err := m.Publish([]byte("four")); !errors.Is(err, clients.ErrPublisherClosed) {
		t.Fatalf("publish after Close: %v", err)
	}
}
