package servers

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// authorized reports whether r carries the publish token as
// "Authorization: Bearer TOKEN", answering 401 and logging it when it does
// not. With no token configured every request is authorized. /publish (POST
// and the WebSocket upgrade) and any admin endpoint call it first.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	want := s.cfg.PublishToken
	if want == "" {
		return true
	}
	scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(want)) == 1 {
		return true
	}
	err := errors.New("missing token")
	if r.Header.Get("Authorization") != "" {
		err = errors.New("wrong token")
	}
	s.hostile("token", r, err)
	w.Header().Set("WWW-Authenticate", `Bearer realm="pushbench"`)
	http.Error(w, fmt.Sprintf("%s %s: %v: send Authorization: Bearer TOKEN (--publish-token)", r.Method, r.URL.Path, err), http.StatusUnauthorized)
	return false
}

// jsonBody reports whether r declares a JSON body (application/json, with or
// without parameters), answering 415 and logging it when it does not. A page
// on another origin can POST text/plain or a form without a preflight (a
// "simple request"), but not application/json, so this keeps other sites'
// pages from publishing through a visitor's browser.
func (s *Server) jsonBody(w http.ResponseWriter, r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil && mt == "application/json" {
		return true
	}
	err := fmt.Errorf("content type %q", ct)
	s.hostile("content-type", r, err)
	http.Error(w, fmt.Sprintf("%s %s: %v: send Content-Type: application/json", r.Method, r.URL.Path, err), http.StatusUnsupportedMediaType)
	return false
}
