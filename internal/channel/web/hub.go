package web

import "sync"

// hub finds the sessions of a visitor: every widget connected with one
// anonymous id (several tabs).
type hub struct {
	mu       sync.Mutex
	sessions map[string]map[*session]struct{}
	n        int
	closed   bool
}

func newHub() *hub { return &hub{sessions: map[string]map[*session]struct{}{}} }

func (h *hub) add(anon string, s *session) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	set := h.sessions[anon]
	if set == nil {
		set = map[*session]struct{}{}
		h.sessions[anon] = set
	}
	set[s] = struct{}{}
	h.n++
	return true
}

func (h *hub) remove(anon string, s *session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if set := h.sessions[anon]; set != nil {
		if _, ok := set[s]; ok {
			delete(set, s)
			h.n--
		}
		if len(set) == 0 {
			delete(h.sessions, anon)
		}
	}
}

func (h *hub) push(anon string, f frame) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.sessions[anon] {
		s.send(f)
	}
}

func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// close ends every session and refuses new ones.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, set := range h.sessions {
		for s := range set {
			go s.goAway()
		}
	}
}
