package wire

import (
	"bytes"
	"encoding/json"
	"testing"
)

// checkViewAgrees fails t when ViewSIOEvent reads a valid JSON payload
// otherwise than SIOEventArgs (encoding/json) does.
func checkViewAgrees(t *testing.T, b []byte) {
	t.Helper()
	if !json.Valid(b) {
		return // ViewSIOEvent's input is what ParseSIO accepted
	}
	name, args, err := SIOEventArgs(b)
	v, verr := ViewSIOEvent(b)
	if (err == nil) != (verr == nil) {
		t.Fatalf("%q: SIOEventArgs error %v, ViewSIOEvent error %v", b, err, verr)
	}
	if err != nil {
		return
	}
	if string(v.Name) != name || v.Args != len(args) {
		t.Fatalf("%q: view %q with %d args, want %q with %d", b, v.Name, v.Args, name, len(args))
	}
	if len(args) > 0 && (!bytes.Equal(v.First, args[0]) || !bytes.Equal(v.Last, args[len(args)-1])) {
		t.Fatalf("%q: view first %q last %q, want %q and %q", b, v.First, v.Last, args[0], args[len(args)-1])
	}
	if len(args) == 0 && (v.First != nil || v.Last != nil) {
		t.Fatalf("%q: view has arguments %q %q, want none", b, v.First, v.Last)
	}
}

func TestViewSIOEvent(t *testing.T) {
	tests := []struct{ name, in string }{
		{"envelope", `["msg",{"seq":1,"ts":2,"data":"a,b]}"}]`},
		{"no arguments", `["msg"]`},
		{"recovery offset", `["msg", {"a":[1,{"b":"]"}]} , "Q8S9_6s" ]`},
		{"escaped name", `["m\u0073g","x\"y"]`},
		{"number name", `[1,2]`},
		{"null name", `[null,2]`},
		{"empty", `[]`},
		{"not an array", `{"a":1}`},
		{"string", `"msg"`},
		{"nested", ` [ "e" , [[],{}] , [ ] ] `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkViewAgrees(t, []byte(tt.in)) })
	}
}

func TestViewSIOEventAllocatesNothing(t *testing.T) {
	b := []byte(`["msg",{"seq":1,"ts":1700000000000000000,"topic":"t","data":"pushbench-pushbench-"}]`)
	allocs := testing.AllocsPerRun(100, func() {
		if v, err := ViewSIOEvent(b); err != nil || string(v.Name) != "msg" {
			t.Fatal(v, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("ViewSIOEvent allocates %.1f times per event, want 0", allocs)
	}
}

func FuzzViewSIOEvent(f *testing.F) {
	f.Add([]byte(`["msg",{"seq":1},"off"]`))
	f.Add([]byte(`["a\"b",[1,"]"],{"x":"\\"}]`))
	f.Fuzz(func(t *testing.T, b []byte) { checkViewAgrees(t, b) })
}
