package ingest

import (
	"slices"
	"unicode/utf8"
)

// payloadInput is what buildPayload adds to a call.
type payloadInput struct {
	original     []byte // the client's timestamp member, kept as originalTimestamp
	sentAt       []byte // the call's or its batch's sentAt
	context      []byte // the call's context
	batchContext []byte // the batch's context, merged under the call's
	ip           string // the client's address
	hasIP        bool   // the call's context has an ip
}

// buildPayload returns the call as received with the server's members set:
// type, messageId, timestamp (corrected), originalTimestamp, sentAt,
// receivedAt, and context with the batch's context merged in and the
// client's ip when it has none. writeKey is dropped. Members keep their
// order; the server's follow them.
func buildPayload(raw []byte, ev *Event, in payloadInput) []byte {
	mergeCtx := !isNull(in.batchContext) && len(in.batchContext) > 2
	addIP := in.ip != "" && !in.hasIP
	rewriteCtx := mergeCtx || addIP
	out := make([]byte, 0, len(raw)+len(in.batchContext)+200)
	out = append(out, '{')
	sep := func() {
		if len(out) > 1 {
			out = append(out, ',')
		}
	}
	_ = eachMember(raw, func(m member) error {
		name := string(m.key)
		if m.keyEscaped {
			name = m.name()
		}
		if slices.Contains(serverSet, name) || (rewriteCtx && name == "context") {
			return nil
		}
		sep()
		out = append(out, raw[m.kstart:m.end]...)
		return nil
	})
	sep()
	out = append(out, `"type":`...)
	out = appendString(out, string(ev.Type))
	out = append(out, `,"messageId":`...)
	out = appendString(out, ev.MessageID)
	out = append(out, `,"timestamp":`...)
	out = appendTime(out, ev.Timestamp)
	out = append(out, `,"receivedAt":`...)
	out = appendTime(out, ev.ReceivedAt)
	if !isNull(in.original) {
		out = append(append(out, `,"originalTimestamp":`...), in.original...)
	}
	if !isNull(in.sentAt) {
		out = append(append(out, `,"sentAt":`...), in.sentAt...)
	}
	if rewriteCtx {
		out = append(out, `,"context":`...)
		out = appendContext(out, in, mergeCtx, addIP)
	}
	return append(out, '}')
}

// appendContext writes the call's context members, then the batch context's
// members the call does not set, then ip.
func appendContext(out []byte, in payloadInput, mergeCtx, addIP bool) []byte {
	out = append(out, '{')
	n := 0
	var seen []string
	add := func(src []byte, skipSeen bool) {
		if isNull(src) {
			return
		}
		_ = eachMember(src, func(m member) error {
			name := m.name()
			if skipSeen && slices.Contains(seen, name) {
				return nil
			}
			if !skipSeen {
				seen = append(seen, name)
			}
			if n > 0 {
				out = append(out, ',')
			}
			n++
			out = append(out, src[m.kstart:m.end]...)
			return nil
		})
	}
	add(in.context, false)
	if mergeCtx {
		add(in.batchContext, true)
	}
	if addIP && !slices.Contains(seen, "ip") {
		if n > 0 {
			out = append(out, ',')
		}
		out = append(out, `"ip":`...)
		out = appendString(out, in.ip)
	}
	return append(out, '}')
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
			i++
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			i++
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	return append(b, '"')
}
