package email

import (
	"strings"
	"testing"
)

func TestVisibleText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Hello\nthere\n", "Hello\nthere"},
		{"gmail one line", "Yes please.\n\nOn Mon, Jan 8, 2024 at 9:12 AM Sam <sam@shop.example> wrote:\n> Want a refund?\n> Sam\n",
			"Yes please."},
		{"gmail wrapped attribution", "Yes.\n\nOn Mon, Jan 8, 2024 at 9:12 AM Omni Shop Support <\nsupport@shop.example> wrote:\n\n> Hi\n",
			"Yes."},
		{"apple mail", "Thanks!\n\n> On 8 Jan 2024, at 09:12, Sam <sam@shop.example> wrote:\n> \n> Hi\n", "Thanks!"},
		{"french", "Merci\n\nLe lun. 8 janv. 2024 à 09:12, Sam <sam@shop.example> a écrit :\n> Bonjour\n", "Merci"},
		{"german", "Danke\n\nAm Mo., 8. Jan. 2024 um 09:12 Uhr schrieb Sam <sam@shop.example>:\n> Hallo\n", "Danke"},
		{"outlook original message", "See below.\n\n-----Original Message-----\nFrom: Sam\nSent: Monday\nTo: Bob\nSubject: Hi\n\nHello Bob",
			"See below."},
		{"outlook underscore rule", "Fine.\n\n________________________________\nFrom: Sam <sam@shop.example>\nSent: Monday\n\nHello",
			"Fine."},
		{"outlook header block", "Okay.\n\nFrom: Sam <sam@shop.example>\nSent: Monday, January 8, 2024 4:00 PM\nTo: Bob\nSubject: Refund\n\nHi Bob",
			"Okay."},
		{"signature", "Where is my parcel?\n\n-- \nJane Doe\nACME Corp\n", "Where is my parcel?"},
		{"signature without trailing space", "Where?\n--\nJane", "Where?"},
		{"interleaved answers kept", "On Mon, Sam wrote:\n> What size?\nM please\n\n> What colour?\nBlue\n",
			"M please\n\nBlue"},
		{"unquoted original after attribution", "Agreed.\n\nOn Tue, 9 Jan 2024 Sam wrote:\nHello, this is the original.\n",
			"Agreed."},
		{"nested quotes", "Top\n>> old\n> older\n", "Top"},
		{"attribution-like text kept", "On Monday I ordered a mug.\nIt broke.", "On Monday I ordered a mug.\nIt broke."},
		{"from line in text kept", "From: my point of view it is broken.\nPlease help.", "From: my point of view it is broken.\nPlease help."},
		{"crlf and blank runs", "A\r\n\r\n\r\n\r\nB\r\n", "A\n\nB"},
		{"only quote", "> quoted only\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VisibleText(tt.in); got != tt.want {
				t.Errorf("VisibleText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestVisibleTextFromGmailHTML(t *testing.T) {
	m, err := parseFixture(t, "gmail_reply.eml", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	text := htmlToText(m.HTML)
	if !strings.Contains(text, "> Your order #1042 shipped yesterday") {
		t.Errorf("blockquote not quoted in %q", text)
	}
	if got := VisibleText(text); got != m.VisibleText {
		t.Errorf("VisibleText(html) = %q, want the text part's %q", got, m.VisibleText)
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs", "<p>One</p><p>Two</p>", "One\n\nTwo"},
		{"divs and br", "<div>Hello</div><div><br></div><div>Thanks<br>Jane</div>", "Hello\n\nThanks\nJane"},
		{"inline whitespace", "<span>a</span><b>b</b> c\n\n   d", "ab c d"},
		{"lists", "<ul><li>Mug</li><li>Plate</li></ul><ol><li>first</li><li>second</li></ol>", "- Mug\n- Plate\n1. first\n2. second"},
		{"links", `<a href="https://shop.example/t/1">track</a> <a href="https://x.example">https://x.example</a> <a href="mailto:a@b">a@b</a>`,
			"track (https://shop.example/t/1) https://x.example a@b"},
		{"dropped", "<head><title>T</title><style>p{}</style></head><script>alert(1)</script><p>ok<img src=x alt=y></p>", "ok"},
		{"blockquote", "<p>Yes</p><blockquote>old<br>text<blockquote>older</blockquote></blockquote>", "Yes\n\n> old\n> text\n> > older"},
		{"pre", "<pre>a  b\n  c</pre>", "a  b\n  c"},
		{"table", "<table><tr><td>Qty</td><td>2</td></tr><tr><td>Total</td><td>$9</td></tr></table>", "Qty 2\nTotal $9"},
		{"entities", "Fish &amp; chips&nbsp;&lt;3", "Fish & chips <3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := htmlToText(tt.in); got != tt.want {
				t.Errorf("htmlToText(%q) =\n%q\nwant\n%q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHTMLToTextDeepNesting(t *testing.T) {
	in := strings.Repeat("<div>", 5000) + "deep" + strings.Repeat("</div>", 5000) + "<p>after</p>"
	got := htmlToText(in)
	if !strings.Contains(got, "after") {
		t.Errorf("text after deep nesting lost: %q", got[:min(len(got), 100)])
	}
}
