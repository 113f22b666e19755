package inbox_test

import (
	"testing"

	"github.com/omni-hq/omni/internal/inbox"
)

func TestBrokerReplaysWhatAReconnectingStreamMissed(t *testing.T) {
	b := inbox.NewBroker(4)
	first := b.Subscribe(8)
	b.Publish(inbox.Event{Type: "a"}, inbox.Event{Type: "b"})
	e1, e2 := <-first.C, <-first.C
	if e2.Seq != e1.Seq+1 || e1.Type != "a" {
		t.Fatalf("events %+v %+v", e1, e2)
	}
	first.Close()
	b.Publish(inbox.Event{Type: "c"}, inbox.Event{Type: "d"})

	again, missed, complete := b.SubscribeSince(e2.Seq, 8)
	defer again.Close()
	if !complete || len(missed) != 2 || missed[0].Type != "c" || missed[1].Type != "d" {
		t.Fatalf("missed %+v complete %v, want c d", missed, complete)
	}
	_, missed, complete = b.SubscribeSince(e2.Seq+2, 8)
	if !complete || len(missed) != 0 {
		t.Fatalf("up to date: missed %+v complete %v", missed, complete)
	}
	b.Publish(inbox.Event{Type: "e"}, inbox.Event{Type: "f"}, inbox.Event{Type: "g"})
	if _, _, complete := b.SubscribeSince(e1.Seq, 8); complete {
		t.Fatal("resume point older than the ring reported complete")
	}
	if _, _, complete := b.SubscribeSince(1, 8); complete {
		t.Fatal("resume point from another run reported complete")
	}
}

func TestBrokerDropsASlowSubscriber(t *testing.T) {
	b := inbox.NewBroker(0)
	slow, fast := b.Subscribe(2), b.Subscribe(16)
	defer fast.Close()
	for range 5 {
		b.Publish(inbox.Event{Type: "x"})
	}
	n := 0
	for range slow.C { // closed after the two buffered events
		n++
	}
	if n != 2 || len(fast.C) != 5 || b.Subscribers() != 1 {
		t.Fatalf("slow got %d, fast %d, subscribers %d", n, len(fast.C), b.Subscribers())
	}
	slow.Close() // closing twice is harmless
}
