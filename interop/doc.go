// Package interop holds pushbench's interoperability tests against the official
// Socket.IO implementations (socket.io and socket.io-client 4.8, pinned in
// package.json and package-lock.json here). `make test` runs `npm ci` in this
// folder first; plain `go test` skips these tests when the packages are not
// installed, except under CI, where that is a failure.
package interop
