package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SenderConfig configures the SMTP relay outgoing mail goes through.
type SenderConfig struct {
	// Addr is the relay's host:port, e.g. "smtp.example.com:587".
	Addr string
	// Username and Password, when Username is set, authenticate with AUTH
	// PLAIN. The password is never included in errors or log output.
	Username string
	Password string
	// Domain is used for generated Message-IDs and the EHLO name.
	Domain string
	// ImplicitTLS connects with TLS from the start (SMTPS, port 465).
	// Otherwise STARTTLS is used whenever the relay offers it, and is
	// required unless the relay is on a loopback address.
	ImplicitTLS bool
	// TLSConfig is used for the TLS handshake; its ServerName defaults to
	// the relay's host.
	TLSConfig *tls.Config
	// Timeout bounds connecting and each SMTP command; default 1 minute.
	Timeout time.Duration
}

// String describes the configuration with the password redacted.
func (c SenderConfig) String() string {
	pw := ""
	if c.Password != "" {
		pw = "[redacted]"
	}
	return fmt.Sprintf("SenderConfig{Addr:%s Username:%s Password:%s Domain:%s ImplicitTLS:%t Timeout:%s}",
		c.Addr, c.Username, pw, c.Domain, c.ImplicitTLS, c.Timeout)
}

// GoString is String, so that %#v does not print the password either.
func (c SenderConfig) GoString() string { return c.String() }

// LogValue is the slog form of the configuration, without the password.
func (c SenderConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("addr", c.Addr), slog.String("username", c.Username),
		slog.String("domain", c.Domain), slog.Bool("implicit_tls", c.ImplicitTLS))
}

// Sender sends messages through an SMTP relay, one connection per message.
type Sender struct {
	cfg  SenderConfig
	host string
	now  func() time.Time
}

// NewSender checks cfg and returns a Sender.
func NewSender(cfg SenderConfig) (*Sender, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("email sender: relay address %q is not host:port", cfg.Addr)
	}
	if cfg.Domain == "" || strings.ContainsAny(cfg.Domain, " <>@\r\n") {
		return nil, fmt.Errorf("email sender: invalid Domain %q", cfg.Domain)
	}
	if cfg.Password != "" && cfg.Username == "" {
		return nil, errors.New("email sender: Password set without Username")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Minute
	}
	return &Sender{cfg: cfg, host: host, now: time.Now}, nil
}

// SendError is a failed send. Temporary says whether trying again later can
// help: a 4xx reply or a network failure, not a 5xx reply or a configuration
// problem.
type SendError struct {
	// Op is the step that failed: compose, connect, starttls, auth, mail,
	// rcpt or data.
	Op string
	// Code and EnhancedCode are the relay's reply, when it gave one.
	Code         int
	EnhancedCode [3]int
	Temporary    bool
	Err          error
}

// Error describes the failure, without credentials.
func (e *SendError) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	return fmt.Sprintf("send email: %s: %v (%s)", e.Op, e.Err, kind)
}

// Unwrap returns the underlying error.
func (e *SendError) Unwrap() error { return e.Err }

// Send delivers o through the relay and returns its Message-ID (without
// angle brackets). It returns a *SendError on failure.
func (s *Sender) Send(ctx context.Context, o Outgoing) (string, error) {
	raw, id, err := o.compose(s.cfg.Domain, s.now())
	if err != nil {
		return "", &SendError{Op: "compose", Err: err}
	}
	c, err := s.connect(ctx)
	if err != nil {
		return "", err
	}
	defer c.Close()

	fail := func(op string, err error) (string, error) {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		return "", classify(op, err)
	}
	if err := s.auth(c); err != nil {
		return fail("auth", err)
	}
	rcpts := o.recipients()
	opts := &smtp.MailOptions{Size: int64(len(raw))}
	if !isASCII(o.From.Email) || !isASCII(strings.Join(rcpts, "")) {
		opts.UTF8 = true
	}
	if err := c.Mail(o.From.Email, opts); err != nil {
		return fail("mail", err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil {
			return fail("rcpt <"+r+">", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fail("data", err)
	}
	if _, err := io.Copy(w, bytes.NewReader(raw)); err != nil {
		return fail("data", err)
	}
	if err := w.Close(); err != nil {
		return fail("data", err)
	}
	_ = c.Quit() // the relay has accepted the message; QUIT is a courtesy
	return id, nil
}

// Check connects to the relay, secures the connection and signs in as
// Send would, then says QUIT: a cheap test of the settings that sends
// nothing. It returns a *SendError on failure.
func (s *Sender) Check(ctx context.Context) error {
	c, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := s.auth(c); err != nil {
		return classify("auth", err)
	}
	if err := c.Quit(); err != nil {
		return classify("quit", err)
	}
	return nil
}

// auth signs in with AUTH PLAIN when a user name is configured.
func (s *Sender) auth(c *smtp.Client) error {
	if s.cfg.Username == "" {
		return nil
	}
	if ok, _ := c.Extension("AUTH"); !ok || !c.SupportsAuth("PLAIN") {
		return &SendError{Op: "auth", Err: errors.New("relay does not offer AUTH PLAIN")}
	}
	return c.Auth(sasl.NewPlainClient("", s.cfg.Username, s.cfg.Password))
}

// connect dials the relay and secures the connection: implicit TLS,
// STARTTLS when offered, or plaintext only to a loopback relay.
func (s *Sender) connect(ctx context.Context) (*smtp.Client, error) {
	conn, err := s.dial(ctx)
	if err != nil {
		return nil, err
	}
	tlsCfg := s.tlsConfig()
	if s.cfg.ImplicitTLS {
		return s.greet(smtp.NewClient(tls.Client(conn, tlsCfg)), "connect")
	}
	if !isLoopback(conn.RemoteAddr()) {
		return s.startTLS(conn, tlsCfg)
	}
	// A loopback relay may be plaintext; learn whether it offers STARTTLS.
	c := s.client(conn)
	if err := c.Hello(s.cfg.Domain); err != nil {
		c.Close()
		return nil, classify("connect", err)
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return c, nil
	}
	_ = c.Quit()
	conn, err = s.dial(ctx)
	if err != nil {
		return nil, err
	}
	return s.startTLS(conn, tlsCfg)
}

func (s *Sender) dial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{Timeout: s.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return nil, &SendError{Op: "connect", Temporary: true, Err: err}
	}
	// Ending ctx closes the connection, aborting the command in flight.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	return &ctxConn{Conn: conn, stop: stop}, nil
}

func (s *Sender) startTLS(conn net.Conn, cfg *tls.Config) (*smtp.Client, error) {
	_ = conn.SetDeadline(time.Now().Add(s.cfg.Timeout))
	c, err := smtp.NewClientStartTLS(conn, cfg)
	if err != nil {
		conn.Close()
		if strings.Contains(err.Error(), "support STARTTLS") {
			err = fmt.Errorf("relay %s does not offer STARTTLS; refusing to send in plaintext to a non-local host", s.cfg.Addr)
			return nil, &SendError{Op: "starttls", Err: err}
		}
		return nil, classify("starttls", err)
	}
	_ = conn.SetDeadline(time.Time{})
	return s.greet(c, "starttls")
}

// greet sends EHLO with the configured domain; over TLS this also completes
// the handshake, so certificate problems surface here.
func (s *Sender) greet(c *smtp.Client, op string) (*smtp.Client, error) {
	s.tune(c)
	if err := c.Hello(s.cfg.Domain); err != nil {
		c.Close()
		return nil, classify(op, err)
	}
	return c, nil
}

func (s *Sender) client(conn net.Conn) *smtp.Client {
	c := smtp.NewClient(conn)
	s.tune(c)
	return c
}

func (s *Sender) tune(c *smtp.Client) {
	c.CommandTimeout = s.cfg.Timeout
	c.SubmissionTimeout = 2 * s.cfg.Timeout
}

func (s *Sender) tlsConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.TLSConfig != nil {
		cfg = s.cfg.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.host
	}
	return cfg
}

// classify wraps err as a SendError, deciding whether a retry can help.
func classify(op string, err error) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	e := &SendError{Op: op, Err: err, Temporary: true}
	var smtpErr *smtp.SMTPError
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.As(err, &smtpErr):
		e.Code = smtpErr.Code
		e.EnhancedCode = smtpErr.EnhancedCode
		e.Temporary = smtpErr.Code/100 == 4
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr):
		e.Temporary = false
	case errors.Is(err, context.Canceled):
		e.Temporary = true
	}
	return e
}

// ctxConn is a connection closed when its context ends; closing it stops
// watching the context.
type ctxConn struct {
	net.Conn
	stop func() bool
}

func (c *ctxConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

func isLoopback(a net.Addr) bool {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.IP.IsLoopback()
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
