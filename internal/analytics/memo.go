package analytics

import "sync"

// memoPeriods bounds the periods whose attribution is kept.
const memoPeriods = 32

// snapshotMemo keeps the attribution of recently asked periods with the id
// of the snapshot it was summed from. A snapshot never changes once written
// (a refresh writes a new one under a new id), so an entry is right for as
// long as that id is the latest; when it moves the memo starts afresh.
type snapshotMemo struct {
	mu     sync.Mutex
	id     string
	attrib map[Period]Attribution
}

func (m *snapshotMemo) attribution(id string, p Period) (Attribution, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.id != id {
		return Attribution{}, false
	}
	a, ok := m.attrib[p]
	return a, ok
}

func (m *snapshotMemo) putAttribution(id string, p Period, a Attribution) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.id != id || len(m.attrib) >= memoPeriods {
		m.id, m.attrib = id, map[Period]Attribution{}
	}
	m.attrib[p] = a
}
