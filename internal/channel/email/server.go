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
	"time"

	"github.com/emersion/go-smtp"
)

// Receiver consumes messages accepted by the Server. Receive must return nil
// only once the message is stored durably: the sender is told 250 (accepted)
// only then. Any other error makes the sender retry later (451), except one
// that wraps ErrRejected, which refuses the message for good (550).
type Receiver interface {
	Receive(ctx context.Context, m *Message) error
}

// ErrRejected, wrapped in a Receiver's error, refuses a message permanently.
var ErrRejected = errors.New("message rejected")

// ServerConfig configures the inbound SMTP server.
type ServerConfig struct {
	// Addr is the listen address for ListenAndServe, e.g. "0.0.0.0:25".
	Addr string
	// Domain is the host name announced in the greeting.
	Domain string
	// AcceptDomains and AcceptAddresses list the recipient domains (every
	// address at them) and single addresses mail is accepted for; at least
	// one entry is required. Matching ignores case.
	AcceptDomains   []string
	AcceptAddresses []string
	// MaxMessageBytes bounds a message (advertised as SIZE); default 30 MiB.
	MaxMessageBytes int64
	// MaxRecipients bounds RCPT TO commands per message; default 50.
	MaxRecipients int
	// ReadTimeout and WriteTimeout bound each network read and write;
	// default 2 minutes each.
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// ReceiveTimeout bounds one Receiver.Receive call; default 1 minute.
	ReceiveTimeout time.Duration
	// Limits bounds the parsed content (attachments, text, parts).
	Limits Limits
	// TLSConfig, when set, makes the server offer STARTTLS.
	TLSConfig *tls.Config
	// Logger receives connection and delivery errors; default slog.Default().
	Logger *slog.Logger
}

// Server is an inbound SMTP server (an MX, without AUTH) that parses each
// accepted message and hands it to a Receiver.
type Server struct {
	cfg      ServerConfig
	recv     Receiver
	log      *slog.Logger
	smtp     *smtp.Server
	domains  map[string]bool
	accounts map[string]bool
	ctx      context.Context
	cancel   context.CancelFunc

	mu    sync.Mutex
	conns map[string]*trackedConn // by remote address
}

// NewServer returns a Server that delivers accepted messages to recv.
func NewServer(cfg ServerConfig, recv Receiver) (*Server, error) {
	if recv == nil {
		return nil, errors.New("email server: nil Receiver")
	}
	if strings.TrimSpace(cfg.Domain) == "" {
		return nil, errors.New("email server: Domain is required")
	}
	s := &Server{cfg: cfg, recv: recv, log: cfg.Logger, domains: map[string]bool{},
		accounts: map[string]bool{}, conns: map[string]*trackedConn{}}
	for _, d := range cfg.AcceptDomains {
		s.domains[strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))] = true
	}
	for _, a := range cfg.AcceptAddresses {
		s.accounts[strings.ToLower(strings.TrimSpace(a))] = true
	}
	if len(s.domains)+len(s.accounts) == 0 {
		return nil, errors.New("email server: no AcceptDomains or AcceptAddresses configured")
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.cfg.MaxMessageBytes = defaultInt(cfg.MaxMessageBytes, 30<<20)
	s.cfg.MaxRecipients = int(defaultInt(int64(cfg.MaxRecipients), 50))
	s.cfg.ReadTimeout = defaultDuration(cfg.ReadTimeout, 2*time.Minute)
	s.cfg.WriteTimeout = defaultDuration(cfg.WriteTimeout, 2*time.Minute)
	s.cfg.ReceiveTimeout = defaultDuration(cfg.ReceiveTimeout, time.Minute)
	s.ctx, s.cancel = context.WithCancel(context.Background())

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Addr = cfg.Addr
	srv.Domain = cfg.Domain
	srv.MaxMessageBytes = s.cfg.MaxMessageBytes
	srv.MaxRecipients = s.cfg.MaxRecipients
	srv.ReadTimeout = s.cfg.ReadTimeout
	srv.WriteTimeout = s.cfg.WriteTimeout
	srv.TLSConfig = cfg.TLSConfig
	srv.AllowInsecureAuth = false
	srv.ErrorLog = slogPrinter{s.log}
	s.smtp = srv
	return s, nil
}

// ListenAndServe listens on the configured Addr and serves until Close or
// Shutdown, after which it returns nil.
func (s *Server) ListenAndServe() error {
	if s.cfg.Addr == "" {
		return errors.New("email server: Addr is required")
	}
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("email server: listen: %w", err)
	}
	return s.Serve(l)
}

// Serve accepts SMTP connections on l until Close or Shutdown, after which
// it returns nil.
func (s *Server) Serve(l net.Listener) error {
	return s.smtp.Serve(&trackingListener{Listener: l, srv: s})
}

// Close stops the server at once, closing every connection. A message whose
// Receive has not returned gets no 250, so its sender retries.
func (s *Server) Close() error {
	s.cancel()
	err := s.smtp.Close()
	s.closeConns(false)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections, closes idle ones and waits for
// messages being received to finish. When ctx ends first, it closes the
// remaining connections and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- s.smtp.Shutdown(context.Background()) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s.closeConns(true)
		select {
		case err := <-done:
			s.cancel()
			if errors.Is(err, smtp.ErrServerClosed) {
				return nil
			}
			return err
		case <-ctx.Done():
			s.cancel()
			s.closeConns(false)
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// closeConns closes tracked connections; with idleOnly, only those not in
// the middle of receiving a message.
func (s *Server) closeConns(idleOnly bool) {
	var idle []*trackedConn
	s.mu.Lock()
	for _, c := range s.conns {
		if !idleOnly || !c.busy {
			idle = append(idle, c)
		}
	}
	s.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
}

func (s *Server) setBusy(remote string, busy bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.conns[remote]; c != nil {
		c.busy = busy
	}
}

// accepts reports whether mail for addr is taken: its domain or the whole
// address is configured.
func (s *Server) accepts(addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if s.accounts[addr] {
		return true
	}
	at := strings.LastIndexByte(addr, '@')
	return at > 0 && s.domains[addr[at+1:]]
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s, conn: c, remote: c.Conn().RemoteAddr().String()}, nil
}

// session is one SMTP connection's transaction state.
type session struct {
	srv    *Server
	conn   *smtp.Conn
	remote string
	from   string
	rcpts  []string
}

// Reset discards the current transaction (RSET, EHLO, or after the reply to
// DATA has been written).
func (ss *session) Reset() {
	ss.from, ss.rcpts = "", nil
	ss.srv.setBusy(ss.remote, false)
}

func (ss *session) Logout() error { return nil }

// Mail starts a transaction; any sender is accepted, including the null
// sender of bounces.
func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from, ss.rcpts = from, nil
	return nil
}

// Rcpt accepts a recipient at a configured domain or address; go-smtp
// enforces MaxRecipients before calling it.
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !ss.srv.accepts(to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: replyText(fmt.Sprintf("No such recipient here: <%s>", to))}
	}
	for _, r := range ss.rcpts {
		if strings.EqualFold(r, to) {
			return nil
		}
	}
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

// Data reads and parses the message and hands it to the Receiver; its
// result decides the reply: nil is 250, anything else an error reply.
func (ss *session) Data(r io.Reader) error {
	// The connection counts as busy until Reset, which go-smtp calls after
	// writing the reply, so that Shutdown never cuts off a 250.
	ss.srv.setBusy(ss.remote, true)
	raw, err := io.ReadAll(r)
	if errors.Is(err, smtp.ErrDataTooLarge) {
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
			Message: fmt.Sprintf("Message too big: the limit is %d bytes", ss.srv.cfg.MaxMessageBytes)}
	}
	if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	m, err := Parse(bytes.NewReader(raw), ss.srv.cfg.Limits)
	if err != nil {
		return parseErrorReply(err)
	}
	m.Size = int64(len(raw))
	_, secure := ss.conn.TLSConnectionState()
	m.Envelope = Envelope{From: ss.from, To: append([]string(nil), ss.rcpts...),
		RemoteAddr: ss.remote, TLS: secure}
	ctx, cancel := context.WithTimeout(ss.srv.ctx, ss.srv.cfg.ReceiveTimeout)
	defer cancel()
	if err := ss.srv.recv.Receive(ctx, m); err != nil {
		return ss.receiveErrorReply(m, err)
	}
	return nil
}

func parseErrorReply(err error) error {
	var limit *LimitError
	if errors.As(err, &limit) {
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
			Message: replyText("Message too big: " + limit.Error())}
	}
	return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: replyText(err.Error())}
}

func (ss *session) receiveErrorReply(m *Message, err error) error {
	if errors.Is(err, ErrRejected) {
		ss.srv.log.Info("email: message rejected by receiver",
			"message_id", m.MessageID, "remote", ss.remote, "error", err)
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
			Message: "Message rejected"}
	}
	ss.srv.log.Warn("email: receiver failed; sender will retry",
		"message_id", m.MessageID, "remote", ss.remote, "temporary", IsTemporary(err), "error", err)
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Temporary local problem, please try again later"}
}

// IsTemporary reports whether err, or an error it wraps, is temporary so
// that a retry may succeed: a *SendError with Temporary set, or an error with
// a Temporary() bool method returning true.
func IsTemporary(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Temporary
	}
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// replyText makes s safe for a one-line SMTP reply: printable ASCII, at most
// 400 characters.
func replyText(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	if len(b) > 400 {
		b = append(b[:397], "..."...)
	}
	return string(b)
}

// trackingListener records accepted connections so that Shutdown can close
// idle ones.
type trackingListener struct {
	net.Listener
	srv *Server
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, srv: l.srv, key: c.RemoteAddr().String()}
	l.srv.mu.Lock()
	l.srv.conns[tc.key] = tc
	l.srv.mu.Unlock()
	return tc, nil
}

type trackedConn struct {
	net.Conn
	srv  *Server
	key  string
	busy bool // guarded by srv.mu
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.srv.mu.Lock()
		if c.srv.conns[c.key] == c {
			delete(c.srv.conns, c.key)
		}
		c.srv.mu.Unlock()
	})
	return c.Conn.Close()
}

// slogPrinter adapts a slog.Logger to go-smtp's Logger.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Printf(format string, v ...any) {
	p.l.Warn("email: smtp server: " + strings.TrimSpace(fmt.Sprintf(format, v...)))
}

func (p slogPrinter) Println(v ...any) {
	p.l.Warn("email: smtp server: " + strings.TrimSpace(fmt.Sprintln(v...)))
}

func defaultInt(v, d int64) int64 {
	if v <= 0 {
		return d
	}
	return v
}

func defaultDuration(v, d time.Duration) time.Duration {
	if v <= 0 {
		return d
	}
	return v
}
