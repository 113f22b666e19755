package settings_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/channel/settings"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

const (
	secretOne = "first-app-secret-value-1234"
	secretTwo = "second-app-secret-value-9876"
)

func newStore(t *testing.T, db *store.DB, o settings.Options) *settings.Store {
	t.Helper()
	s, err := settings.New(db, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func field(t *testing.T, v settings.ChannelView, name string) settings.FieldView {
	t.Helper()
	for _, f := range v.Fields {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no field %s in %s", name, v.Channel)
	return settings.FieldView{}
}

func TestSaveKeepsBlankSecretsAndSealsThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newStore(t, db, settings.Options{Key: testKey})
		err := s.Save(ctx, settings.Messenger, settings.Input{Enabled: true, By: "usr_1", Values: map[string]string{
			"app_secret": secretOne, "verify_token": "verify", "page_token": "EAAG-token", "api_base": " http://127.0.0.1:9 "}})
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.Get(ctx, settings.Messenger)
		if err != nil || v.Get("app_secret") != secretOne || v.Get("api_base") != "http://127.0.0.1:9" || !v.Enabled {
			t.Fatalf("after save: %+v %v", v, err)
		}
		var stored string
		var sealed int
		db.QueryRowContext(ctx, "SELECT value, sealed FROM channel_settings WHERE channel = 'messenger' AND name = 'app_secret'").Scan(&stored, &sealed)
		if sealed != 1 || strings.Contains(stored, "secret") {
			t.Fatalf("stored app secret %q (sealed %d): want ciphertext", stored, sealed)
		}

		// A blank secret keeps the stored one; a blank URL clears it.
		if err := s.Save(ctx, settings.Messenger, settings.Input{Enabled: false, By: "usr_2", Values: map[string]string{
			"app_secret": "", "api_base": ""}}); err != nil {
			t.Fatal(err)
		}
		v, _ = s.Get(ctx, settings.Messenger)
		if v.Get("app_secret") != secretOne || v.Get("api_base") != "" || v.Enabled {
			t.Fatalf("after a save with blanks: secret kept %v, base %q, enabled %v", v.Get("app_secret") == secretOne, v.Get("api_base"), v.Enabled)
		}
		view, err := s.View(ctx, settings.Messenger)
		if err != nil {
			t.Fatal(err)
		}
		if f := field(t, view, "app_secret"); !f.Set || f.Hint != "1234" || f.Value != "" || f.Unsealed {
			t.Fatalf("app secret view %+v", f)
		}
		if f := field(t, view, "verify_token"); !f.Set || f.Hint != "" {
			t.Fatalf("a short secret shows a hint: %+v", f)
		}
		if view.State() != settings.StateOff || view.UpdatedBy != "usr_2" {
			t.Fatalf("state %s by %q", view.State(), view.UpdatedBy)
		}

		// Clearing removes a secret.
		s.Save(ctx, settings.Messenger, settings.Input{Enabled: true, Clear: []string{"page_token"}})
		view, _ = s.View(ctx, settings.Messenger)
		if view.State() != settings.StateIncomplete || len(view.Missing) != 1 || view.Missing[0] != "Page access token" {
			t.Fatalf("after clearing the page token: %s, missing %v", view.State(), view.Missing)
		}
	})
}

func TestSaveRefusesBadValues(t *testing.T) {
	db := storetest.SQLite(t)
	s := newStore(t, db, settings.Options{Overrides: settings.Overrides{settings.SMS: {"auth_token": "from-env"}}})
	tests := []struct {
		name, channel, field, value string
	}{
		{"account SID", settings.SMS, "account_sid", "AC123"},
		{"base URL", settings.SMS, "api_base", "ftp://api.example"},
		{"sender", settings.SMS, "number", "+0123"},
		{"relay", settings.Email, "relay", "smtp.example.com"},
		{"from", settings.Email, "from", "not an address"},
		{"space in a secret", settings.Messenger, "page_token", "two words"},
		{"API version", settings.Messenger, "api_version", "25"},
		{"set by the environment", settings.SMS, "auth_token", "other"},
	}
	for _, tc := range tests {
		err := s.Save(context.Background(), tc.channel, settings.Input{Enabled: true, Values: map[string]string{tc.field: tc.value}})
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Invalid || e.Field != tc.field {
			t.Errorf("%s: %v, want invalid %s", tc.name, err, tc.field)
		}
		if tc.field == "page_token" && strings.Contains(e.Error(), tc.value) {
			t.Errorf("the error repeats the secret: %v", err)
		}
	}
	if err := s.Save(context.Background(), "fax", settings.Input{}); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("unknown channel: %v", err)
	}
}

func TestOverridesWin(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	plain := newStore(t, db, settings.Options{})
	if err := plain.Save(ctx, settings.SMS, settings.Input{Enabled: true, Values: map[string]string{
		"account_sid": "AC" + strings.Repeat("a", 32), "auth_token": "stored-token", "number": "+14155238886"}}); err != nil {
		t.Fatal(err)
	}
	s := newStore(t, db, settings.Options{Overrides: settings.Overrides{settings.SMS: {"auth_token": "env-token-0000000000"}}})
	v, _ := s.Get(ctx, settings.SMS)
	if v.Get("auth_token") != "env-token-0000000000" || v.Get("number") != "+14155238886" {
		t.Fatalf("env token %q, stored number %q", v.Get("auth_token"), v.Get("number"))
	}
	view, _ := s.View(ctx, settings.SMS)
	if f := field(t, view, "auth_token"); !f.FromEnv || f.Hint != "0000" {
		t.Fatalf("auth token view %+v", f)
	}
	// Saving the other fields leaves the environment's alone.
	if err := s.Save(ctx, settings.SMS, settings.Input{Enabled: true, Values: map[string]string{"number": "+14155230000"}}); err != nil {
		t.Fatal(err)
	}
	v, _ = s.Get(ctx, settings.SMS)
	if v.Get("auth_token") != "env-token-0000000000" || v.Get("number") != "+14155230000" {
		t.Fatalf("after a save: token from env %v, number %q", v.Get("auth_token") == "env-token-0000000000", v.Get("number"))
	}
}

func TestSealedWithAnotherKeyIsUnreadable(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	// Stored without a key, then sealed once the key is configured.
	plain := newStore(t, db, settings.Options{})
	plain.Save(ctx, settings.Email, settings.Input{Enabled: true, Values: map[string]string{"relay": "127.0.0.1:25", "username": "u", "password": "relay-password-42"}})
	if view, _ := plain.View(ctx, settings.Email); !field(t, view, "password").Unsealed || plain.Sealed() {
		t.Fatal("a secret stored without a key is not reported as unencrypted")
	}
	keyed := newStore(t, db, settings.Options{Key: testKey})
	if n, err := keyed.SealStored(ctx); n != 1 || err != nil {
		t.Fatalf("sealed %d, %v; want the one password", n, err)
	}
	if v, _ := keyed.Get(ctx, settings.Email); v.Get("password") != "relay-password-42" {
		t.Fatal("the sealed password does not open with its key")
	}
	other := newStore(t, db, settings.Options{Key: []byte("another key of thirty-two bytes!")})
	v, _ := other.Get(ctx, settings.Email)
	view, _ := other.View(ctx, settings.Email)
	if v.Get("password") != "" || !field(t, view, "password").Unreadable || v.Get("relay") != "127.0.0.1:25" {
		t.Fatalf("another key: password %q, view %+v", v.Get("password"), field(t, view, "password"))
	}
	if _, err := settings.ParseKey("abc"); err == nil {
		t.Error("a short key is accepted")
	}
	if k, err := settings.ParseKey(strings.Repeat("ab", 32)); err != nil || len(k) != 32 {
		t.Errorf("ParseKey: %v", err)
	}
}

// Two nodes share a database: a save on one reaches the other's cache at
// once on PostgreSQL (LISTEN/NOTIFY), and within the TTL anywhere.
func TestSaveReachesOtherNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		a := newStore(t, db, settings.Options{})
		b := newStore(t, db, settings.Options{TTL: time.Hour})
		if db.Dialect() == store.Postgres {
			go b.Follow(ctx)
		}
		a.Save(ctx, settings.Messenger, settings.Input{Enabled: true, Values: map[string]string{"app_secret": secretOne}})
		if v, _ := b.Get(ctx, settings.Messenger); v.Get("app_secret") != secretOne {
			t.Fatal("b does not see the first save")
		}
		save := func() {
			a.Save(ctx, settings.Messenger, settings.Input{Enabled: true, Values: map[string]string{"app_secret": secretTwo}})
		}
		if db.Dialect() != store.Postgres {
			save() // one node per SQLite database: b trusts its cache for the TTL
			if v, _ := b.Get(ctx, settings.Messenger); v.Get("app_secret") != secretOne {
				t.Fatal("b dropped its cache without being told")
			}
			return
		}
		// b may not be listening yet when the first notification goes out;
		// saving again notifies again.
		deadline := time.Now().Add(10 * time.Second)
		for {
			save()
			time.Sleep(50 * time.Millisecond)
			if v, _ := b.Get(ctx, settings.Messenger); v.Get("app_secret") == secretTwo {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("b still has the first secret 10 s after the second was saved on a")
			}
		}
	})
}
