package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/omni-hq/omni/internal/channel/email"
	"github.com/omni-hq/omni/internal/channel/messenger"
	"github.com/omni-hq/omni/internal/channel/settings"
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
	inbox     *inbox.Service
	settings  *settings.Store
	chat      *web.Chat
	messenger *messenger.Channel
	sms       *sms.Channel
	email     *email.Channel
	smtp      *email.Server
	smtpLn    net.Listener
	stopped   chan struct{}
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

	if err := a.buildSettings(ctx); err != nil {
		return err
	}
	links := map[string]func(string) string{}
	a.buildMessenger(cfg.Messenger, mux, links)
	a.ch.chat = web.New(web.Config{Inbox: in, Sources: a.auth, Issuer: handoff, Links: links, Logger: a.log.With("channel", "chat")})
	a.ch.chat.Mount(mux)
	in.Register(inbox.ChannelChat, a.ch.chat)
	go a.ch.chat.Follow(in.Broker())
	a.ch.sms = sms.NewChannel(in, sms.ChannelConfig{Settings: channelSettings{a.ch.settings}, PublicURL: cfg.PublicURL,
		Logger: a.log.With("channel", "sms")})
	a.ch.sms.Mount(mux)
	in.Register(inbox.ChannelSMS, a.ch.sms)
	return a.buildEmail(cfg.Email)
}

// buildMessenger mounts /hooks/messenger and sends through the Send API
// with the settings of the moment, and offers "Continue on Messenger" when
// the page username is known.
func (a *App) buildMessenger(cfg config.Messenger, mux *http.ServeMux, links map[string]func(string) string) {
	a.ch.messenger = messenger.NewChannel(a.ch.inbox, messenger.ChannelConfig{Settings: channelSettings{a.ch.settings},
		Logger: a.log.With("channel", "messenger")})
	a.ch.messenger.Mount(mux)
	a.ch.inbox.Register(inbox.ChannelMessenger, a.ch.messenger)
	if cfg.PageUsername != "" {
		links[inbox.ChannelMessenger] = func(ref string) string { return messenger.MeLink(cfg.PageUsername, ref) }
	}
}

// buildEmail sends replies through the relay of the moment and, when a
// listen address is configured, receives mail on it.
func (a *App) buildEmail(cfg config.Email) error {
	a.ch.email = email.NewChannel(a.ch.inbox, email.ChannelConfig{Settings: channelSettings{a.ch.settings}, Domain: cfg.Domain})
	a.ch.inbox.Register(inbox.ChannelEmail, a.ch.email)
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
	srv, err := email.NewServer(sc, a.ch.email)
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
		go a.followSettings(ctx)
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
