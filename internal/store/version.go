package store

import (
	"sync"
	"sync/atomic"
)

// versions counts the changes made through a DB to each kind of cached
// data, so that every cache of that data in the process, whichever service
// instance holds it, sees a change as soon as it is committed.
type versions struct{ m sync.Map } // topic → *atomic.Uint64

func (v *versions) counter(topic string) *atomic.Uint64 {
	if c, ok := v.m.Load(topic); ok {
		return c.(*atomic.Uint64)
	}
	c, _ := v.m.LoadOrStore(topic, new(atomic.Uint64))
	return c.(*atomic.Uint64)
}

// Changed records that data of topic (e.g. "catalog") changed. Call it after
// the change is committed: a cache that read the data before then drops
// what it read.
func (db *DB) Changed(topic string) { db.versions.counter(topic).Add(1) }

// Version is the number of changes of topic recorded through this DB. A
// cache remembers the version its entries were read at and starts afresh
// when it moves. Changes made by other processes or nodes are not counted:
// such caches also expire their entries after a while.
func (db *DB) Version(topic string) uint64 { return db.versions.counter(topic).Load() }
