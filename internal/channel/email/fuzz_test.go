package email

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, only fails with its typed
// errors, respects its limits and always returns valid UTF-8 text.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(simpleMessage))
	limits := Limits{MaxAttachmentBytes: 4096, MaxTotalAttachmentBytes: 8192, MaxTextBytes: 8192, MaxParts: 20, MaxDepth: 5}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(bytes.NewReader(raw), limits)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		var total int64
		for _, a := range m.Attachments {
			if a.Size != int64(len(a.Data)) || a.Size > limits.MaxAttachmentBytes {
				t.Fatalf("attachment %q size %d, data %d", a.Filename, a.Size, len(a.Data))
			}
			total += a.Size
		}
		if total > limits.MaxTotalAttachmentBytes {
			t.Fatalf("attachments total %d over limit", total)
		}
		for _, s := range []string{m.Text, m.VisibleText, m.Subject, m.From.Name, m.From.Email, m.MessageID} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8: %q", s)
			}
		}
		if len(m.VisibleText) > len(m.Text)+1 {
			t.Fatalf("VisibleText longer than Text")
		}
		_ = m.ThreadKeys()
	})
}
