package loadgen

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// eventGen writes realistic tracking batches: a storefront's mix of product
// views, page views and sign-ins from a population of customers, some of them
// identified, with the context a browser library sends (user agent, page,
// UTM campaign). Events are about 400 bytes each. It appends bytes directly:
// the generator shares the machine with the server under test, so it must
// cost little.
type eventGen struct {
	rnd       *rand.Rand
	run       string // distinguishes runs, so message ids never repeat
	worker    int
	seq       int
	customers int
}

func newEventGen(run string, worker, customers int, seed uint64) *eventGen {
	return &eventGen{rnd: rand.New(rand.NewPCG(seed, uint64(worker))), run: run, worker: worker, customers: customers}
}

var (
	products  = []string{"TEE-BLK-M", "TEE-WHT-L", "HOODIE-GRY-S", "CAP-NVY", "SNEAKER-42", "MUG-LOGO", "SOCKS-3P", "JACKET-RAIN"}
	campaigns = []string{`{"name":"spring_sale","source":"facebook","medium":"cpc"}`,
		`{"name":"newsletter_w18","source":"newsletter","medium":"email"}`,
		`{"name":"retarget_cart","source":"instagram","medium":"paid_social"}`,
		`{"name":"brand","source":"google","medium":"organic"}`}
	agents = []string{
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Version/17.4 Safari/605.1.15",
	}
	pages = []string{"/", "/collections/new", "/collections/sale", "/cart", "/account", "/search?q=hoodie"}
)

// batch appends a batch request body of n events to b.
func (g *eventGen) batch(b []byte, n int, now time.Time) []byte {
	b = append(b, `{"batch":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = g.event(b, now)
	}
	b = append(b, `],"sentAt":"`...)
	b = now.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	return append(b, `"}`...)
}

func (g *eventGen) event(b []byte, now time.Time) []byte {
	c := g.rnd.IntN(g.customers)
	identified := c%4 == 0 // a quarter of the customers have signed in
	kind := g.rnd.IntN(10)
	if kind == 9 && !identified {
		kind = 8
	}
	g.seq++
	b = append(b, `{"messageId":"`...)
	b = append(b, g.run...)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(g.worker), 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(g.seq), 10)
	b = append(b, `","anonymousId":"anon-`...)
	b = strconv.AppendInt(b, int64(c), 10)
	if identified {
		b = append(b, `","userId":"user-`...)
		b = strconv.AppendInt(b, int64(c), 10)
	}
	b = append(b, `","timestamp":"`...)
	b = now.Add(-time.Duration(g.rnd.IntN(500))*time.Millisecond).UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	b = append(b, '"')
	product := products[g.rnd.IntN(len(products))]
	switch {
	case kind < 6:
		b = append(b, `,"type":"track","event":"Product Viewed","properties":{"product_id":"`...)
		b = append(b, product...)
		b = append(b, `","price":`...)
		b = strconv.AppendInt(b, int64(10+g.rnd.IntN(90)), 10)
		b = append(b, `.99,"currency":"EUR","quantity":1}`...)
	case kind < 9:
		path := pages[g.rnd.IntN(len(pages))]
		b = append(b, `,"type":"page","name":"Shop","properties":{"path":"`...)
		b = append(b, path...)
		b = append(b, `","title":"Omni Demo Shop"}`...)
	default:
		b = append(b, `,"type":"identify","traits":{"email":"customer`...)
		b = strconv.AppendInt(b, int64(c), 10)
		b = append(b, `@example.com","plan":"member"}`...)
	}
	b = append(b, `,"context":{"ip":"203.0.113.`...)
	b = strconv.AppendInt(b, int64(c%250+1), 10)
	b = append(b, `","locale":"en-GB","userAgent":"`...)
	b = append(b, agents[c%len(agents)]...)
	b = append(b, `","library":{"name":"analytics.js","version":"2.11.1"},"page":{"path":"/p/`...)
	b = append(b, product...)
	b = append(b, `"},"campaign":`...)
	b = append(b, campaigns[c%len(campaigns)]...)
	return append(b, "}}"...)
}
