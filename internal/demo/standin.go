package demo

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// StandIns are local stand-ins for the platforms the demo's channels call —
// the Messenger Send API, Twilio's Messages API and an SMTP relay — so the
// demo runs with no account anywhere. They answer in each platform's
// documented format and count what they were sent. They are demo stand-ins,
// clearly so: nothing leaves the machine.
type StandIns struct {
	MessengerURL string // base URL for the Graph API
	TwilioURL    string // base URL for api.twilio.com
	SMTPAddr     string // host:port of the SMTP relay sink

	Messenger, SMS, Email atomic.Int64 // messages received

	http   []*http.Server
	smtp   *smtp.Server
	mu     sync.Mutex
	recent []string
}

// StartStandIns starts every stand-in on a free loopback port.
func StartStandIns() (*StandIns, error) {
	s := &StandIns{}
	var err error
	if s.MessengerURL, err = s.serve(http.HandlerFunc(s.messenger)); err != nil {
		return nil, err
	}
	if s.TwilioURL, err = s.serve(http.HandlerFunc(s.twilio)); err != nil {
		s.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("start SMTP stand-in: %w", err)
	}
	s.smtp = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	s.smtp.Domain = "smtp.demo.invalid"
	s.smtp.AllowInsecureAuth = true
	s.SMTPAddr = ln.Addr().String()
	go s.smtp.Serve(ln)
	return s, nil
}

func (s *StandIns) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("start stand-in: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	s.http = append(s.http, srv)
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

// Close stops every stand-in.
func (s *StandIns) Close() {
	for _, srv := range s.http {
		srv.Close()
	}
	if s.smtp != nil {
		s.smtp.Close()
	}
}

// Recent returns the last messages the stand-ins received, newest last.
func (s *StandIns) Recent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.recent...)
}

func (s *StandIns) note(channel, to, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recent = append(s.recent, fmt.Sprintf("%s to %s: %.80s", channel, to, text))
	if len(s.recent) > 50 {
		s.recent = s.recent[len(s.recent)-50:]
	}
}

// messenger answers POST /{version}/me/messages as the Send API does, and
// GET /{version}/me (which Page a token sends as) as the Graph API does.
func (s *StandIns) messenger(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/me") && r.URL.Query().Get("access_token") != "" {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"name": "Omni demo shop", "id": demoPageID})
		return
	}
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/messages") || r.URL.Query().Get("access_token") == "" {
		graphError(w, http.StatusBadRequest, "Unsupported request", 100)
		return
	}
	var req struct {
		Recipient struct{ ID string }   `json:"recipient"`
		Message   struct{ Text string } `json:"message"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || req.Recipient.ID == "" {
		graphError(w, http.StatusBadRequest, "(#100) The parameter recipient is required", 100)
		return
	}
	n := s.Messenger.Add(1)
	s.note("messenger", req.Recipient.ID, req.Message.Text)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"recipient_id": req.Recipient.ID, "message_id": fmt.Sprintf("m_demo_%d", n)})
}

func graphError(w http.ResponseWriter, status int, msg string, code int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "OAuthException", "code": code, "fbtrace_id": "demo"}})
}

// twilio answers POST /2010-04-01/Accounts/{sid}/Messages.json, and GET
// /2010-04-01/Accounts/{sid}.json (the account), as Twilio does.
func (s *StandIns) twilio(w http.ResponseWriter, r *http.Request) {
	user, _, ok := r.BasicAuth()
	if r.Method == http.MethodGet && ok && r.URL.Path == "/2010-04-01/Accounts/"+user+".json" {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"sid": user, "friendly_name": "Omni demo shop", "status": "active", "type": "Full"})
		return
	}
	if r.Method != http.MethodPost || !ok || !strings.HasSuffix(r.URL.Path, "/Messages.json") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]any{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401})
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	n := s.SMS.Add(1)
	s.note("sms", r.PostForm.Get("To"), r.PostForm.Get("Body"))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{
		"sid": fmt.Sprintf("SM%032d", n), "account_sid": user, "to": r.PostForm.Get("To"), "from": r.PostForm.Get("From"),
		"body": r.PostForm.Get("Body"), "status": "queued", "num_segments": "1", "direction": "outbound-api",
		"date_created": time.Now().UTC().Format(time.RFC1123Z), "error_code": nil, "error_message": nil,
	})
}

type sinkSession struct {
	s  *StandIns
	to string
}

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = to
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	body, err := io.ReadAll(io.LimitReader(r, 10<<20))
	if err != nil {
		return err
	}
	ss.s.Email.Add(1)
	subject := ""
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(strings.ToLower(line), "subject:") {
			subject = strings.TrimSpace(line[len("subject:"):])
			break
		}
	}
	ss.s.note("email", ss.to, subject)
	return nil
}
func (ss *sinkSession) Reset()        {}
func (ss *sinkSession) Logout() error { return nil }
