package cluster

import (
	"os"
	"testing"
)

// TestSharesClock: only two known, equal boot ids mean one machine; an
// unreadable one ("") never matches, not even another unreadable one.
func TestSharesClock(t *testing.T) {
	for _, tt := range []struct {
		coordinator, worker string
		want                bool
	}{
		{"a1", "a1", true},
		{"a1", "b2", false},
		{"", "", false},
		{"a1", "", false},
		{"", "a1", false},
	} {
		t.Run(tt.coordinator+"/"+tt.worker, func(t *testing.T) {
			if got := sharesClock(tt.coordinator, tt.worker); got != tt.want {
				t.Fatalf("sharesClock(%q, %q) = %v, want %v", tt.coordinator, tt.worker, got, tt.want)
			}
		})
	}
}

// TestReadBootID: on Linux the id is the kernel's, without its newline.
func TestReadBootID(t *testing.T) {
	if _, err := os.Stat(bootIDPath); err != nil {
		t.Skipf("no %s here: %v", bootIDPath, err)
	}
	id := ReadBootID()
	if len(id) != 36 || ReadBootID() != id {
		t.Fatalf("boot id %q: want a stable 36-character UUID", id)
	}
}
