package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/omni-hq/omni/internal/channel/email"
	"github.com/omni-hq/omni/internal/channel/messenger"
	"github.com/omni-hq/omni/internal/channel/sms"
	"github.com/omni-hq/omni/internal/channel/web"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/httpapi"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/jobs"
	"github.com/omni-hq/omni/internal/store"
)

// channels is the inbox and the channel adapters around it.
type channels struct {
	inbox   *inbox.Service
	chat    *web.Chat
	smtp    *email.Server
	smtpLn  net.Listener
	stopped chan struct{}
}

// buildInbox creates the inbox, registers its merge hook and its workers,
// and returns its periodic jobs.
func (a *App) buildInbox(workers *river.Workers) []*river.PeriodicJob {
	a.ch.inbox = inbox.New(a.db, a.ids, a.customers, inbox.NewBroker(0), inbox.Options{
		AutoAssign: a.cfg.Channels.AutoAssign, Logger: a.log.With("component", "inbox")})
	a.ids.OnMerge(a.ch.inbox.MergeTx)
	river.AddWorker(workers, inbox.NewDeliverWorker(a.ch.inbox))
	river.AddWorker(workers, inbox.NewWakeWorker(a.ch.inbox))
	return []*river.PeriodicJob{inbox.WakeEvery(time.Minute)}
}

// mountChannels connects the queue, the conversation routes and every
// configured channel.
func (a *App) mountChannels(ctx context.Context, q *jobs.Queue, mux *http.ServeMux, api *httpapi.API) error {
	in, cfg := a.ch.inbox, a.cfg.Channels
	in.UseQueue(q)
	key, err := inbox.LoadHandoffKey(ctx, a.db, cfg.HandoffKey.Reveal())
	if err != nil {
		return err
	}
	handoff, err := inbox.NewHandoff(key)
	if err != nil {
		return err
	}
	in.UseHandoff(handoff)
	api.Add(httpapi.ConversationRoutes(httpapi.ConversationDeps{Inbox: in, Customers: a.customers, Identities: a.ids})...)
	api.Add(httpapi.ConversationStreamRoute(in.Broker(), in, a.log))

	links := map[string]func(string) string{}
	if err := a.buildMessenger(cfg.Messenger, mux, links); err != nil {
		return err
	}
	a.ch.chat = web.New(web.Config{Inbox: in, Sources: a.auth, Issuer: handoff, Links: links, Logger: a.log.With("channel", "chat")})
	a.ch.chat.Mount(mux)
	in.Register(inbox.ChannelChat, a.ch.chat)
	go a.ch.chat.Follow(in.Broker())
	if err := a.buildSMS(cfg, mux); err != nil {
		return err
	}
	return a.buildEmail(cfg.Email)
}

// buildMessenger mounts /hooks/messenger when an app secret is configured,
// sends through the Send API when a page token is, and offers "Continue on
// Messenger" when the page username is known.
func (a *App) buildMessenger(cfg config.Messenger, mux *http.ServeMux, links map[string]func(string) string) error {
	if cfg.AppSecret == "" {
		return nil
	}
	cc := messenger.ChannelConfig{AppSecret: cfg.AppSecret.Reveal(), VerifyToken: cfg.VerifyToken.Reveal(),
		Logger: a.log.With("channel", "messenger")}
	if cfg.PageToken != "" {
		client, err := messenger.NewClient(messenger.Config{BaseURL: cfg.APIBase, APIVersion: cfg.APIVersion,
			PageAccessToken: cfg.PageToken.Reveal()})
		if err != nil {
			return err
		}
		cc.Client = client
	}
	ch := messenger.NewChannel(a.ch.inbox, cc)
	ch.Mount(mux)
	if cc.Client != nil {
		a.ch.inbox.Register(inbox.ChannelMessenger, ch)
	}
	if cfg.PageUsername != "" {
		links[inbox.ChannelMessenger] = func(ref string) string { return messenger.MeLink(cfg.PageUsername, ref) }
	}
	return nil
}

// buildSMS mounts the Twilio webhooks and sends through the Messages API
// when an account is configured.
func (a *App) buildSMS(cfg config.Channels, mux *http.ServeMux) error {
	tw := cfg.Twilio
	if !tw.Enabled() {
		return nil
	}
	client, err := sms.NewClient(sms.Config{BaseURL: tw.APIBase, AccountSID: tw.AccountSID, AuthToken: tw.AuthToken.Reveal()})
	if err != nil {
		return err
	}
	ch := sms.NewChannel(a.ch.inbox, sms.ChannelConfig{AuthToken: tw.AuthToken.Reveal(), PublicURL: cfg.PublicURL,
		From: tw.Number, Client: client, Logger: a.log.With("channel", "sms")})
	ch.Mount(mux)
	a.ch.inbox.Register(inbox.ChannelSMS, ch)
	return nil
}

func (a *App) buildEmail(cfg config.Email) error {
	var sender *email.Sender
	var from email.Address
	if cfg.Relay != "" {
		addr, err := mail.ParseAddress(cfg.From)
		if err != nil {
			return fmt.Errorf("--email-from %q: want an email address for replies", cfg.From)
		}
		from = email.Address{Name: addr.Name, Email: addr.Address}
		sender, err = email.NewSender(email.SenderConfig{Addr: cfg.Relay, Username: cfg.RelayUsername,
			Password: cfg.RelayPassword.Reveal(), Domain: cfg.Domain})
		if err != nil {
			return err
		}
	}
	ch := email.NewChannel(a.ch.inbox, sender, from, cfg.Domain)
	if sender != nil {
		a.ch.inbox.Register(inbox.ChannelEmail, ch)
	}
	if cfg.SMTPAddr == "" {
		return nil
	}
	sc := email.ServerConfig{Domain: cfg.Domain, MaxMessageBytes: cfg.MaxBytes, Logger: a.log.With("channel", "email")}
	for _, acc := range cfg.Accept {
		if strings.Contains(acc, "@") {
			sc.AcceptAddresses = append(sc.AcceptAddresses, acc)
		} else {
			sc.AcceptDomains = append(sc.AcceptDomains, acc)
		}
	}
	if len(cfg.Accept) == 0 {
		sc.AcceptDomains = []string{cfg.Domain}
	}
	srv, err := email.NewServer(sc, ch)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.SMTPAddr)
	if err != nil {
		return fmt.Errorf("listen for mail on %s: %w", cfg.SMTPAddr, err)
	}
	a.ch.smtp, a.ch.smtpLn = srv, ln
	return nil
}

// startChannels starts the listeners of the channels that have their own
// and, on PostgreSQL, the relay of inbox events between nodes; it lets live
// streams and chat sockets go when srv shuts down.
func (a *App) startChannels(ctx context.Context, srv *http.Server) {
	srv.RegisterOnShutdown(a.ch.inbox.Broker().Close)
	srv.RegisterOnShutdown(a.ch.chat.Close)
	if a.db.Dialect() == store.Postgres {
		go a.ch.inbox.Cluster(ctx, a.db)
	}
	if a.ch.smtp == nil {
		return
	}
	a.ch.stopped = make(chan struct{})
	go func() {
		defer close(a.ch.stopped)
		if err := a.ch.smtp.Serve(a.ch.smtpLn); err != nil {
			a.log.Error("mail server stopped", "err", err)
		}
	}()
	a.log.Info("receiving mail", "addr", a.ch.smtpLn.Addr().String())
}

// stopChannels lets mail being received finish, within ctx.
func (a *App) stopChannels(ctx context.Context) error {
	if a.ch.smtp == nil || a.ch.stopped == nil {
		return nil
	}
	err := a.ch.smtp.Shutdown(ctx)
	<-a.ch.stopped
	return err
}

func (a *App) closeChannels() error {
	a.ch.inbox.Broker().Close() // ends Follow when the server never ran
	if a.ch.smtpLn != nil && a.ch.stopped == nil {
		return a.ch.smtpLn.Close()
	}
	return nil
}

// Inbox is the inbox service.
func (a *App) Inbox() *inbox.Service { return a.ch.inbox }

// Chat is the website chat channel.
func (a *App) Chat() *web.Chat { return a.ch.chat }

// SMTPAddr is the address the mail listener is on ("" when there is none).
func (a *App) SMTPAddr() string {
	if a.ch.smtpLn == nil {
		return ""
	}
	return a.ch.smtpLn.Addr().String()
}
