package settings

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// The channels whose settings are kept here.
const (
	Messenger = "messenger"
	SMS       = "sms"
	Email     = "email"
	Amazon    = "amazon"
	TikTok    = "tiktok"
)

// FieldSource is the field of a marketplace that names its tracking source.
const FieldSource = "source_id"

// Field is one setting of a channel.
type Field struct {
	Name     string // form and database name, e.g. "app_secret"
	Label    string
	Help     string
	Secret   bool   // never shown again once saved
	Required bool   // the channel does not work without it
	Hidden   bool   // set by Omni itself, not on the form
	Env      string // the environment variable that overrides it, when there is one
	Flag     string // the flag that overrides it
	check    func(string) error
}

// Spec describes what a channel can be configured with.
type Spec struct {
	Channel     string
	Title       string
	About       string
	Marketplace bool // a sales channel whose orders arrive as tracked events
	Fields      []Field
}

// Field returns the spec's field with the given name.
func (s Spec) Field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Specs lists every configurable channel, in the order the dashboard shows
// them.
func Specs() []Spec {
	return []Spec{
		{Channel: Messenger, Title: "Facebook Messenger",
			About: "Messages to the Facebook Page arrive at /hooks/messenger; agents' replies go out through the Send API.",
			Fields: []Field{
				{Name: "app_secret", Label: "App secret", Help: "signs the webhooks (X-Hub-Signature-256)", Secret: true, Required: true,
					Env: "OMNI_MESSENGER_APP_SECRET", Flag: "--messenger-app-secret", check: checkSecret},
				{Name: "verify_token", Label: "Verify token", Help: "the token you give Meta for the webhook handshake", Secret: true, Required: true,
					Env: "OMNI_MESSENGER_VERIFY_TOKEN", Flag: "--messenger-verify-token", check: checkSecret},
				{Name: "page_token", Label: "Page access token", Help: "sends replies as the Page", Secret: true, Required: true,
					Env: "OMNI_MESSENGER_PAGE_TOKEN", Flag: "--messenger-page-token", check: checkSecret},
				{Name: "api_base", Label: "Graph API base URL", Help: "empty: https://graph.facebook.com",
					Env: "OMNI_MESSENGER_API_BASE", Flag: "--messenger-api-base", check: checkBaseURL},
				{Name: "api_version", Label: "Graph API version", Help: "e.g. v25.0; empty: the version Omni was built for",
					Env: "OMNI_MESSENGER_API_VERSION", Flag: "--messenger-api-version", check: checkPattern(apiVersionRE, "is not of the form v<major>.<minor>")},
			}},
		{Channel: SMS, Title: "SMS (Twilio)",
			About: "Texts arrive at /hooks/twilio/sms (delivery reports at /hooks/twilio/status); replies go out through Twilio's Messages API.",
			Fields: []Field{
				{Name: "account_sid", Label: "Account SID", Required: true, Env: "OMNI_TWILIO_ACCOUNT_SID", Flag: "--twilio-account-sid",
					check: checkPattern(accountSIDRE, "is not AC followed by 32 hex digits")},
				{Name: "auth_token", Label: "Auth token", Help: "signs the webhooks (X-Twilio-Signature) and authenticates sends", Secret: true, Required: true,
					Env: "OMNI_TWILIO_AUTH_TOKEN", Flag: "--twilio-auth-token", check: checkSecret},
				{Name: "number", Label: "Sender", Help: "the E.164 number, short code or messaging service (MG…) replies come from", Required: true,
					Env: "OMNI_TWILIO_NUMBER", Flag: "--twilio-number", check: checkPattern(senderRE, "is not an E.164 number, short code, sender ID or MG… service SID")},
				{Name: "api_base", Label: "Twilio API base URL", Help: "empty: https://api.twilio.com",
					Env: "OMNI_TWILIO_API_BASE", Flag: "--twilio-api-base", check: checkBaseURL},
			}},
		{Channel: Email, Title: "Email",
			About: "Replies go out through an SMTP relay, threaded by Message-ID. Inbound mail comes to Omni's own SMTP listener.",
			Fields: []Field{
				{Name: "relay", Label: "Relay host:port", Help: "e.g. smtp.example.com:587; STARTTLS is required except on loopback", Required: true,
					Env: "OMNI_SMTP_RELAY", Flag: "--smtp-relay", check: checkHostPort},
				{Name: "username", Label: "Relay user name", Env: "OMNI_SMTP_RELAY_USERNAME", Flag: "--smtp-relay-username", check: checkText},
				{Name: "password", Label: "Relay password", Secret: true, Env: "OMNI_SMTP_RELAY_PASSWORD", Flag: "--smtp-relay-password", check: checkSecret},
				{Name: "from", Label: "From address", Help: `e.g. "Shop support <help@shop.example>"`, Required: true,
					Env: "OMNI_EMAIL_FROM", Flag: "--email-from", check: checkAddress},
			}},
		marketplace(Amazon, "Amazon", "Seller ID", "Marketplace ID", "e.g. A1PA6795UKMFR9"),
		marketplace(TikTok, "TikTok Shop", "Shop ID", "Region", "e.g. GB"),
	}
}

func marketplace(channel, title, seller, region, regionHelp string) Spec {
	return Spec{Channel: channel, Title: title, Marketplace: true,
		About: "Orders and events from " + title + " reach Omni through the tracking API with this connection's write key, " +
			"sent by your order-feed connector; Omni does not call " + title + " itself.",
		Fields: []Field{
			{Name: "seller_id", Label: seller, Required: true, check: checkText},
			{Name: "region", Label: region, Help: regionHelp, check: checkText},
			{Name: FieldSource, Label: "Tracking source", Hidden: true, check: checkText},
		}}
}

var (
	apiVersionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)
	accountSIDRE = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	senderRE     = regexp.MustCompile(`^(\+[1-9][0-9]{1,14}|[0-9]{3,8}|MG[0-9a-fA-F]{32}|[A-Za-z0-9 ]{1,11})$`)
)

// maxValue bounds every setting.
const maxValue = 2000

func checkText(v string) error {
	if len(v) > maxValue {
		return fmt.Errorf("is longer than %d characters", maxValue)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return errors.New("contains a control character")
		}
	}
	return nil
}

// checkSecret never repeats the value: the message may be shown and logged.
func checkSecret(v string) error {
	if err := checkText(v); err != nil {
		return err
	}
	if strings.ContainsFunc(v, unicode.IsSpace) {
		return errors.New("contains a space; paste the value without spaces")
	}
	return nil
}

func checkPattern(re *regexp.Regexp, msg string) func(string) error {
	return func(v string) error {
		if !re.MatchString(v) {
			return errors.New(msg)
		}
		return nil
	}
}

func checkBaseURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return errors.New("is not an absolute http(s) URL without query or credentials")
	}
	return nil
}

func checkHostPort(v string) error {
	host, port, err := net.SplitHostPort(v)
	n, perr := strconv.Atoi(port)
	if err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
		return errors.New("is not host:port")
	}
	return checkText(v)
}

func checkAddress(v string) error {
	if _, err := mail.ParseAddress(v); err != nil {
		return errors.New("is not an email address")
	}
	return nil
}
