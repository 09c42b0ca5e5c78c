package clients_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
)

// TestAckedPublishReturnsTheAnswer: with AckedPublish an HTTP publisher posts
// one message at a time and Publish returns what the server said, so a retry
// policy resends exactly the messages the server did not accept; without it
// failures go to onError and Publish returns at once.
func TestAckedPublishReturnsTheAnswer(t *testing.T) {
	var refuse atomic.Bool
	var posts atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		if refuse.Load() {
			http.Error(w, "restarting", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	opts := clients.NewDialOptions(sinceClock{time.Now()}, 5*time.Second)
	defer opts.Close()
	opts.AckedPublish = true
	pub, err := clients.DialPublisher(ctx, ts.URL+"/publish", opts, func(err error) { t.Errorf("acked publisher called onError: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if err := pub.Publish([]byte(`{"data":"a"}`)); err != nil {
		t.Fatalf("accepted publish: %v", err)
	}
	refuse.Store(true)
	if err := pub.Publish([]byte(`{"data":"b"}`)); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("refused publish returned %v, want the 503", err)
	}
	if n := posts.Load(); n != 2 {
		t.Fatalf("%d POSTs when Publish returned, want 2: acked posts are not left in flight", n)
	}

	opts.AckedPublish = false
	failed := make(chan error, 1)
	async, err := clients.DialPublisher(ctx, ts.URL+"/publish", opts, func(err error) { failed <- err })
	if err != nil {
		t.Fatal(err)
	}
	if err := async.Publish([]byte(`{"data":"c"}`)); err != nil {
		t.Fatalf("async publish returned %v, want nil (failures go to onError)", err)
	}
	async.Close()
	select {
	case err := <-failed:
		if !strings.Contains(err.Error(), "503") {
			t.Fatalf("onError got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("onError not called")
	}
}
