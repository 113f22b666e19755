package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const relayUser, relayPass = "omni-relay", "s3cret-Pa55word"

// relay is a submission server for Sender tests: AUTH PLAIN, optional
// STARTTLS, scripted RCPT replies, and a record of what it received.
type relay struct {
	auth     bool
	rcptErr  map[string]*smtp.SMTPError
	dataHold chan struct{}

	mu   sync.Mutex
	got  []relayMail
	helo []string
}

type relayMail struct {
	user  string
	tls   bool
	from  string
	rcpts []string
	data  []byte
}

type relaySession struct {
	r    *relay
	conn *smtp.Conn
	mail relayMail
}

func (r *relay) NewSession(c *smtp.Conn) (smtp.Session, error) {
	r.mu.Lock()
	r.helo = append(r.helo, c.Hostname())
	r.mu.Unlock()
	return &relaySession{r: r, conn: c}, nil
}

func (s *relaySession) AuthMechanisms() []string {
	if !s.r.auth {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *relaySession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != relayUser || pass != relayPass {
			return smtp.ErrAuthFailed
		}
		s.mail.user = user
		return nil
	}), nil
}

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error {
	if s.r.auth && s.mail.user == "" {
		return smtp.ErrAuthRequired
	}
	s.mail.from = from
	return nil
}

func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if e := s.r.rcptErr[to]; e != nil {
		return e
	}
	s.mail.rcpts = append(s.mail.rcpts, to)
	return nil
}

func (s *relaySession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.r.dataHold != nil {
		<-s.r.dataHold
	}
	_, s.mail.tls = s.conn.TLSConnectionState()
	s.mail.data = data
	s.r.mu.Lock()
	s.r.got = append(s.r.got, s.mail)
	s.r.mu.Unlock()
	return nil
}

func (s *relaySession) Reset()        { s.mail = relayMail{user: s.mail.user} }
func (s *relaySession) Logout() error { return nil }

func (r *relay) mails() []relayMail {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]relayMail(nil), r.got...)
}

func startRelay(t *testing.T, r *relay, tlsCfg *tls.Config) string {
	t.Helper()
	srv := smtp.NewServer(r)
	srv.Domain = "relay.example"
	srv.TLSConfig = tlsCfg
	srv.AllowInsecureAuth = tlsCfg == nil
	srv.ErrorLog = slogPrinter{slog.New(slog.NewTextHandler(io.Discard, nil))}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

func testOutgoing() Outgoing {
	return Outgoing{
		From:    Address{"Omni Shop", "support@shop.example"},
		To:      []Address{{"Jane Customer", "jane@example.com"}},
		Bcc:     []Address{{"", "archive@shop.example"}},
		Subject: "Your order",
		Text:    "It shipped.",
	}
}

func TestSenderAuthOverTLS(t *testing.T) {
	for _, implicit := range []bool{false, true} {
		t.Run(fmt.Sprintf("implicit=%v", implicit), func(t *testing.T) { testSenderAuthOverTLS(t, implicit) })
	}
}

func testSenderAuthOverTLS(t *testing.T, implicit bool) {
	serverTLS, pool := testCert(t)
	r := &relay{auth: true}
	var addr string
	if implicit {
		addr = startImplicitTLSRelay(t, r, serverTLS)
	} else {
		addr = startRelay(t, r, serverTLS)
	}
	s := newTestSender(t, SenderConfig{Addr: addr, Username: relayUser, Password: relayPass,
		TLSConfig: &tls.Config{RootCAs: pool}, ImplicitTLS: implicit})
	id, err := s.Send(context.Background(), testOutgoing())
	if err != nil {
		t.Fatal(err)
	}
	mails := r.mails()
	if len(mails) != 1 {
		t.Fatalf("relay got %d mails", len(mails))
	}
	m := mails[0]
	if !m.tls || m.user != relayUser || m.from != "support@shop.example" ||
		strings.Join(m.rcpts, ",") != "jane@example.com,archive@shop.example" {
		t.Errorf("relay saw tls=%v user=%q from=%q rcpts=%v", m.tls, m.user, m.from, m.rcpts)
	}
	if bytes.Contains(m.data, []byte("archive@shop.example")) {
		t.Error("Bcc address appears in the message header")
	}
	parsed, err := Parse(bytes.NewReader(m.data), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if parsed.MessageID != id || !strings.HasSuffix(id, "@shop.example") || parsed.Text != "It shipped." {
		t.Errorf("MessageID=%q id=%q Text=%q", parsed.MessageID, id, parsed.Text)
	}
	if got := r.helo[len(r.helo)-1]; got != "shop.example" {
		t.Errorf("EHLO name over TLS = %q, want shop.example", got)
	}
}

// startImplicitTLSRelay runs r behind a TLS listener (SMTPS).
func startImplicitTLSRelay(t *testing.T, r *relay, tlsCfg *tls.Config) string {
	t.Helper()
	srv := smtp.NewServer(r)
	srv.Domain = "relay.example"
	srv.ErrorLog = slogPrinter{slog.New(slog.NewTextHandler(io.Discard, nil))}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(tls.NewListener(l, tlsCfg))
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// TestSenderRequiresSTARTTLS drives the path taken for a relay that is not on
// a loopback address: a relay without STARTTLS is refused.
func TestSenderRequiresSTARTTLS(t *testing.T) {
	r := &relay{}
	addr := startRelay(t, r, nil)
	s := newTestSender(t, SenderConfig{Addr: addr})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.startTLS(conn, s.tlsConfig())
	var se *SendError
	if c != nil || !errors.As(err, &se) || se.Op != "starttls" || se.Temporary ||
		!strings.Contains(err.Error(), "refusing to send in plaintext") {
		t.Errorf("startTLS = %v, %v; want a permanent refusal", c, err)
	}
}

func TestSenderErrors(t *testing.T) {
	serverTLS, pool := testCert(t)
	trusted := &tls.Config{RootCAs: pool}
	closedAddr := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}
	tests := []struct {
		name      string
		relay     *relay
		tls       bool
		cfg       SenderConfig
		out       func(*Outgoing)
		op        string
		code      int
		temporary bool
	}{
		{name: "wrong password", relay: &relay{auth: true}, tls: true,
			cfg: SenderConfig{Username: relayUser, Password: "wrong-" + relayPass, TLSConfig: trusted}, op: "auth", code: 535},
		{name: "relay without auth", relay: &relay{}, cfg: SenderConfig{Username: relayUser, Password: relayPass}, op: "auth"},
		{name: "mailbox busy", relay: &relay{rcptErr: map[string]*smtp.SMTPError{"jane@example.com": {
			Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 1}, Message: "mailbox busy"}}},
			op: "rcpt <jane@example.com>", code: 450, temporary: true},
		{name: "no such user", relay: &relay{rcptErr: map[string]*smtp.SMTPError{"jane@example.com": {
			Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}}},
			op: "rcpt <jane@example.com>", code: 550},
		{name: "untrusted certificate", relay: &relay{}, tls: true, op: "starttls"},
		{name: "connection refused", cfg: SenderConfig{Addr: closedAddr()}, op: "connect", temporary: true},
		{name: "no recipients", relay: &relay{}, out: func(o *Outgoing) { o.To, o.Bcc = nil, nil }, op: "compose"},
		{name: "header injection", relay: &relay{}, out: func(o *Outgoing) { o.To[0].Email = "jane@example.com\r\nBcc: x@y" }, op: "compose"},
		{name: "bad reference", relay: &relay{}, out: func(o *Outgoing) { o.References = []string{"a> <b@c"} }, op: "compose"},
		{name: "empty body", relay: &relay{}, out: func(o *Outgoing) { o.Text = "" }, op: "compose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if tt.relay != nil {
				var srvTLS *tls.Config
				if tt.tls {
					srvTLS = serverTLS
				}
				cfg.Addr = startRelay(t, tt.relay, srvTLS)
			}
			out := testOutgoing()
			if tt.out != nil {
				tt.out(&out)
			}
			_, err := newTestSender(t, cfg).Send(context.Background(), out)
			var se *SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SendError", err)
			}
			if se.Op != tt.op || se.Code != tt.code || se.Temporary != tt.temporary || IsTemporary(err) != tt.temporary {
				t.Errorf("got op=%q code=%d temporary=%v (%v); want op=%q code=%d temporary=%v",
					se.Op, se.Code, se.Temporary, err, tt.op, tt.code, tt.temporary)
			}
			if strings.Contains(err.Error(), relayPass) || strings.Contains(fmt.Sprintf("%+v %#v", err, se), relayPass) {
				t.Errorf("error reveals the password: %v", err)
			}
			if tt.relay != nil && len(tt.relay.mails()) != 0 {
				t.Error("relay accepted a message despite the error")
			}
		})
	}
}

func TestSenderContextCancel(t *testing.T) {
	r := &relay{dataHold: make(chan struct{})}
	addr := startRelay(t, r, nil)
	defer close(r.dataHold)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := newTestSender(t, SenderConfig{Addr: addr}).Send(ctx, testOutgoing())
	if !errors.Is(err, context.DeadlineExceeded) || !IsTemporary(err) {
		t.Errorf("err = %v, want a temporary deadline error", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Send took %v after its context ended", d)
	}
}

func TestSenderConfigHidesPassword(t *testing.T) {
	cfg := SenderConfig{Addr: "smtp.example.com:587", Username: "u", Password: relayPass, Domain: "shop.example"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("relay", "config", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg), logs.String()} {
		if strings.Contains(s, relayPass) {
			t.Errorf("password shown in %q", s)
		}
	}
	if !strings.Contains(logs.String(), "smtp.example.com:587") {
		t.Errorf("log lacks the relay address: %s", logs.String())
	}
}

func TestNewSenderValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  SenderConfig
		want string
	}{
		{"no port", SenderConfig{Addr: "smtp.example.com", Domain: "d.example"}, "not host:port"},
		{"no domain", SenderConfig{Addr: "smtp.example.com:25"}, "invalid Domain"},
		{"password without user", SenderConfig{Addr: "h:25", Domain: "d.example", Password: relayPass}, "without Username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewSender(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), relayPass) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		ip   string
		want bool
	}{{"127.0.0.1", true}, {"127.8.9.10", true}, {"::1", true}, {"192.0.2.10", false}, {"2001:db8::1", false}}
	for _, tt := range tests {
		if got := isLoopback(&net.TCPAddr{IP: net.ParseIP(tt.ip), Port: 25}); got != tt.want {
			t.Errorf("isLoopback(%s) = %v, want %v", tt.ip, got, tt.want)
		}
	}
}
