package ingest

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/identity"
)

// The size limits of Segment's Tracking API, measured on the decompressed
// body. Over either, the request is answered 400, as Segment does.
const (
	MaxEventBytes = 32 << 10  // one call, alone or inside a batch
	MaxBatchBytes = 500 << 10 // one batch request
)

// BatchEndpoint is the endpoint argument of Decode for /v1/batch bodies.
const BatchEndpoint Type = "batch"

// Options carries what the server knows about a request.
type Options struct {
	ReceivedAt time.Time // when the request arrived
	IP         string    // the client's address, set as context.ip when the call has none
}

// Request is a decoded tracking request.
type Request struct {
	WriteKey string // the body's writeKey, when it has one
	Events   []Event
}

// Decode reads the body of a tracking request. endpoint is the call type of
// /v1/identify, /v1/track… or BatchEndpoint. A request is accepted whole or
// rejected whole: the first invalid call fails it with an Invalid error that
// names the field, e.g. "batch[3].userId".
func Decode(body []byte, endpoint Type, opt Options) (Request, error) {
	if opt.ReceivedAt.IsZero() {
		opt.ReceivedAt = time.Now()
	}
	opt.ReceivedAt = opt.ReceivedAt.UTC().Truncate(time.Millisecond)
	limit := MaxEventBytes
	if endpoint == BatchEndpoint {
		limit = MaxBatchBytes
	}
	if len(body) > limit {
		return Request{}, apperr.InvalidField("body", "is %d bytes; the limit is %d bytes", len(body), limit)
	}
	start := skipSpace(body, 0)
	if start == len(body) {
		return Request{}, apperr.InvalidField("body", "is empty; a JSON object is required")
	}
	end, err := scanValue(body, start, 0)
	if err == nil && skipSpace(body, end) != len(body) {
		err = errAt(end, "data after the JSON value")
	}
	if err != nil {
		return Request{}, apperr.InvalidField("body", "%v", err)
	}
	obj := body[start:end]
	if obj[0] != '{' {
		return Request{}, apperr.InvalidField("body", "must be a JSON object, not %s", kind(obj))
	}
	if endpoint == BatchEndpoint {
		return decodeBatch(obj, opt)
	}
	if !validType(endpoint) {
		return Request{}, fmt.Errorf("decode: unknown endpoint type %q", endpoint)
	}
	f, err := readFields(obj)
	if err != nil {
		return Request{}, apperr.InvalidField("body", "%v", err)
	}
	key, err := writeKeyOf(obj)
	if err != nil {
		return Request{}, err
	}
	ev, err := buildEvent(obj, f, endpoint, call{opt: opt})
	if err != nil {
		return Request{}, err
	}
	return Request{WriteKey: key, Events: []Event{ev}}, nil
}

func validType(t Type) bool {
	for _, x := range Types {
		if x == t {
			return true
		}
	}
	return false
}

func writeKeyOf(obj []byte) (string, error) {
	var key string
	err := eachMember(obj, func(m member) error {
		if string(m.key) == "writeKey" {
			var err error
			key, err = stringValue("writeKey", obj[m.start:m.end])
			return err
		}
		return nil
	})
	return key, err
}

// call is what a call shares with its batch.
type call struct {
	opt     Options
	prefix  string // "batch[3]." inside a batch
	sentAt  []byte // the batch's sentAt
	context []byte // the batch's context, merged under each call's
}

func decodeBatch(obj []byte, opt Options) (Request, error) {
	var req Request
	var items [][2]int
	var shared call
	shared.opt = opt
	haveBatch := false
	err := eachMember(obj, func(m member) error {
		v := obj[m.start:m.end]
		switch string(m.key) {
		case "batch":
			if v[0] != '[' {
				return apperr.InvalidField("batch", "must be an array, not %s", kind(v))
			}
			haveBatch = true
			items = items[:0]
			return eachElement(v, func(s, e int) error {
				items = append(items, [2]int{m.start + s, m.start + e})
				return nil
			})
		case "writeKey":
			var err error
			req.WriteKey, err = stringValue("writeKey", v)
			return err
		case "sentAt":
			shared.sentAt = v
		case "context":
			if err := checkObject("context", v); err != nil {
				return err
			}
			shared.context = v
		}
		return nil
	})
	if err != nil {
		return Request{}, err
	}
	if !haveBatch {
		return Request{}, apperr.InvalidField("batch", "is required: an array of calls")
	}
	req.Events = make([]Event, 0, len(items))
	for i, it := range items {
		raw := obj[it[0]:it[1]]
		c := shared
		c.prefix = "batch[" + strconv.Itoa(i) + "]."
		ev, err := batchItem(raw, c)
		if err != nil {
			return Request{}, err
		}
		req.Events = append(req.Events, ev)
	}
	return req, nil
}

func batchItem(raw []byte, c call) (Event, error) {
	field := c.prefix[:len(c.prefix)-1]
	if len(raw) > MaxEventBytes {
		return Event{}, apperr.InvalidField(field, "is %d bytes; the limit for one call is %d bytes", len(raw), MaxEventBytes)
	}
	if raw[0] != '{' {
		return Event{}, apperr.InvalidField(field, "must be an object, not %s", kind(raw))
	}
	f, err := readFields(raw)
	if err != nil {
		return Event{}, apperr.InvalidField(field, "%v", err)
	}
	ts, err := stringValue(c.prefix+"type", f.typ)
	if err != nil {
		return Event{}, err
	}
	t := Type(ts)
	if !validType(t) {
		return Event{}, apperr.InvalidField(c.prefix+"type", "%q is not a call type (want identify, track, page, screen, group or alias)", ts)
	}
	return buildEvent(raw, f, t, c)
}

// buildEvent validates one call and makes its Event and payload.
func buildEvent(raw []byte, f fields, t Type, c call) (Event, error) {
	p := c.prefix
	ev := Event{Type: t, ReceivedAt: c.opt.ReceivedAt}
	for _, o := range []struct {
		name string
		v    []byte
	}{{"context", f.context}, {"traits", f.traits}, {"properties", f.properties}, {"integrations", f.integrations}} {
		if err := checkObject(p+o.name, o.v); err != nil {
			return Event{}, err
		}
	}
	userID, err := idValue(p+"userId", f.userID)
	if err != nil {
		return Event{}, err
	}
	anonID, err := idValue(p+"anonymousId", f.anonymousID)
	if err != nil {
		return Event{}, err
	}
	if ev.MessageID, err = stringValue(p+"messageId", f.messageID); err != nil {
		return Event{}, err
	}
	if ev.MessageID == "" {
		ev.MessageID = id.New("api")
	}
	if err := ev.setTimes(p, f.timestamp, c.sentAt, f.sentAt); err != nil {
		return Event{}, err
	}
	ctx, err := readContext(p, f.context)
	if err != nil {
		return Event{}, err
	}
	ev.Channel = ctx.channel
	ids := idList{prefix: p}
	switch t {
	case Alias:
		prev, err := idValue(p+"previousId", f.previousID)
		if err != nil {
			return Event{}, err
		}
		if userID == "" || prev == "" {
			return Event{}, apperr.InvalidField(p+missing(userID, "userId", "previousId"), "is required in an alias call")
		}
		ids.add(identity.AnonymousID, "previousId", prev, true)
	case Track:
		if ev.Name, err = stringValue(p+"event", f.event); err != nil {
			return Event{}, err
		}
		if ev.Name == "" {
			return Event{}, apperr.InvalidField(p+"event", "is required in a track call")
		}
	case Page, Screen:
		if ev.Name, err = stringValue(p+"name", f.name); err != nil {
			return Event{}, err
		}
	case Group:
		if ev.Name, err = idValue(p+"groupId", f.groupID); err != nil {
			return Event{}, err
		}
		if ev.Name == "" {
			return Event{}, apperr.InvalidField(p+"groupId", "is required in a group call")
		}
	case Identify:
		if ev.Traits, err = traitMap(p+"traits", f.traits); err != nil {
			return Event{}, err
		}
	}
	if userID == "" && anonID == "" && t != Alias {
		return Event{}, apperr.InvalidField(p+"userId", "userId or anonymousId is required")
	}
	ids.add(identity.UserID, "userId", userID, true)
	ids.add(identity.AnonymousID, "anonymousId", anonID, true)
	if t == Identify {
		email, phone, err := contactTraits(p+"traits", f.traits)
		if err != nil {
			return Event{}, err
		}
		ids.add(identity.Email, "traits.email", email, false)
		ids.add(identity.Phone, "traits.phone", phone, false)
	}
	ids.add(identity.Email, "context.traits.email", ctx.email, false)
	ids.add(identity.Phone, "context.traits.phone", ctx.phone, false)
	ids.add(identity.DeviceID, "context.device.id", ctx.deviceID, false)
	if ids.err != nil {
		return Event{}, ids.err
	}
	ev.Identifiers = ids.list
	ev.Payload = buildPayload(raw, &ev, payloadInput{
		original: f.timestamp, sentAt: pick(f.sentAt, c.sentAt),
		context: f.context, batchContext: c.context, ip: c.opt.IP, hasIP: ctx.hasIP,
	})
	return ev, nil
}

func missing(userID, a, b string) string {
	if userID == "" {
		return a
	}
	return b
}

func pick(v, fallback []byte) []byte {
	if isNull(v) {
		return fallback
	}
	return v
}

func (ev *Event) setTimes(p string, timestamp, batchSentAt, sentAt []byte) error {
	var original, sent time.Time
	if s, err := stringValue(p+"timestamp", timestamp); err != nil {
		return err
	} else if s != "" {
		if original, err = parseTime(p+"timestamp", s); err != nil {
			return err
		}
	}
	sentField, sentRaw := p+"sentAt", sentAt
	if isNull(sentRaw) {
		sentField, sentRaw = "sentAt", batchSentAt
	}
	if s, err := stringValue(sentField, sentRaw); err != nil {
		return err
	} else if s != "" {
		if sent, err = parseTime(sentField, s); err != nil {
			return err
		}
	}
	var err error
	ev.Original = original
	ev.Timestamp, err = correctSkew(p+"timestamp", ev.ReceivedAt, original, sent)
	return err
}

// idList collects a call's identifiers. Ids the call is keyed by (userId,
// anonymousId, previousId) must be valid; contact details and device ids
// that cannot be identifiers are left out of resolution but kept in the
// payload and traits.
type idList struct {
	prefix string
	list   []identity.Identifier
	err    error
}

func (l *idList) add(t identity.Type, field, value string, required bool) {
	if value == "" || l.err != nil {
		return
	}
	ident, err := identity.New(t, value)
	if err != nil {
		if required {
			var e *apperr.Error
			if errors.As(err, &e) {
				l.err = apperr.InvalidField(l.prefix+field, "%s", e.Message)
			} else {
				l.err = err
			}
		}
		return
	}
	l.list = append(l.list, ident)
}
