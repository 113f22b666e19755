package email

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

const simpleMessage = "From: Jane <jane@example.com>\r\nTo: support@shop.example\r\n" +
	"Subject: Hello\r\nMessage-ID: <m1@example.com>\r\n\r\nWhere is my order?\r\n"

// converse runs one SMTP transaction and returns the stage that failed
// ("mail", "rcpt", "data" or "" on success) with the error.
func converse(t *testing.T, addr string, size int64, rcpts []string, body string) (string, error) {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	var opts *smtp.MailOptions
	if size > 0 {
		opts = &smtp.MailOptions{Size: size}
	}
	if err := c.Mail("jane@example.com", opts); err != nil {
		return "mail", err
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil {
			return "rcpt", err
		}
	}
	w, err := c.Data()
	if err != nil {
		return "data", err
	}
	if _, err := w.Write([]byte(body)); err != nil {
		return "data", err
	}
	if err := w.Close(); err != nil {
		return "data", err
	}
	_ = c.Quit() // the message is accepted; a server shutting down may not answer QUIT
	return "", nil
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServerReplies(t *testing.T) {
	big := simpleMessage + strings.Repeat("padding line of text\r\n", 200)
	tests := []struct {
		name      string
		cfg       ServerConfig
		recvErr   error
		size      int64
		rcpts     []string
		body      string
		wantStage string
		wantCode  int
		wantEnh   smtp.EnhancedCode
		wantText  string
		received  int
	}{
		{name: "accepted", rcpts: []string{"support@shop.example", "Sales@SHOP.example"}, body: simpleMessage, received: 1},
		{name: "accepted address", cfg: ServerConfig{AcceptAddresses: []string{"help@brand.example"}},
			rcpts: []string{"HELP@brand.example"}, body: simpleMessage, received: 1},
		{name: "unknown recipient", rcpts: []string{"support@other.example"}, body: simpleMessage,
			wantStage: "rcpt", wantCode: 550, wantEnh: smtp.EnhancedCode{5, 1, 1}, wantText: "support@other.example"},
		{name: "other address at accepted-address domain", cfg: ServerConfig{AcceptAddresses: []string{"help@brand.example"}},
			rcpts: []string{"ceo@brand.example"}, wantStage: "rcpt", wantCode: 550, wantEnh: smtp.EnhancedCode{5, 1, 1}},
		{name: "too many recipients", cfg: ServerConfig{MaxRecipients: 2},
			rcpts:     []string{"a@shop.example", "b@shop.example", "c@shop.example"},
			wantStage: "rcpt", wantCode: 452, wantEnh: smtp.EnhancedCode{4, 5, 3}},
		{name: "oversized declared with SIZE", cfg: ServerConfig{MaxMessageBytes: 1024}, size: 5000,
			rcpts: []string{"support@shop.example"}, body: big,
			wantStage: "mail", wantCode: 552, wantEnh: smtp.EnhancedCode{5, 3, 4}},
		{name: "oversized data", cfg: ServerConfig{MaxMessageBytes: 1024}, rcpts: []string{"support@shop.example"}, body: big,
			wantStage: "data", wantCode: 552, wantEnh: smtp.EnhancedCode{5, 3, 4}, wantText: "limit is 1024 bytes"},
		{name: "attachment over limit", cfg: ServerConfig{Limits: Limits{MaxAttachmentBytes: 50}},
			rcpts: []string{"support@shop.example"}, body: fixture(t, "attachment.eml"),
			wantStage: "data", wantCode: 552, wantEnh: smtp.EnhancedCode{5, 3, 4}, wantText: `attachment "photo.png" exceeds`},
		{name: "malformed", rcpts: []string{"support@shop.example"}, body: fixture(t, "malformed_no_boundary.eml"),
			wantStage: "data", wantCode: 554, wantEnh: smtp.EnhancedCode{5, 6, 0}, wantText: "multipart without boundary"},
		{name: "receiver temporary error", recvErr: fmt.Errorf("store: %w", tempErr{}), rcpts: []string{"support@shop.example"},
			body: simpleMessage, wantStage: "data", wantCode: 451, wantEnh: smtp.EnhancedCode{4, 3, 0}, received: 1},
		{name: "receiver unclassified error", recvErr: errors.New("disk full"), rcpts: []string{"support@shop.example"},
			body: simpleMessage, wantStage: "data", wantCode: 451, wantEnh: smtp.EnhancedCode{4, 3, 0}, received: 1},
		{name: "receiver rejects", recvErr: fmt.Errorf("blocked sender: %w", ErrRejected), rcpts: []string{"support@shop.example"},
			body: simpleMessage, wantStage: "data", wantCode: 550, wantEnh: smtp.EnhancedCode{5, 7, 1}, received: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{err: tt.recvErr}
			_, addr := startServer(t, tt.cfg, rec)
			stage, err := converse(t, addr, tt.size, tt.rcpts, tt.body)
			if tt.wantCode == 0 {
				if err != nil {
					t.Fatalf("%s: %v", stage, err)
				}
			} else {
				var se *smtp.SMTPError
				if !errors.As(err, &se) {
					t.Fatalf("stage %q: err = %v, want SMTP %d", stage, err, tt.wantCode)
				}
				if stage != tt.wantStage || se.Code != tt.wantCode || se.EnhancedCode != tt.wantEnh ||
					!strings.Contains(se.Message, tt.wantText) {
					t.Errorf("%s: %d %v %q; want %s: %d %v containing %q",
						stage, se.Code, se.EnhancedCode, se.Message, tt.wantStage, tt.wantCode, tt.wantEnh, tt.wantText)
				}
			}
			if got := len(rec.messages()); got != tt.received {
				t.Errorf("receiver got %d messages, want %d", got, tt.received)
			}
		})
	}
}

func TestServerEnvelopeAndSize(t *testing.T) {
	rec := &recorder{}
	_, addr := startServer(t, ServerConfig{MaxMessageBytes: 4096}, rec)
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, v := c.Extension("SIZE"); !ok || v != "4096" {
		t.Errorf("SIZE extension = %v %q, want 4096", ok, v)
	}
	if ok, _ := c.Extension("AUTH"); ok {
		t.Error("inbound server must not offer AUTH")
	}
	err = c.SendMail("bounce+123@example.com", []string{"support@shop.example", "orders@shop.example"},
		strings.NewReader(simpleMessage))
	if err != nil {
		t.Fatal(err)
	}
	msgs := rec.messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages", len(msgs))
	}
	m := msgs[0]
	wantTo := []string{"support@shop.example", "orders@shop.example"}
	if m.Envelope.From != "bounce+123@example.com" || !slices.Equal(m.Envelope.To, wantTo) {
		t.Errorf("Envelope = %+v", m.Envelope)
	}
	if m.Size != int64(len(simpleMessage)) || m.MessageID != "m1@example.com" || m.VisibleText != "Where is my order?" {
		t.Errorf("Size=%d MessageID=%q VisibleText=%q", m.Size, m.MessageID, m.VisibleText)
	}
}

func TestServerShutdownWaitsForReceive(t *testing.T) {
	rec := &recorder{hold: make(chan struct{}), entered: make(chan struct{}, 1)}
	srv, addr := startServer(t, ServerConfig{}, rec)

	idle, err := smtp.Dial(addr) // an idle connection must not hold up Shutdown
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if err := idle.Hello("idle.example"); err != nil {
		t.Fatal(err)
	}

	sent := make(chan error, 1)
	go func() {
		_, err := converse(t, addr, 0, []string{"support@shop.example"}, simpleMessage)
		sent <- err
	}()
	<-rec.entered
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shut <- srv.Shutdown(ctx)
	}()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v while a message was being received", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(rec.hold)
	if err := <-sent; err != nil {
		t.Errorf("in-flight message: %v, want 250", err)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := idle.Noop(); err == nil {
		t.Error("idle connection still open after Shutdown")
	}
	if len(rec.messages()) != 1 {
		t.Errorf("receiver got %d messages", len(rec.messages()))
	}
}

func TestServerShutdownDeadline(t *testing.T) {
	rec := &recorder{hold: make(chan struct{}), entered: make(chan struct{}, 1)}
	srv, addr := startServer(t, ServerConfig{}, rec)
	sent := make(chan error, 1)
	go func() {
		_, err := converse(t, addr, 0, []string{"support@shop.example"}, simpleMessage)
		sent <- err
	}()
	<-rec.entered
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want deadline exceeded", err)
	}
	if err := <-sent; err == nil {
		t.Error("message got 250 although Receive never returned")
	}
}

func TestNewServerValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  ServerConfig
		recv Receiver
		want string
	}{
		{"no receiver", ServerConfig{Domain: "mx", AcceptDomains: []string{"a"}}, nil, "nil Receiver"},
		{"no domain", ServerConfig{AcceptDomains: []string{"a"}}, &recorder{}, "Domain is required"},
		{"no recipients", ServerConfig{Domain: "mx"}, &recorder{}, "no AcceptDomains"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewServer(tt.cfg, tt.recv)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
