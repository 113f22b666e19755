package store

import (
	"context"
	"database/sql"
	"os"
	"sync"
	"time"
)

// SQLite appends every commit to the write-ahead log and copies the log back
// into the database file at checkpoints. Left to itself the writer
// checkpoints inside the commit that crosses wal_autocheckpoint, so the
// copying (and the database file's fsync) lands on the one connection every
// write waits for. The checkpointer below does that work on a connection of
// its own, in PASSIVE mode, which never blocks the writer or the readers: the
// writer keeps appending while frames already committed are copied, and the
// log starts over from its beginning once all of it has been copied.
//
// The writer keeps a high autocheckpoint as a backstop, so the log stays
// bounded if the checkpointer falls behind (a long read pins old frames).
const (
	checkpointEvery  = 100 * time.Millisecond
	checkpointAbove  = 4 << 20 // bytes of log before checkpoints start
	writerBackstopPg = 65536   // pages (256 MiB at 4 KiB) before the writer checkpoints itself
)

// checkpointer runs passive checkpoints beside the writer.
type checkpointer struct {
	conn *sql.DB
	wal  string
	stop chan struct{}
	done sync.WaitGroup
}

// startCheckpointer opens a connection of its own to path and, every
// checkpointEvery, checkpoints the write-ahead log when it has been written
// since the last look and has grown past checkpointAbove. (The log file keeps
// its size when SQLite starts over at its beginning, so the modification
// time, not the size, says whether there is new work.)
func startCheckpointer(path, pragmas string) (*checkpointer, error) {
	conn, err := sql.Open("sqlite", "file:"+path+"?"+pragmas)
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	c := &checkpointer{conn: conn, wal: path + "-wal", stop: make(chan struct{})}
	c.done.Go(c.loop)
	return c, nil
}

func (c *checkpointer) loop() {
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	var last time.Time
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		fi, err := os.Stat(c.wal)
		if err != nil || fi.Size() < checkpointAbove || fi.ModTime().Equal(last) {
			continue
		}
		last = fi.ModTime()
		// A failed checkpoint is harmless (the frames stay in the log and
		// the next tick tries again), so its error is not reported.
		_, _ = c.conn.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
	}
}

// close stops the loop and closes the connection.
func (c *checkpointer) close() error {
	close(c.stop)
	c.done.Wait()
	return c.conn.Close()
}
