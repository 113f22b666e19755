package simulate

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// Persona is one synthetic customer with the identifiers they show on each
// device and channel.
type Persona struct {
	N          int
	Name       string
	Email      string
	Phone      string
	UserID     string
	PhoneAnon  string // anonymous id of their phone's browser
	LaptopAnon string // anonymous id of their home computer's browser
	AppDevice  string // device id of the mobile app
	PSID       string // Messenger page-scoped id
}

var firstNames = []string{"Ann", "Ben", "Chloé", "Dev", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jon", "Kemal", "Lena", "Maya", "Noah"}
var lastNames = []string{"Lee", "Martin", "Novak", "Okafor", "Petit", "Quinn", "Rossi", "Silva", "Tanaka", "Ueda", "Varga", "Weber"}

// NewPersona makes persona n of a run; the same seed and n give the same person.
func NewPersona(seed uint64, n int) Persona {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
	return Persona{
		N: n, Name: first + " " + last,
		Email:      fmt.Sprintf("%s.%s.%d@example.com", lower(first), lower(last), n),
		Phone:      fmt.Sprintf("+1415555%04d", n%10000),
		UserID:     fmt.Sprintf("user-%d-%d", seed, n),
		PhoneAnon:  fmt.Sprintf("anon-phone-%d-%08x", n, rng.Uint32()),
		LaptopAnon: fmt.Sprintf("anon-laptop-%d-%08x", n, rng.Uint32()),
		AppDevice:  fmt.Sprintf("device-%d-%08x", n, rng.Uint32()),
		PSID:       fmt.Sprintf("%d", 7000000000000000+uint64(n)*7919+uint64(rng.IntN(7919))),
	}
}

func lower(s string) string {
	out := []rune{}
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			out = append(out, r+'a'-'A')
		case r < 128:
			out = append(out, r)
		case r == 'é':
			out = append(out, 'e')
		}
	}
	return string(out)
}

// Product is a catalog item a persona may look at and buy.
type Product struct {
	ID, SKU, Name string
	Price         int64 // minor units
	Currency      string
}

// Step is one call a journey makes at a point in time, on a channel: a
// tracking API call, or (Do) a conversation on a messaging channel.
type Step struct {
	At      time.Time
	Channel string         // the source's channel: web, app, ads, email, …
	Call    map[string]any // a tracking API call
	Do      func(ctx context.Context, r *runner) error
}

// Journey returns the tracking calls of one persona's cross-channel journey
// starting at start. The shape: an ad click on the phone carrying a promotion,
// anonymous browsing on the phone, the same person later on the home computer
// signing in (which joins both devices), a purchase for most (the others
// leave the item in their cart), a newsletter read, and a repeat purchase in
// the app for some.
func Journey(p Persona, seed uint64, start time.Time, products []Product, promo string, shop *Shop) []Step {
	rng := rand.New(rand.NewPCG(seed^0xa5a5, uint64(p.N)))
	at := start
	next := func(max time.Duration) time.Time {
		at = at.Add(time.Duration(1+rng.Int64N(int64(max))) + time.Second)
		return at
	}
	item := products[rng.IntN(len(products))]
	campaign := map[string]any{"source": "facebook", "medium": "paid_social", "name": "autumn-sale", "content": item.SKU}
	var steps []Step
	add := func(channel string, call map[string]any) {
		call["timestamp"] = at.UTC().Format(time.RFC3339Nano)
		call["messageId"] = fmt.Sprintf("sim-%d-%d-%d", seed, p.N, len(steps))
		steps = append(steps, Step{At: at, Channel: channel, Call: call})
	}
	phone := map[string]any{"userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)", "campaign": campaign}
	add("ads", map[string]any{"type": "track", "event": "Promotion Clicked", "anonymousId": p.PhoneAnon, "context": phone,
		"properties": map[string]any{"promotion_id": promo, "promotion_code": promo, "creative": "carousel", "product_id": item.ID}})
	next(2 * time.Minute)
	add("web", map[string]any{"type": "page", "name": item.Name, "anonymousId": p.PhoneAnon, "context": phone,
		"properties": map[string]any{"url": "https://shop.example.com/products/" + item.SKU + "?promo=" + promo, "path": "/products/" + item.SKU}})
	next(3 * time.Minute)
	add("web", map[string]any{"type": "track", "event": "Product Viewed", "anonymousId": p.PhoneAnon, "context": phone,
		"properties": productProps(item)})
	if rng.IntN(3) > 0 {
		next(5 * time.Minute)
		add("web", map[string]any{"type": "track", "event": "Product Added", "anonymousId": p.PhoneAnon, "context": phone,
			"properties": productProps(item)})
	}
	service := rng.IntN(10) < 4
	if service {
		next(10 * time.Minute)
		question := fmt.Sprintf("Hi! Does the %s come in other sizes?", item.Name)
		steps = append(steps, Step{At: at, Channel: "chat", Do: func(ctx context.Context, r *runner) error {
			return r.chat(ctx, p, question)
		}})
		next(3 * time.Hour)
		mid := fmt.Sprintf("m_sim_%d_%d", seed, p.N)
		steps = append(steps, Step{At: at, Channel: "messenger", Do: func(ctx context.Context, r *runner) error {
			return r.messenger(ctx, p, mid, "Sorry, I got cut off on the website. Still interested in the "+item.Name+" in size M.")
		}})
		next(20 * time.Minute)
		resolve := rng.IntN(2) == 0
		steps = append(steps, Step{At: at, Channel: "messenger", Do: func(ctx context.Context, r *runner) error {
			return r.reply(ctx, p, "Yes! Size M is in stock, and your AUTUMN10 code still works on the website.", resolve)
		}})
	}
	// Hours later, at home on the laptop.
	next(8 * time.Hour)
	laptop := map[string]any{"userAgent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"}
	add("web", map[string]any{"type": "page", "name": "Home", "anonymousId": p.LaptopAnon, "context": laptop})
	next(2 * time.Minute)
	add("web", map[string]any{"type": "identify", "anonymousId": p.LaptopAnon, "userId": p.UserID, "context": laptop,
		"traits": map[string]any{"email": p.Email, "name": p.Name, "phone": p.Phone}})
	// The phone's browser signs in too, which joins the two devices.
	add("web", map[string]any{"type": "identify", "anonymousId": p.PhoneAnon, "userId": p.UserID, "context": phone,
		"traits": map[string]any{"email": p.Email}})
	bought := rng.IntN(10) < 6
	if bought {
		next(10 * time.Minute)
		add("web", map[string]any{"type": "track", "event": "Checkout Started", "userId": p.UserID, "context": laptop,
			"properties": map[string]any{"currency": item.Currency, "value": major(item.Price), "coupon": promo}})
		next(5 * time.Minute)
		if shop == nil {
			add("web", map[string]any{"type": "track", "event": "Order Completed", "userId": p.UserID, "context": laptop,
				"properties": order(fmt.Sprintf("sim-order-%d-%d-1", seed, p.N), item, promo)})
		} else {
			steps = append(steps, pickupSteps(p, seed, rng, &at, shop, "web", p.LaptopAnon, item, 1)...)
		}
	} else if shop != nil {
		// Signed in, the item goes into the cart and stays there; two in
		// three of these customers ticked the newsletter box.
		next(10 * time.Minute)
		optIn := p.N%3 != 0
		steps = append(steps, Step{At: at, Channel: "web", Do: func(ctx context.Context, r *runner) error {
			return r.leaveCart(ctx, "web", p.LaptopAnon, item.SKU, optIn)
		}})
	}
	if service && rng.IntN(2) == 0 {
		next(2 * time.Hour)
		msgID := fmt.Sprintf("sim-%d-%d@customers.example.com", seed, p.N)
		steps = append(steps, Step{At: at, Channel: "email", Do: func(ctx context.Context, r *runner) error {
			return r.email(p, "About my order", "Hello, can I still change the size of my order? Thanks, "+p.Name, msgID)
		}})
	}
	if rng.IntN(5) == 0 {
		next(30 * time.Minute)
		sid := fmt.Sprintf("SMsim%d%030d", seed%10, p.N)
		steps = append(steps, Step{At: at, Channel: "sms", Do: func(ctx context.Context, r *runner) error {
			return r.sms(ctx, p, sid, "Is my order ready yet?")
		}})
	}
	if rng.IntN(6) == 0 {
		// A marketplace order: the buyer id is the marketplace's, the
		// email (as the marketplace relays it) joins it to the profile.
		next(24 * time.Hour)
		other := products[rng.IntN(len(products))]
		add("marketplace", map[string]any{"type": "track", "event": "Order Completed", "anonymousId": fmt.Sprintf("amazon-buyer-%d-%d", seed, p.N),
			"context":    map[string]any{"traits": map[string]any{"email": p.Email}, "app": map[string]any{"name": "Amazon"}},
			"properties": order(fmt.Sprintf("sim-amazon-%d-%d", seed, p.N), other, "")})
	}
	next(72 * time.Hour)
	add("email", map[string]any{"type": "track", "event": "Email Opened", "userId": p.UserID,
		"properties": map[string]any{"campaign_name": "November newsletter", "email_subject": "New in this week"}})
	if bought && rng.IntN(10) < 4 {
		again := products[rng.IntN(len(products))]
		app := map[string]any{"device": map[string]any{"id": p.AppDevice, "type": "ios"}, "app": map[string]any{"name": "Omni Shop", "version": "3.2"}}
		next(10 * 24 * time.Hour)
		add("app", map[string]any{"type": "identify", "anonymousId": p.AppDevice, "userId": p.UserID, "context": app})
		add("app", map[string]any{"type": "screen", "name": again.Name, "userId": p.UserID, "context": app})
		next(4 * time.Minute)
		if shop == nil {
			add("app", map[string]any{"type": "track", "event": "Order Completed", "userId": p.UserID, "context": app,
				"properties": order(fmt.Sprintf("sim-order-%d-%d-2", seed, p.N), again, "")})
		} else {
			steps = append(steps, pickupSteps(p, seed, rng, &at, shop, "app", p.AppDevice, again, 2)...)
		}
	}
	return steps
}

func productProps(p Product) map[string]any {
	return map[string]any{"product_id": p.ID, "sku": p.SKU, "name": p.Name, "price": major(p.Price), "currency": p.Currency, "quantity": 1}
}

func order(id string, p Product, coupon string) map[string]any {
	o := map[string]any{"order_id": id, "total": major(p.Price), "revenue": major(p.Price), "currency": p.Currency,
		"products": []any{productProps(p)}}
	if coupon != "" {
		o["coupon"] = coupon
	}
	return o
}

// major turns minor units into the decimal major units Segment's spec uses.
func major(minor int64) float64 { return float64(minor) / 100 }

// pickupSteps buy item on channel's storefront for pickup at a shop, collect
// it there a day or two later, and for some bring it back.
func pickupSteps(p Persona, seed uint64, rng *rand.Rand, at *time.Time, shop *Shop, channel, anonID string, item Product, nth int) []Step {
	store := shop.PickupShops[rng.IntN(len(shop.PickupShops))]
	idem := fmt.Sprintf("sim-%d-%d-%d", seed, p.N, nth)
	returns := rng.IntN(8) == 0
	var order PlacedOrder
	buy := Step{At: *at, Channel: channel, Do: func(ctx context.Context, r *runner) error {
		var err error
		order, err = r.buyForPickup(ctx, channel, anonID, item.SKU, store, idem)
		return err
	}}
	*at = at.Add(time.Duration(20+rng.IntN(30)) * time.Hour)
	collect := Step{At: *at, Channel: "pos", Do: func(ctx context.Context, r *runner) error {
		if order.ID == "" {
			return nil
		}
		if err := r.collect(ctx, order.ID, store); err != nil {
			return err
		}
		if returns {
			return r.returnItem(ctx, order.ID, item.SKU, store)
		}
		return nil
	}}
	return []Step{buy, collect}
}
