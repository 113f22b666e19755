package ingest

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/identity"
)

// Type is a Segment call type.
type Type string

// The call types of the Tracking API.
const (
	Identify Type = "identify"
	Track    Type = "track"
	Page     Type = "page"
	Screen   Type = "screen"
	Group    Type = "group"
	Alias    Type = "alias"
)

// Types lists the call types.
var Types = []Type{Identify, Track, Page, Screen, Group, Alias}

// Event is one decoded, validated call, ready to be resolved and written.
type Event struct {
	Type      Type
	Name      string // track: event; page and screen: name; group: groupId
	MessageID string
	// Channel is context.channel when the call names one; empty means the
	// source's channel.
	Channel     string
	Identifiers []identity.Identifier
	Traits      map[string]json.RawMessage // identify: the traits to store
	Timestamp   time.Time                  // corrected for the client's clock
	Original    time.Time                  // the client's timestamp as sent; zero when it sent none
	ReceivedAt  time.Time
	Payload     json.RawMessage // the call as received, with server fields set
}

// fields are the members of one call that ingestion reads. Each is a span of
// the call's bytes, nil when absent.
type fields struct {
	typ, userID, anonymousID, messageID, timestamp, sentAt []byte
	event, name, groupID, previousID                       []byte
	context, traits, properties, integrations              []byte
}

// serverSet lists members the server writes itself; the client's values of
// these are replaced (originalTimestamp keeps the client's timestamp).
var serverSet = []string{"type", "messageId", "timestamp", "originalTimestamp", "sentAt", "receivedAt", "writeKey"}

func readFields(raw []byte) (fields, error) {
	var f fields
	err := eachMember(raw, func(m member) error {
		v := raw[m.start:m.end]
		switch string(m.key) {
		case "type":
			f.typ = v
		case "userId":
			f.userID = v
		case "anonymousId":
			f.anonymousID = v
		case "messageId":
			f.messageID = v
		case "timestamp":
			f.timestamp = v
		case "sentAt":
			f.sentAt = v
		case "event":
			f.event = v
		case "name":
			f.name = v
		case "groupId":
			f.groupID = v
		case "previousId":
			f.previousID = v
		case "context":
			f.context = v
		case "traits":
			f.traits = v
		case "properties":
			f.properties = v
		case "integrations":
			f.integrations = v
		}
		return nil
	})
	return f, err
}

// isNull reports whether a member is absent or null.
func isNull(v []byte) bool { return v == nil || (len(v) == 4 && v[0] == 'n') }

// stringValue reads a string member; null and absent give "". field names it
// in errors. Strings may not hold NUL, which no database column accepts.
func stringValue(field string, v []byte) (string, error) {
	if isNull(v) {
		return "", nil
	}
	if v[0] != '"' {
		return "", apperr.InvalidField(field, "must be a string, not %s", kind(v))
	}
	inner := v[1 : len(v)-1]
	s := ""
	if slices.Contains(inner, '\\') {
		s = unescape(inner)
	} else {
		s = string(inner)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "", apperr.InvalidField(field, "must not contain NUL characters")
	}
	return s, nil
}

// idValue reads an identifier member: a string, or a number as Segment's
// libraries sometimes send user ids.
func idValue(field string, v []byte) (string, error) {
	if !isNull(v) && kind(v) == "a number" {
		return string(v), nil
	}
	s, err := stringValue(field, v)
	return strings.TrimSpace(s), err
}

func checkObject(field string, v []byte) error {
	if !isNull(v) && v[0] != '{' {
		return apperr.InvalidField(field, "must be an object, not %s", kind(v))
	}
	return nil
}

// contextFields are what ingestion reads from context.
type contextFields struct {
	channel          string
	hasIP            bool
	email, phone     string
	deviceID         string
	emailF, phoneF   string // field names, for errors
	traits, deviceIn []byte
}

func readContext(prefix string, ctx []byte) (contextFields, error) {
	var c contextFields
	if isNull(ctx) {
		return c, nil
	}
	err := eachMember(ctx, func(m member) error {
		v := ctx[m.start:m.end]
		switch string(m.key) {
		case "channel":
			s, err := stringValue(prefix+"context.channel", v)
			if err != nil {
				return err
			}
			if s != "" && !slices.Contains(auth.Channels, s) {
				return apperr.InvalidField(prefix+"context.channel", "unknown channel %q (want one of %s)",
					s, strings.Join(auth.Channels, ", "))
			}
			c.channel = s
		case "ip":
			c.hasIP = !isNull(v)
		case "traits":
			if err := checkObject(prefix+"context.traits", v); err != nil {
				return err
			}
			c.traits = v
		case "device":
			if err := checkObject(prefix+"context.device", v); err != nil {
				return err
			}
			c.deviceIn = v
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	if c.email, c.phone, err = contactTraits(prefix+"context.traits", c.traits); err != nil {
		return c, err
	}
	if !isNull(c.deviceIn) {
		err = eachMember(c.deviceIn, func(m member) error {
			if string(m.key) == "id" {
				var err error
				c.deviceID, err = idValue(prefix+"context.device.id", c.deviceIn[m.start:m.end])
				return err
			}
			return nil
		})
	}
	return c, err
}

// contactTraits reads the email and phone traits of a traits object.
func contactTraits(field string, traits []byte) (email, phone string, err error) {
	if isNull(traits) {
		return "", "", nil
	}
	err = eachMember(traits, func(m member) error {
		var err error
		switch string(m.key) {
		case "email":
			email, err = stringValue(field+".email", traits[m.start:m.end])
		case "phone":
			phone, err = idValue(field+".phone", traits[m.start:m.end])
		}
		return err
	})
	return email, phone, err
}

// The profile's limits on traits (customer.SetTraitsTx enforces them too);
// checking them here turns a bad call into a 400 before it reaches a shared
// transaction.
const (
	maxTraits    = 200
	maxTraitName = 128
)

// traitMap splits an identify call's traits into keys and raw JSON values.
func traitMap(field string, traits []byte) (map[string]json.RawMessage, error) {
	if isNull(traits) {
		return nil, nil
	}
	out := map[string]json.RawMessage{}
	err := eachMember(traits, func(m member) error {
		k := m.name()
		if k == "" || len(k) > maxTraitName || strings.IndexByte(k, 0) >= 0 {
			return apperr.InvalidField(field, "trait names must have 1 to %d characters and no NUL", maxTraitName)
		}
		out[k] = json.RawMessage(traits[m.start:m.end])
		return nil
	})
	if len(out) > maxTraits {
		return nil, apperr.InvalidField(field, "has %d traits; the limit is %d", len(out), maxTraits)
	}
	return out, err
}
