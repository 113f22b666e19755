package demo

import (
	"fmt"
	"net"

	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/simulate"
)

// Demo-only platform credentials: the stand-ins accept them and the
// simulator signs its webhooks with them.
const (
	demoAppSecret   = "demo-app-secret"
	demoPageID      = "demo-page"
	demoTwilioSID   = "AC00000000000000000000000000000001"
	demoTwilioToken = "demo-twilio-token"
	demoNumber      = "+15005550006"
	demoMailDomain  = "demo.omni.test"
)

// channelConfig points every messaging channel at the stand-ins, and the
// inbound mail listener at smtpAddr.
func channelConfig(addr, smtpAddr string, s *StandIns) config.Channels {
	return config.Channels{
		PublicURL:  "http://" + addr,
		AutoAssign: true,
		Messenger: config.Messenger{PageToken: "demo-page-token", AppSecret: demoAppSecret, VerifyToken: "demo-verify",
			PageUsername: "omnidemoshop", APIBase: s.MessengerURL},
		Twilio: config.Twilio{AccountSID: demoTwilioSID, AuthToken: demoTwilioToken, Number: demoNumber, APIBase: s.TwilioURL},
		Email: config.Email{SMTPAddr: smtpAddr, Domain: demoMailDomain, Accept: []string{demoMailDomain},
			Relay: s.SMTPAddr, From: "Omni demo shop <shop@" + demoMailDomain + ">"},
	}
}

func platforms(c config.Channels, s *Setup) simulate.Platforms {
	return simulate.Platforms{
		ChatKey: s.WriteKeys["Website chat"], MessengerSecret: demoAppSecret, MessengerPageID: demoPageID,
		TwilioToken: demoTwilioToken, TwilioAccountSID: demoTwilioSID, TwilioNumber: demoNumber,
		PublicURL: c.PublicURL, SMTPAddr: c.Email.SMTPAddr, MailTo: "help@" + demoMailDomain,
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
