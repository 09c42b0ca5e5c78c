package servers

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// DropResult is what POST /admin/drop answers: how many subscriber
// connections it closed, of how many.
type DropResult struct {
	Dropped     int `json:"dropped"`
	Subscribers int `json:"subscribers"`
}

// registerAdmin adds the admin endpoints, which let pushbench's fault
// injection act on the server from outside. They exist only when an admin
// token is configured, and every request must carry it as a Bearer token.
func (s *Server) registerAdmin() {
	if s.cfg.AdminToken == "" {
		return
	}
	s.mux.Handle("POST /admin/drop", s.requireAdminToken(http.HandlerFunc(s.serveDrop)))
}

// requireAdminToken refuses a request without "Authorization: Bearer TOKEN".
func (s *Server) requireAdminToken(next http.Handler) http.Handler {
	want := []byte("Bearer " + s.cfg.AdminToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			s.hostile("admin-token", r, errors.New("admin request without the admin token"))
			w.Header().Set("WWW-Authenticate", `Bearer realm="pushbench admin"`)
			http.Error(w, "admin endpoint: missing or wrong bearer token", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// serveDrop closes ?percent= of the current subscriber connections of every
// transport, as a network fault or a restarting node behind a balancer would.
func (s *Server) serveDrop(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("percent")
	p, err := strconv.ParseFloat(strings.TrimSuffix(raw, "%"), 64)
	if err != nil || !(p > 0 && p <= 100) {
		http.Error(w, fmt.Sprintf("percent %q: want a number more than 0 and at most 100", raw), http.StatusBadRequest)
		return
	}
	res := s.hub.drop(p)
	s.log.Info("admin drop", "percent", p, "dropped", res.Dropped, "subscribers", res.Subscribers)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(res)
}

// drop disconnects percent of the current subscribers (rounded to the
// nearest whole connection, at least one while there are any), as a kick
// does: each connection ends the way its transport ends a kicked subscriber.
func (h *Hub) drop(percent float64) DropResult {
	h.mu.Lock()
	n := len(h.subs)
	k := min(n, int(math.Round(percent/100*float64(n))))
	if k == 0 && n > 0 {
		k = 1
	}
	chosen := make([]*Subscriber, 0, k)
	for sub := range h.subs { // map order: an arbitrary share
		if len(chosen) == k {
			break
		}
		chosen = append(chosen, sub)
	}
	for _, sub := range chosen {
		h.removeLocked(sub)
	}
	h.mu.Unlock()
	h.adminDropped.Add(int64(len(chosen)))
	for _, sub := range chosen {
		sub.dropped.Store(true)
		sub.kick()
	}
	return DropResult{Dropped: len(chosen), Subscribers: n}
}
