package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// A small validating JSON scanner. The tracking API keeps every event as it
// was received, so instead of decoding into maps and encoding again it walks
// the bytes once: it checks the grammar, finds the members it needs and
// leaves everything else untouched. This is the hot path of ingestion.

// maxDepth bounds nesting, so that a body of 500 KB of '[' costs nothing.
const maxDepth = 64

// syntaxError is malformed JSON at a byte offset.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("malformed JSON at byte %d: %s", e.off, e.msg)
}

func errAt(off int, format string, args ...any) error {
	return &syntaxError{off: off, msg: fmt.Sprintf(format, args...)}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanValue checks the value starting at b[i] (no leading space) and returns
// the offset just after it.
func scanValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, errAt(i, "unexpected end of input")
	}
	switch c := b[i]; {
	case c == '"':
		end, _, err := scanString(b, i)
		return end, err
	case c == '{':
		return scanObject(b, i, depth+1)
	case c == '[':
		return scanArray(b, i, depth+1)
	case c == 't':
		return scanLiteral(b, i, "true")
	case c == 'f':
		return scanLiteral(b, i, "false")
	case c == 'n':
		return scanLiteral(b, i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(b, i)
	default:
		return i, errAt(i, "unexpected character %q", rune(c))
	}
}

func scanLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, errAt(i, "invalid literal")
	}
	return i + len(lit), nil
}

func scanNumber(b []byte, i int) (int, error) {
	start := i
	if b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return i, errAt(start, "invalid number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return i, errAt(start, "invalid number")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return i, errAt(start, "invalid number")
		}
	}
	return i, nil
}

// scanString checks the string whose opening quote is b[i]; it returns the
// offset after the closing quote and whether the string holds escapes.
func scanString(b []byte, i int) (end int, escaped bool, err error) {
	start := i
	i++
	for i < len(b) {
		for i < len(b) && plainByte[b[i]] {
			i++
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				return i, escaped, errAt(i, "unterminated escape")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
					return i, escaped, errAt(i, "invalid \\u escape")
				}
				i += 6
			default:
				return i, escaped, errAt(i, "invalid escape")
			}
		case c < 0x20:
			return i, escaped, errAt(i, "control character in string")
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return i, escaped, errAt(i, "invalid UTF-8")
			}
			i += size
		}
	}
	return i, escaped, errAt(start, "unterminated string")
}

// plainByte marks the bytes a string may hold as they are: printable ASCII
// other than the quote and the backslash.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex4(h []byte) bool {
	for _, c := range h {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// member is one member of an object: the raw key (without quotes) and the
// span of its value.
type member struct {
	key        []byte
	keyEscaped bool
	kstart     int // offset of the key's opening quote
	start, end int // the value
}

// name returns the member's key as a string.
func (m member) name() string {
	if !m.keyEscaped {
		return string(m.key)
	}
	return unescape(m.key)
}

// scanObject checks the object starting at b[i].
func scanObject(b []byte, i, depth int) (int, error) {
	if depth > maxDepth {
		return i, errAt(i, "nested deeper than %d levels", maxDepth)
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return i, errAt(i, "expected a member name")
		}
		kEnd, _, err := scanString(b, i)
		if err != nil {
			return i, err
		}
		i = skipSpace(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return i, errAt(i, "expected ':'")
		}
		i = skipSpace(b, i+1)
		if i, err = scanValue(b, i, depth); err != nil {
			return i, err
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, errAt(i, "unexpected end of input")
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return i + 1, nil
		default:
			return i, errAt(i, "expected ',' or '}'")
		}
	}
}

// scanArray checks the array starting at b[i].
func scanArray(b []byte, i, depth int) (int, error) {
	if depth > maxDepth {
		return i, errAt(i, "nested deeper than %d levels", maxDepth)
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = scanValue(b, i, depth); err != nil {
			return i, err
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, errAt(i, "unexpected end of input")
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			return i + 1, nil
		default:
			return i, errAt(i, "expected ',' or ']'")
		}
	}
}

// eachMember walks an object value already checked by scanValue, calling fn
// for each member. It trusts the grammar and only finds boundaries, so the
// body is validated once however many times its parts are read.
func eachMember(v []byte, fn func(m member) error) error {
	i := skipSpace(v, 1)
	for i < len(v) && v[i] == '"' {
		kEnd := skipString(v, i)
		m := member{key: v[i+1 : kEnd-1], kstart: i}
		m.keyEscaped = bytes.IndexByte(m.key, '\\') >= 0
		i = skipSpace(v, kEnd)
		i = skipSpace(v, i+1) // past ':'
		m.start = i
		i = skipValue(v, i)
		m.end = i
		if err := fn(m); err != nil {
			return err
		}
		i = skipSpace(v, i)
		if i >= len(v) || v[i] != ',' {
			break
		}
		i = skipSpace(v, i+1)
	}
	return nil
}

// eachElement walks an array value already checked by scanValue.
func eachElement(v []byte, fn func(start, end int) error) error {
	i := skipSpace(v, 1)
	for i < len(v) && v[i] != ']' {
		start := i
		i = skipValue(v, i)
		if err := fn(start, i); err != nil {
			return err
		}
		i = skipSpace(v, i)
		if i >= len(v) || v[i] != ',' {
			break
		}
		i = skipSpace(v, i+1)
	}
	return nil
}

// skipString returns the offset after the checked string starting at b[i].
func skipString(b []byte, i int) int {
	i++
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return len(b)
		}
		i += j
		n := 0
		for k := i - 1; k >= 0 && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return i + 1
		}
		i++
	}
}

// skipValue returns the offset after the checked value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// unescape decodes the contents of a checked JSON string (without quotes).
func unescape(raw []byte) string {
	var s string
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	if err := json.Unmarshal(quoted, &s); err != nil {
		// Unreachable for strings that passed scanString.
		return strings.ToValidUTF8(string(raw), "\uFFFD")
	}
	return s
}

// kind names the JSON type of a value by its first byte.
func kind(v []byte) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
