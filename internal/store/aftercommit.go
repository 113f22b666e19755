package store

// AfterCommit registers fn to run once the transaction has committed, after
// InTx's commit succeeds and before InTx returns. A rolled-back transaction
// runs none. Caches that must only learn committed state use it.
func (t *Tx) AfterCommit(fn func()) {
	t.mu.Lock()
	t.after = append(t.after, fn)
	t.mu.Unlock()
}

func (t *Tx) runAfterCommit() {
	t.mu.Lock()
	fns := t.after
	t.after = nil
	t.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}
