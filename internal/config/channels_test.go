package config

import (
	"bytes"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestChannelSecretsAreNeverPrinted(t *testing.T) {
	const secret = "s3cr3t-app-secret"
	t.Setenv("OMNI_MESSENGER_APP_SECRET", secret)
	t.Setenv("OMNI_TWILIO_AUTH_TOKEN", "tw-"+secret)
	t.Setenv("OMNI_SMTP_ACCEPT", "shop.example, help@other.example")
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var help bytes.Buffer
	fs.SetOutput(&help)
	cfg := RegisterServer(fs)
	if err := fs.Parse([]string{"--smtp-relay-password", "pw-" + secret, "--twilio-number", "+14155238886"}); err != nil {
		t.Fatal(err)
	}
	ch := cfg.Channels
	if ch.Messenger.AppSecret.Reveal() != secret || ch.Twilio.AuthToken.Reveal() != "tw-"+secret ||
		ch.Email.RelayPassword.Reveal() != "pw-"+secret || ch.Twilio.Number != "+14155238886" {
		t.Fatalf("values not read: %+v", ch)
	}
	if got := strings.Join(ch.Email.Accept, "|"); got != "shop.example|help@other.example" {
		t.Fatalf("accept list %q", got)
	}
	fs.PrintDefaults()
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "channels", ch.Messenger.AppSecret, "twilio", ch.Twilio.AuthToken)
	for name, out := range map[string]string{"help": help.String(), "%+v": fmt.Sprintf("%+v", cfg), "%#v": fmt.Sprintf("%#v", ch),
		"log": logged.String()} {
		if strings.Contains(out, secret) {
			t.Errorf("%s output shows a secret: %s", name, out)
		}
	}
	if !strings.Contains(help.String(), "[redacted]") {
		t.Errorf("help does not say the env secret is set: %s", help.String())
	}
}
