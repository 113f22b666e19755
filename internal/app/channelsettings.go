package app

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/channel/email"
	"github.com/omni-hq/omni/internal/channel/messenger"
	"github.com/omni-hq/omni/internal/channel/settings"
	"github.com/omni-hq/omni/internal/channel/sms"
	"github.com/omni-hq/omni/internal/config"
)

// buildSettings opens the channel settings: stored ones, with those given
// by flags and environment variables on top, secrets sealed when a secret
// key is configured (and those stored before it sealed now).
func (a *App) buildSettings(ctx context.Context) error {
	var key []byte
	if k := a.cfg.SecretKey.Reveal(); k != "" {
		var err error
		if key, err = settings.ParseKey(k); err != nil {
			return fmt.Errorf("--secret-key: %w", err)
		}
	}
	st, err := settings.New(a.db, settings.Options{Key: key, Overrides: overrides(a.cfg.Channels), Fixed: fixed(a.cfg.Channels)})
	if err != nil {
		return err
	}
	if err := st.CheckOverrides(); err != nil {
		return err
	}
	n, err := st.SealStored(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		a.log.Info("sealed channel secrets stored before a secret key was configured", "count", n)
	}
	a.ch.settings = st
	return nil
}

// overrides are the channel settings given by flags or environment
// variables; they win over the dashboard's.
func overrides(c config.Channels) settings.Overrides {
	m, t, e := c.Messenger, c.Twilio, c.Email
	return settings.Overrides{
		settings.Messenger: {"app_secret": m.AppSecret.Reveal(), "verify_token": m.VerifyToken.Reveal(),
			"page_token": m.PageToken.Reveal(), "api_base": m.APIBase, "api_version": m.APIVersion},
		settings.SMS:   {"account_sid": t.AccountSID, "auth_token": t.AuthToken.Reveal(), "number": t.Number, "api_base": t.APIBase},
		settings.Email: {"relay": e.Relay, "username": e.RelayUsername, "password": e.RelayPassword.Reveal(), "from": e.From},
	}
}

// fixed are the settings read at start only, shown beside the dashboard's.
func fixed(c config.Channels) map[string][]settings.Fixed {
	public := cmp.Or(c.PublicURL, "(not set: the address each request came to)")
	listen := cmp.Or(c.Email.SMTPAddr, "(off: no inbound mail)")
	accept := cmp.Or(strings.Join(c.Email.Accept, ", "), c.Email.Domain)
	return map[string][]settings.Fixed{
		settings.Messenger: {{Label: "Page user name (m.me links)", Flag: "--messenger-page-username", Value: c.Messenger.PageUsername},
			{Label: "Public URL", Flag: "--public-url", Value: public}},
		settings.SMS: {{Label: "Public URL (Twilio signs it)", Flag: "--public-url", Value: public}},
		settings.Email: {{Label: "Inbound SMTP listener", Flag: "--smtp-addr", Value: listen},
			{Label: "Mail domain", Flag: "--smtp-domain", Value: c.Email.Domain},
			{Label: "Accepted recipients", Flag: "--smtp-accept", Value: accept}},
	}
}

// followSettings empties the settings cache when another node saves.
func (a *App) followSettings(ctx context.Context) {
	if err := a.ch.settings.Follow(ctx); err != nil && ctx.Err() == nil {
		a.log.Warn("follow channel settings of other nodes", "err", err)
	}
}

// channelSettings hands each channel adapter its settings of the moment.
type channelSettings struct{ st *settings.Store }

func (c channelSettings) MessengerSettings(ctx context.Context) (messenger.Settings, error) {
	v, err := c.st.Get(ctx, settings.Messenger)
	return messenger.Settings{Enabled: v.Enabled, AppSecret: v.Get("app_secret"), VerifyToken: v.Get("verify_token"),
		PageToken: v.Get("page_token"), APIBase: v.Get("api_base"), APIVersion: v.Get("api_version")}, err
}

func (c channelSettings) SMSSettings(ctx context.Context) (sms.Settings, error) {
	v, err := c.st.Get(ctx, settings.SMS)
	return sms.Settings{Enabled: v.Enabled, AccountSID: v.Get("account_sid"), AuthToken: v.Get("auth_token"),
		From: v.Get("number"), APIBase: v.Get("api_base")}, err
}

func (c channelSettings) EmailSettings(ctx context.Context) (email.Settings, error) {
	v, err := c.st.Get(ctx, settings.Email)
	return email.Settings{Enabled: v.Enabled, Relay: v.Get("relay"), Username: v.Get("username"),
		Password: v.Get("password"), From: v.Get("from")}, err
}

// checker is one channel's connection test.
type checker interface {
	Check(ctx context.Context) (string, error)
}

// channelChecks tests a channel's connection to its platform for the
// dashboard, sending nothing.
type channelChecks map[string]checker

func (c channelChecks) Check(ctx context.Context, channel string) (string, error) {
	ch, ok := c[channel]
	if !ok {
		return "", apperr.NotFoundf("channel %q has no connection test", channel)
	}
	return ch.Check(ctx)
}

func (a *App) checks() channelChecks {
	return channelChecks{settings.Messenger: a.ch.messenger, settings.SMS: a.ch.sms, settings.Email: a.ch.email}
}
