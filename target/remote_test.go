package target

import (
	"context"
	"reflect"
	"testing"
)

func TestRemoteIsOnlyItsURLs(t *testing.T) {
	urls := URLs{Base: "http://example.test:8080", Transports: map[string]string{"sse": "http://example.test:9000/events"}, Publish: "http://example.test:8080/pub"}
	var tg Target = NewRemote(urls)
	if !reflect.DeepEqual(tg.URLs(), urls) {
		t.Errorf("URLs %+v, want %+v", tg.URLs(), urls)
	}
	if tg.PID() != 0 {
		t.Errorf("PID %d, want 0", tg.PID())
	}
	if err := tg.Stop(context.Background()); err != nil {
		t.Errorf("stop: %v", err)
	}
}
