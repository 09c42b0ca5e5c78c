package target

import "context"

// Remote is a server the user runs: pushbench only knows its URLs and leaves
// its lifecycle to the user.
type Remote struct {
	urls URLs
}

var _ Target = (*Remote)(nil)

// NewRemote returns the target reached at urls.
func NewRemote(urls URLs) *Remote { return &Remote{urls: urls} }

// URLs returns the URLs the remote target was given.
func (r *Remote) URLs() URLs { return r.urls }

// PID is 0: a remote server is no local child.
func (r *Remote) PID() int { return 0 }

// Stop does nothing: the user owns a remote server.
func (r *Remote) Stop(context.Context) error { return nil }
