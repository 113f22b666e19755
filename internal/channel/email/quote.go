package email

import (
	"regexp"
	"strings"
)

var (
	// attributionStart matches the start of a reply attribution line such as
	// Gmail's "On Mon, Jan 8, 2024 at 9:12 AM Jane <jane@example.com> wrote:"
	// or Apple Mail's "On 8 Jan 2024, at 09:12, Jane wrote:", in English and a
	// few other common client languages.
	attributionStart = regexp.MustCompile(`(?i)^\s*(on|le|am|el|il|op|em|den|på)\s`)
	attributionEnd   = regexp.MustCompile(`(?i)(^|\s)(wrote|a écrit|schrieb|escribió|ha scritto|schreef|escreveu|skrev)\s*:\s*$|\sschrieb\s.*:\s*$`)
	// originalMessage matches Outlook's and similar separators above an
	// unquoted copy of the message being replied to.
	originalMessage = regexp.MustCompile(`(?i)^\s*-{2,}\s*(original message|reply message|ursprüngliche nachricht|message d'origine|mensaje original)\s*-{2,}\s*$`)
	underscoreRule  = regexp.MustCompile(`^\s*_{10,}\s*$`)
	headerFrom      = regexp.MustCompile(`(?i)^\s*\*?(from|von|de)\s?:\*?\s`)
	headerSent      = regexp.MustCompile(`(?i)^\s*\*?(sent|date|gesendet|envoyé|enviado)\s?:\*?\s`)
	headerSubject   = regexp.MustCompile(`(?i)^\s*\*?(subject|to|betreff|objet|asunto)\s?:\*?\s`)
)

// VisibleText returns the part of a plain-text reply that its sender wrote
// this time: it removes "> " quoted lines, the attribution line above a quote
// ("On … wrote:"), everything from an Outlook "-----Original Message-----"
// separator or "From:/Sent:/Subject:" header block on, and the signature after
// a "-- " line. Answers interleaved between quoted blocks are kept.
func VisibleText(text string) string {
	lines := strings.Split(normalizeNewlines(text), "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case isSignatureDelimiter(line), isOriginalMessage(lines, i):
			return joinLines(out)
		case isQuoted(line):
			continue
		}
		if n := attributionLines(lines, i); n > 0 {
			if quoteIsFinal(lines, i+n) {
				return joinLines(out)
			}
			i += n - 1
			continue
		}
		out = append(out, strings.TrimRight(line, " \t"))
	}
	return joinLines(out)
}

func isQuoted(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " \t"), ">")
}

func isSignatureDelimiter(line string) bool {
	return line == "-- " || line == "--"
}

// isOriginalMessage reports whether lines[i] starts a copy of the original
// message in Outlook's style: a separator line, or a header block of From:
// followed by Sent:/Date: and Subject:/To: lines.
func isOriginalMessage(lines []string, i int) bool {
	if originalMessage.MatchString(lines[i]) {
		return true
	}
	if underscoreRule.MatchString(lines[i]) && i+1 < len(lines) && headerFrom.MatchString(lines[i+1]) {
		return true
	}
	if !headerFrom.MatchString(lines[i]) {
		return false
	}
	var sent, subject bool
	for j := i + 1; j < len(lines) && j <= i+4; j++ {
		sent = sent || headerSent.MatchString(lines[j])
		subject = subject || headerSubject.MatchString(lines[j])
	}
	return sent && subject
}

// attributionLines returns how many lines (1 or 2, when a client wrapped it)
// the attribution starting at lines[i] spans, or 0 when there is none.
func attributionLines(lines []string, i int) int {
	if !attributionStart.MatchString(lines[i]) {
		return 0
	}
	if attributionEnd.MatchString(lines[i]) {
		return 1
	}
	if i+1 < len(lines) && !isQuoted(lines[i+1]) && attributionEnd.MatchString(lines[i+1]) &&
		len(lines[i])+len(lines[i+1]) < 300 {
		return 2
	}
	return 0
}

// quoteIsFinal reports whether the text from lines[from] on is only the
// quoted original (or an unquoted copy of it), so that everything from the
// attribution on can be cut. It is false for interleaved replies, where new
// text follows a quoted block.
func quoteIsFinal(lines []string, from int) bool {
	j := from
	for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
		j++
	}
	if j == len(lines) || !isQuoted(lines[j]) {
		return true
	}
	for ; j < len(lines); j++ {
		if isSignatureDelimiter(lines[j]) {
			return true
		}
		if strings.TrimSpace(lines[j]) != "" && !isQuoted(lines[j]) {
			return false
		}
	}
	return true
}

// joinLines joins lines, dropping leading and trailing blank lines and
// collapsing runs of blank lines into one.
func joinLines(lines []string) string {
	var b strings.Builder
	blank := false
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			blank = b.Len() > 0
			continue
		}
		if blank {
			b.WriteString("\n")
			blank = false
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(l)
	}
	return b.String()
}
