package inbox

import (
	"context"
	"sync"
	"time"

	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
)

// maxBatch bounds the messages stored in one transaction.
const maxBatch = 128

// batchTimeout bounds one batch's transaction.
const batchTimeout = 30 * time.Second

// batcher groups inbound messages that arrive while a transaction is being
// written into the next transaction, so that one commit (one fsync on
// SQLite) stores many messages: under load, throughput grows with the
// batch instead of being capped by commits per second, and an idle server
// stores each message at once. There is no background goroutine: the caller
// that finds no batch running writes one, and hands what queued meanwhile
// to a goroutine that lives only while there is a backlog.
type batcher struct {
	mu      sync.Mutex
	pending []*receiveReq
	running bool
}

type receiveReq struct {
	ctx  context.Context
	in   Inbound
	done chan receiveRes
}

type receiveRes struct {
	res Received
	err error
}

func (bt *batcher) submit(ctx context.Context, s *Service, in Inbound) receiveRes {
	req := &receiveReq{ctx: ctx, in: in, done: make(chan receiveRes, 1)}
	bt.mu.Lock()
	bt.pending = append(bt.pending, req)
	lead := !bt.running
	bt.running = true
	bt.mu.Unlock()
	if lead {
		if bt.writeOne(s) {
			go bt.drain(s)
		}
	}
	return <-req.done
}

// drain writes batches until nothing is pending.
func (bt *batcher) drain(s *Service) {
	for bt.writeOne(s) {
	}
}

// writeOne writes the next batch and reports whether more is pending; when
// nothing is, the batcher stops running.
func (bt *batcher) writeOne(s *Service) bool {
	bt.mu.Lock()
	n := min(len(bt.pending), maxBatch)
	batch := bt.pending[:n:n]
	bt.pending = bt.pending[n:]
	bt.mu.Unlock()
	s.receiveBatch(batch)
	bt.mu.Lock()
	defer bt.mu.Unlock()
	if len(bt.pending) == 0 {
		bt.running = false
		return false
	}
	return true
}

// receiveBatch stores a batch in one transaction. Should that fail (a
// concurrent node won a race, or one message is at fault), each message is
// stored on its own, so one message's problem stays its own.
func (s *Service) receiveBatch(batch []*receiveReq) {
	if len(batch) > 1 {
		if results, err := s.receiveTogether(batch); err == nil {
			for i, req := range batch {
				s.published(req.ctx, results[i])
				req.done <- receiveRes{res: results[i]}
			}
			return
		}
	}
	for _, req := range batch {
		res, err := s.receiveAlone(req.ctx, req.in)
		if err == nil {
			s.published(req.ctx, res)
		}
		req.done <- receiveRes{res: res, err: err}
	}
}

func (s *Service) receiveTogether(batch []*receiveReq) ([]Received, error) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	results := make([]Received, len(batch))
	err := s.ids.Run(ctx, func(tx *store.Tx, b *identity.Batch) error {
		for i, req := range batch {
			var err error
			if results[i], err = s.receiveTx(ctx, tx, b, req.in); err != nil {
				return err
			}
		}
		return nil
	})
	return results, err
}
