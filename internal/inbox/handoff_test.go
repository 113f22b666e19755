package inbox_test

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

func TestHandoffTokens(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	h, err := inbox.NewHandoff(key)
	if err != nil {
		t.Fatal(err)
	}
	tok := h.Issue("cus_06bs4g0x7wq8y1f5n2z3kd9tmr", time.Hour)
	// Messenger allows a-z A-Z 0-9 +/=-.:_ in a ref, up to 250 characters.
	if !regexp.MustCompile(`^[A-Za-z0-9+/=\-.:_]{1,250}$`).MatchString(tok) {
		t.Fatalf("token %q does not fit a ref parameter", tok)
	}
	if cid, err := h.Verify(tok); err != nil || cid != "cus_06bs4g0x7wq8y1f5n2z3kd9tmr" {
		t.Fatalf("verify: %q %v", cid, err)
	}
	other, _ := inbox.NewHandoff(bytes.Repeat([]byte{8}, 32))
	tampered := strings.Replace(tok, "cus_06", "cus_07", 1)
	for name, bad := range map[string]string{"other key": other.Issue("cus_x", time.Hour), "tampered": tampered,
		"empty": "", "no signature": "cus_x.abc", "garbage": "....", "signature only": tok[strings.LastIndex(tok, ".")+1:]} {
		if _, err := h.Verify(bad); !errors.Is(err, inbox.ErrHandoffInvalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	h.SetNow(func() time.Time { return time.Now().Add(2 * time.Hour) })
	if _, err := h.Verify(tok); !errors.Is(err, inbox.ErrHandoffExpired) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := inbox.NewHandoff(key[:31]); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestHandoffKeyIsStoredOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, err := inbox.LoadHandoffKey(ctx, db, "")
		if err != nil {
			t.Fatal(err)
		}
		b, err := inbox.LoadHandoffKey(ctx, db, "")
		if err != nil || !bytes.Equal(a, b) || len(a) != 32 {
			t.Fatalf("second load differs: %x %x %v", a, b, err)
		}
		if _, err := inbox.LoadHandoffKey(ctx, db, "abcd"); err == nil {
			t.Fatal("short configured key accepted")
		}
	})
}

func TestLinkHandoffMergesTheProfiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, inbox.Options{})
		ctx := context.Background()
		h, _ := inbox.NewHandoff(bytes.Repeat([]byte{1}, 32))
		f.in.UseHandoff(h)
		web := f.chat(t, "anon-h", "", "Can I continue on Messenger?")
		psid := ident(t, identity.MessengerPSID, "psid-h")
		cid, err := f.in.LinkHandoff(ctx, h.Issue(web.Message.CustomerID, time.Hour), psid, inbox.ChannelMessenger)
		if err != nil || cid != web.Message.CustomerID {
			t.Fatalf("link: %s %v, want %s", cid, err, web.Message.CustomerID)
		}
		fb := f.receive(t, inbox.Inbound{Channel: inbox.ChannelMessenger, Identifiers: []identity.Identifier{psid}, Address: "psid-h", Body: "here I am"})
		if fb.Conversation.ID != web.Conversation.ID {
			t.Fatalf("messenger message in %s, want %s", fb.Conversation.ID, web.Conversation.ID)
		}
		if _, err := f.in.LinkHandoff(ctx, "cus_x.zz.bad", psid, inbox.ChannelMessenger); err == nil {
			t.Fatal("bad token linked")
		}
	})
}
