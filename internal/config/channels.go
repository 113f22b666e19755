package config

import (
	"flag"
	"log/slog"
	"os"
	"strconv"
	"strings"
)

// Secret is a configuration value that must never be printed: its String
// form (used by fmt, flag defaults and logs) is "[redacted]".
type Secret string

// String redacts the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString redacts the secret in %#v output too.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// LogValue redacts the secret in structured logs.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Reveal returns the secret itself, for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

type secretFlag struct{ p *Secret }

func (f secretFlag) String() string {
	if f.p == nil {
		return ""
	}
	return f.p.String()
}

func (f secretFlag) Set(v string) error { *f.p = Secret(v); return nil }

// Channels configures the messaging channels. A channel whose settings are
// missing stays off until an admin configures it in the dashboard; a value
// given here wins over the dashboard's. The web chat is always on.
type Channels struct {
	// PublicURL is the URL the platforms reach Omni at (Twilio signs the
	// webhook URL it calls), e.g. https://shop.example.com.
	PublicURL string
	// HandoffKey (hex) signs "Continue on Messenger" tokens; when empty a
	// key is generated and kept in the database.
	HandoffKey Secret
	// AutoAssign gives new conversations to online agents in turn.
	AutoAssign bool
	Messenger  Messenger
	Twilio     Twilio
	Email      Email
}

// Messenger configures the Facebook Messenger channel.
type Messenger struct {
	PageToken    Secret
	AppSecret    Secret
	VerifyToken  Secret
	PageUsername string // for m.me links; read at start only
	APIBase      string // Graph API origin, for tests and sandboxes; empty: Graph API
	APIVersion   string
}

// Twilio configures the SMS channel.
type Twilio struct {
	AccountSID string
	AuthToken  Secret
	Number     string // the E.164 number (or MG… messaging service) to send from
	APIBase    string // empty: Twilio's API
}

// Enabled reports whether SMS is configured.
func (t Twilio) Enabled() bool { return t.AccountSID != "" && t.AuthToken != "" && t.Number != "" }

// Email configures the email channel.
type Email struct {
	SMTPAddr      string   // inbound listener, e.g. 0.0.0.0:2525; empty: no inbound mail
	Domain        string   // the host name Omni's mail uses
	Accept        []string // recipient domains or addresses inbound mail is taken for
	MaxBytes      int64    // largest inbound message; default 30 MiB
	Relay         string   // outbound relay host:port; empty: no outbound mail
	RelayUsername string
	RelayPassword Secret
	From          string // the From address of replies
}

// registerChannels registers the channel flags with OMNI_* fallbacks.
func registerChannels(fs *flag.FlagSet, c *Channels) {
	str := func(p *string, name, env, def, usage string) {
		fs.StringVar(p, name, Env(env, def), usage+" (env "+env+")")
	}
	secret := func(p *Secret, name, env, usage string) {
		*p = Secret(os.Getenv(env))
		fs.Var(secretFlag{p}, name, usage+" (env "+env+")")
	}
	str(&c.PublicURL, "public-url", "OMNI_PUBLIC_URL", "", "URL the platforms reach this server at")
	secret(&c.HandoffKey, "handoff-key", "OMNI_HANDOFF_KEY", "hex key signing channel hand-off links; generated and stored when empty")
	fs.BoolVar(&c.AutoAssign, "auto-assign", Env("OMNI_AUTO_ASSIGN", "true") == "true", "assign new conversations round robin among online agents (env OMNI_AUTO_ASSIGN)")

	m := &c.Messenger
	secret(&m.PageToken, "messenger-page-token", "OMNI_MESSENGER_PAGE_TOKEN", "Messenger page access token")
	secret(&m.AppSecret, "messenger-app-secret", "OMNI_MESSENGER_APP_SECRET", "Meta app secret that signs webhooks")
	secret(&m.VerifyToken, "messenger-verify-token", "OMNI_MESSENGER_VERIFY_TOKEN", "webhook verify token")
	str(&m.PageUsername, "messenger-page-username", "OMNI_MESSENGER_PAGE_USERNAME", "", "page username for m.me links")
	str(&m.APIBase, "messenger-api-base", "OMNI_MESSENGER_API_BASE", "", "Graph API base URL; empty: https://graph.facebook.com")
	str(&m.APIVersion, "messenger-api-version", "OMNI_MESSENGER_API_VERSION", "", "Graph API version, e.g. v25.0")

	tw := &c.Twilio
	str(&tw.AccountSID, "twilio-account-sid", "OMNI_TWILIO_ACCOUNT_SID", "", "Twilio account SID")
	secret(&tw.AuthToken, "twilio-auth-token", "OMNI_TWILIO_AUTH_TOKEN", "Twilio auth token")
	str(&tw.Number, "twilio-number", "OMNI_TWILIO_NUMBER", "", "number SMS is sent from")
	str(&tw.APIBase, "twilio-api-base", "OMNI_TWILIO_API_BASE", "", "Twilio API base URL; empty: https://api.twilio.com")

	e := &c.Email
	str(&e.SMTPAddr, "smtp-addr", "OMNI_SMTP_ADDR", "", "address to receive mail on, e.g. 0.0.0.0:2525")
	str(&e.Domain, "smtp-domain", "OMNI_SMTP_DOMAIN", "localhost", "mail host name of this server")
	fs.Func("smtp-accept", "comma-separated domains or addresses to accept mail for (env OMNI_SMTP_ACCEPT)", func(v string) error {
		e.Accept = splitList(v)
		return nil
	})
	e.Accept = splitList(os.Getenv("OMNI_SMTP_ACCEPT"))
	fs.Int64Var(&e.MaxBytes, "smtp-max-bytes", envInt("OMNI_SMTP_MAX_BYTES", 30<<20), "largest inbound message in bytes (env OMNI_SMTP_MAX_BYTES)")
	str(&e.Relay, "smtp-relay", "OMNI_SMTP_RELAY", "", "outbound SMTP relay host:port")
	str(&e.RelayUsername, "smtp-relay-username", "OMNI_SMTP_RELAY_USERNAME", "", "relay user name")
	secret(&e.RelayPassword, "smtp-relay-password", "OMNI_SMTP_RELAY_PASSWORD", "relay password")
	str(&e.From, "email-from", "OMNI_EMAIL_FROM", "", "From address of email replies")
}

func envInt(name string, def int64) int64 {
	if n, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil && n > 0 {
		return n
	}
	return def
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
