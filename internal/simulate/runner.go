package simulate

import (
	"context"
	"sync"
)

// runner carries what a journey's messaging steps share: the hand-off refs
// the web chat issued, by persona.
type runner struct {
	cfg  Config
	mu   sync.Mutex
	refs map[int]string
}

func (r *runner) chat(ctx context.Context, p Persona, text string) error {
	if r.cfg.Platforms.ChatKey == "" {
		return nil
	}
	ref, err := r.cfg.Client.Chat(ctx, r.cfg.Platforms.ChatKey, p.PhoneAnon, text, r.cfg.Platforms.MessengerSecret != "")
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.refs[p.N] = ref
	r.mu.Unlock()
	return nil
}

func (r *runner) messenger(ctx context.Context, p Persona, mid, text string) error {
	if r.cfg.Platforms.MessengerSecret == "" {
		return nil
	}
	r.mu.Lock()
	ref := r.refs[p.N]
	r.mu.Unlock()
	return r.cfg.Client.Messenger(ctx, r.cfg.Platforms, p.PSID, ref, mid, text, r.cfg.Now())
}

func (r *runner) sms(ctx context.Context, p Persona, sid, text string) error {
	if r.cfg.Platforms.TwilioToken == "" {
		return nil
	}
	return r.cfg.Client.SMS(ctx, r.cfg.Platforms, sid, p.Phone, text)
}

func (r *runner) email(p Persona, subject, body, messageID string) error {
	if r.cfg.Platforms.SMTPAddr == "" {
		return nil
	}
	return Email(r.cfg.Platforms, p.Email, p.Name, subject, body, messageID)
}

func (r *runner) reply(ctx context.Context, p Persona, text string, resolve bool) error {
	if r.cfg.Platforms.AgentToken == "" || r.cfg.Platforms.MessengerSecret == "" {
		return nil
	}
	return r.cfg.Client.AgentReply(ctx, r.cfg.Platforms.AgentToken, p.PSID, text, resolve)
}
