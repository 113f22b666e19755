package dashboard_test

import (
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/dashboard/browsertest"
)

// TestBrowserSections drives the connected sections in headless Chromium:
// an agent opens a conversation from the inbox, sees the customer's order in
// the panel, replies (the reply shows in the thread without a reload) and
// sees the customer's next message arrive live; the owner creates a
// promotion and finds it listed, creates an abandoned-cart journey with the
// form (a bad template is refused in place first), prepares a pickup and
// hands it over, builds a segment in the editor (changing a row's field,
// adding and removing a row, with the live preview), saves it and sees its
// members, its count in the list and the segment on the member's profile,
// sees the campaign form render a sample message as it is typed, then
// connects Messenger: the status turns on and a message signed with
// the app secret just saved shows as the last one received.
func TestBrowserSections(t *testing.T) {
	if browsertest.Binary() == "" {
		t.Skip("no Chromium found; install the Debian package chromium to run browser tests")
	}
	w := startWorld(t)
	conv := w.chat(t, "Where is my parcel?")
	o := w.pickupOrder(t)
	b := browsertest.New(t, w.URL)

	b.Go("/login")
	b.Fill("#email", logins[auth.ScopeAgent])
	b.Fill("#password", password)
	b.ClickAndWait("#sign-in")
	b.WaitText("h1", "Inbox")
	b.ClickAndWait(`#conversation-rows a[href="/inbox/` + conv.ID + `"]`)
	b.WaitText("#thread", "Where is my parcel?")
	if got := b.Text("#panel-orders"); !strings.Contains(got, o.ID) {
		t.Errorf("customer panel orders: %q, want %s", got, o.ID)
	}
	b.Fill("#reply-body", "It is ready in Paris.")
	b.Click("#send-reply")
	b.WaitText("#thread li.out", "It is ready in Paris.")
	if n := b.Count(`#thread li.out[data-channel="chat"]`); n != 1 {
		t.Errorf("%d replies marked chat, want 1", n)
	}
	if got := b.Text("#reply-body"); got != "" {
		t.Errorf("reply box keeps %q after sending", got)
	}
	w.chat(t, "Thanks, on my way!")
	b.WaitText("#thread li.in:last-child", "Thanks, on my way!")
	b.ClickAndWait("#assign-me")
	b.WaitText("#conversation-assignee", "me")
	b.ClickAndWait("#resolve")
	b.WaitText("#conversation-status", "resolved")

	b.ClickAndWait("header form button")
	b.WaitText("h1", "Sign in")
	b.Fill("#email", logins[auth.ScopeAdmin])
	b.Fill("#password", password)
	b.ClickAndWait("#sign-in")
	b.Go("/promotions")
	b.Fill("#promo-name", "Welcome")
	b.Select("#promo-kind", "percent_off")
	b.Fill("#promo-value", "15")
	b.Fill("#promo-code", "hello15")
	b.Click(`input[name="channels"][value="web"]`)
	b.ClickAndWait("#create-promotion")
	row := b.WaitText("#promotions tr.created", "Welcome")
	if !strings.Contains(row, "HELLO15") || !strings.Contains(row, "15% off") || !strings.Contains(row, "web") {
		t.Errorf("created promotion row %q", row)
	}

	b.Go("/journeys")
	b.WaitText("#no-journeys", "No journeys yet")
	b.Fill("#journey-name", "Cart reminder")
	b.Select("#journey-kind", "abandoned_cart")
	b.Fill("#journey-wait", "45")
	b.Click(`input[name="channels"][value="email"]`)
	b.Fill("#journey-template", "Hi {{.Customer.Nickname}}")
	b.Click("#save-journey")
	b.WaitText("#journey-error", "template:")
	if got := b.Path(); got != "/journeys" {
		t.Errorf("a refused journey left the page for %s", got)
	}
	b.Fill("#journey-template", "Hi {{.Customer.FirstName}}, your cart: {{.CartURL}}")
	b.ClickAndWait("#save-journey")
	b.WaitText("#journey-done", "Journey created.")
	b.WaitText("h1", "Cart reminder")
	if got := b.Text("#journey-summary"); !strings.Contains(got, "wait 45 min") || !strings.Contains(got, "on") {
		t.Errorf("journey summary %q", got)
	}
	b.Go("/journeys")
	row = b.WaitText("#journeys tr.journey", "Cart reminder")
	if !strings.Contains(row, "abandoned cart") || !strings.Contains(row, "45 min") || !strings.Contains(row, "email") {
		t.Errorf("journey row %q", row)
	}

	b.Go("/orders")
	b.WaitText("#pickup-"+o.ID, "Mug")
	b.ClickAndWait("#pickup-" + o.ID + " button.mark-ready")
	b.WaitText("#pickup-"+o.ID+".ready", "ready")
	b.Select("#pickup-"+o.ID+` select[name="method"]`, "card_terminal")
	b.ClickAndWait("#pickup-" + o.ID + " button.picked-up")
	b.WaitText("#no-pickups", "No pickups waiting")
	if got := b.Text("#order-" + o.ID + " .status"); got != "picked_up" {
		t.Errorf("order status after pickup: %q", got)
	}
	browseSegments(t, b, w)

	// The campaign form renders its sample message as it is typed.
	b.Go("/campaigns/new")
	b.WaitText("#campaign-audience", "1")
	b.Fill("#campaign-body", "Spring is here, {{first_name|friend}}")
	b.WaitText("#campaign-sample-body", "Spring is here, Ann")

	b.Go("/channels/messenger")
	b.WaitText("#channel-state", "not configured")
	b.Fill("#f-app_secret", browserAppSecret)
	b.Fill("#f-verify_token", "verify-in-browser")
	b.Fill("#f-page_token", "EAAG-browser-page-token")
	b.ClickAndWait("#save-settings")
	b.WaitText("p.notice", "Saved")
	b.WaitText("#channel-state", "on")
	if got := b.Text(`.secret-state[data-field="app_secret"]`); got != "set (ends …0042), stored unencrypted" {
		t.Errorf("the app secret shows as %q", got)
	}
	if got := b.Text("#last-received"); got != "never" {
		t.Errorf("last message received before any: %q", got)
	}
	if code := postSignedMessenger(t, w.URL, browserAppSecret, "880011", "Hello from the browser test"); code != 200 {
		t.Fatalf("webhook signed with the saved secret: %d", code)
	}
	b.Go("/channels/messenger")
	b.WaitText("#last-received", "just now")
	b.Go("/channels")
	b.WaitText(`#connections tr[data-channel="messenger"] .conn-state`, "on")
	for _, e := range b.PageErrors() {
		t.Errorf("page error: %s", e)
	}
}

// waitSettled waits until htmx has settled what it swapped in: only then
// are the new elements' own triggers wired, and a click or change before
// that is lost.
func waitSettled(b *browsertest.Browser) {
	b.Wait("htmx settled", `!document.querySelector(".htmx-settling, .htmx-added, .htmx-swapping, .htmx-request")`)
}

// browseSegments creates "Messenger people" through the editor as the
// signed-in owner.
func browseSegments(t *testing.T, b *browsertest.Browser, w *world) {
	b.Go("/segments")
	b.ClickAndWait("#new-segment")
	b.WaitText("#preview-count", "1") // the first row: on two channels or more
	b.Fill("#segment-name-input", "Messenger people")
	waitSettled(b)
	b.Select(`select[name="c0.field"]`, "channel")
	b.WaitCount(`input[name="c0.value"][placeholder^="web, app"]`, 1)
	waitSettled(b)
	b.Fill(`input[name="c0.value"]`, "messenger")
	b.WaitText("#segment-preview", "Ann Archer")
	b.Click("#add-condition")
	b.WaitCount("#condition-1", 1)
	waitSettled(b)
	b.Select(`select[name="c1.field"]`, "last_seen")
	b.WaitCount(`input[name="c1.days"]`, 1)
	waitSettled(b)
	b.Click("#condition-1 button.remove")
	b.Wait("one row left", `document.querySelectorAll("#condition-rows .condition").length === 1`)
	if got := b.Text("#preview-count"); got != "1" {
		t.Errorf("preview count %q, want 1 (Ann)", got)
	}
	b.ClickAndWait("#save-segment")
	b.WaitText("#segment-saved", "Saved")
	if got := b.WaitText("#tile-members .figure .count", "1"); got != "1" {
		t.Errorf("members tile %q, want 1", got)
	}
	b.WaitText("#segment-members", "Ann Archer")
	b.Go("/segments")
	b.WaitText("#segments tr.segment .member-count", "1")
	b.ClickAndWait("#segments a.segment-link")
	b.ClickAndWait(`#segment-members a[href="/customers/` + w.ann + `"]`)
	b.WaitText("#panel-segments", "Messenger people")
}
