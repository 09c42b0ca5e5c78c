package loadgen

import (
	"errors"
	"fmt"
	"sync"

	"github.com/pushbench/pushbench/clients"
)

// multiPublisher publishes every message to several servers of one target,
// one publisher each, at once: the first on the caller's goroutine, the
// others each on a goroutine of its own, so no server systematically gets a
// message later than another. Publish returns once every server's publisher
// has returned; it fails, naming each failing URL, unless all took the
// message, so a message counts as sent once, when every server has it.
type multiPublisher struct {
	urls []string
	pubs []clients.Publisher

	mu     sync.Mutex // Publish against Close
	closed bool
	jobs   []chan []byte // per publisher after the first
	done   chan publishDone
	wg     sync.WaitGroup
}

// publishDone is one publisher's answer to one message.
type publishDone struct {
	i   int
	err error
}

// newMultiPublisher starts publishing to pubs, pubs[i] being urls[i]'s.
func newMultiPublisher(urls []string, pubs []clients.Publisher) *multiPublisher {
	m := &multiPublisher{urls: urls, pubs: pubs, done: make(chan publishDone, len(pubs))}
	for i := 1; i < len(pubs); i++ {
		jobs := make(chan []byte)
		m.jobs = append(m.jobs, jobs)
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			for msg := range jobs {
				m.done <- publishDone{i: i, err: pubs[i].Publish(msg)}
			}
		}()
	}
	return m
}

// Publish sends msg to every server; the others read msg only until
// Publish returns.
func (m *multiPublisher) Publish(msg []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return clients.ErrPublisherClosed
	}
	for _, jobs := range m.jobs {
		jobs <- msg
	}
	errs := make([]error, len(m.pubs))
	errs[0] = m.pubs[0].Publish(msg)
	for range m.jobs {
		d := <-m.done
		errs[d.i] = d.err
	}
	var failed []error
	for i, err := range errs {
		if err != nil {
			failed = append(failed, fmt.Errorf("publish to %s: %w", m.urls[i], err))
		}
	}
	return errors.Join(failed...)
}

// Close stops the publishing goroutines and closes every publisher, each
// waiting for its in-flight publishes; it may be called more than once.
func (m *multiPublisher) Close() {
	m.mu.Lock()
	if !m.closed {
		m.closed = true
		for _, jobs := range m.jobs {
			close(jobs)
		}
	}
	m.mu.Unlock()
	m.wg.Wait()
	for _, p := range m.pubs {
		p.Close()
	}
}
