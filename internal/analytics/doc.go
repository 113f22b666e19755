// Package analytics computes Omni's figures from the event log — the events
// table, where every interaction on every channel is stored per customer
// after identity resolution — and the channel-strategy report that compares
// connected channels with channels run as silos.
//
// # Event vocabulary
//
// Names follow Segment's e-commerce spec. Types "track", "order" (Omni's
// commerce) and "cart" (Omni's carts) share them:
//
//	Product Viewed      funnel step "view"
//	Product Added       funnel step "add to cart"; fills the channel's cart
//	Product Removed     empties the channel's cart by one item
//	Checkout Started    funnel step "checkout"
//	Order Completed     funnel step "purchase"; properties order_id, total_minor
//	                    (integer minor units, as Omni emits it) or total, else
//	                    revenue (major units, number or string, as Segment
//	                    sends them), currency (default Options.DefaultCurrency),
//	                    coupon / coupon_id / code / codes, promotion_id /
//	                    promotion_ids / promotion
//	Order Refunded      order_id and an optional amount (as above); without
//	                    one, what is left of the order is refunded
//	Promotion Viewed, Promotion Clicked   promotion_id and/or code: the
//	                    customer was shown the promotion on that channel
//	Coupon Applied, Coupon Entered        a code used on the way to the next order
//
// Type "message" is an inbox message with properties conversation_id,
// direction ("in" from the customer, "out" from an agent, "note" internal)
// and channel, read from "properties" or from the payload's top level. Types
// "page" and "screen" are page views. context.campaign (name, else
// "source / medium") on any event marks a campaign touchpoint. Other events
// count as interactions on their channel.
//
// An interaction "of the customer's own" is any event but an outbound
// message or a note. Visitors of a period are customers with such an
// interaction in it; purchasers have an Order Completed in it. An order is
// counted once per order_id, however many events report it.
//
// # Rollups kept on ingest
//
// Service.Append, a customer.AppendHook, aggregates each batch of new events
// in memory and writes, in the storing transaction, one upsert per key:
//
//   - analytics_daily: per UTC day, channel, event name and currency: events,
//     orders (first sightings of an order_id; refunds for Order Refunded) and
//     amount in minor units.
//   - analytics_orders: each order once, for de-duplication and refunds
//     (capped by the order's total).
//   - analytics_customers: a dense ordinal per customer, first and last
//     active day, first-purchase day.
//   - analytics_sets: per day, the customers in each set — visit, view, add,
//     checkout, buy, each also per channel ("buy:app"), and first_buy — in
//     chunks of 65,536 ordinals stored as sorted 16-bit arrays or bitmaps.
//
// Queries union the period's daily sets. Each node keeps the day sets it has
// read in memory (Options.SetCacheBytes) under the day's version, which every
// write to the day's sets bumps (analytics_set_days): only days that changed
// since — on a live system, today — are read again.
//
// Service.MergeTx, an identity merge hook, moves a merged-away customer's set
// memberships to the survivor so that distinct counts stay exact. Rebuild
// recomputes all of this from the log (after bulk loads).
//
// Overview: revenue and orders are sums of daily rollups; AOV = revenue /
// orders per currency (rounded half away from zero); visitors and purchasers
// are sizes of the unions of the period's daily sets; conversion rate =
// purchasers / visitors; new customers = purchasers whose first order ever
// (first_buy) is in the period, returning = purchasers − new; each in total
// and per channel, for the period and the one of equal length before it.
//
// Funnel: step k counts customers in the period's view ∩ … ∩ step-k sets,
// on any channel and in any order within the period — customers, not
// sessions. A customer switched channel at step k when none of the channels
// of their step-k events in the period carries one of their step k−1 events;
// SwitchedShare of the funnel is the share of purchasers who switched at any
// step.
//
// # Replay
//
// Attribution, cohorts, service figures and the strategy report need each
// customer's whole journey. A replay streams the log in (customer_id, ts, id)
// order — in parallel over contiguous customer-id ranges, reading payloads
// only for the kinds above (and, for a snapshot, payloads naming a campaign)
// — and builds one journey per customer in memory. Refresh (run hourly by a
// job, on demand by POST /api/v1/analytics/refresh or `omni report
// refresh`) replays the whole log and replaces the snapshot tables, whose
// rows are sums by day or month, so that any period is a sum of rows.
//
// Touchpoints. A touchpoint is a visit: an interaction of the customer's own
// on another channel than their previous one, or after more than
// Options.SessionGap (30 minutes) without any, or carrying a campaign other
// than the current visit's. An order's touchpoints are those within
// Options.Lookback (30 days) before it, the order's own visit included; an
// order with none is credited to its own channel.
//
// Attribution of an order of value V over touchpoints t1…tn (oldest first),
// with integer weights w:
//
//	first touch     w1 = 1, others 0
//	last touch      wn = 1, others 0
//	linear          wi = 1
//	position based  n = 1: 100 %; n = 2: 50 % each; n ≥ 3: 40 % to the first,
//	                40 % to the last, 20 % shared by the middle ones:
//	                w1 = wn = 2(n−2), middle wi = 1
//	time decay      wi = round(10⁹ · 2^(−age_i / H)), age_i = order time − ti,
//	                H = Options.HalfLife (7 days)
//
// Credit_i = floor(V · wi / Σw); the units left over go one each to the
// touchpoints with the largest remainders, the earlier first on ties
// (money.AllocateMinor), so credits are whole minor units summing exactly
// to V. Orders credited are split the same way (in thousandths).
//
// Cohorts: a purchaser's cohort is the UTC month of their first order; the
// acquisition channel is the channel of their first own interaction. Active
// in month k = purchasers of the cohort ordering in the k-th month after it;
// retention_k = active_k / cohort size. Repeat purchase rate = purchasers with
// two orders or more / purchasers. Lifetime value = net revenue (orders less
// refunds) to date / purchasers; AOV = net revenue / orders. Omnichannel
// customers had their own interactions on two channels or more; the others
// are single-channel; both are compared on all of these and on purchase rate
// (purchasers / customers first seen in the months).
//
// Service figures, per conversation_id (or per channel when a message has
// none), by the day and channel it started on: first response = first agent
// message after the customer's first message − that first message; the
// resolution proxy = last agent message − the customer's first message;
// contacts = customer messages that open the conversation or follow an agent
// message; a conversation continued on another channel when its messages are
// on two channels or more.
//
// # The channel-strategy report
//
// The report replays the log twice in one pass per customer: as it
// happened, one profile per customer (connected), and as if every channel
// were a silo, one customer per (profile, channel) with carts, promotions and
// conversations not shared. Events before the period give context; counts
// cover events in the period. Each line gives Connected and Siloed figures,
// Lost (what silos lose) out of Base, the revenue concerned, the customers
// concerned and the smallest such customer id as an example:
//
//   - duplicate_customers: a profile with events on k channels in the
//     period is k records in silos; Lost = Σk − profiles.
//   - conversations_without_context: customer messages following the same
//     customer's previous message within Options.ContextWindow (7 days) form
//     Base; Lost = those on another channel than that previous message.
//   - carts_not_found: at each order, every channel's cart (Product Added
//     less Product Removed since the customer's last order, an item added
//     within Options.CartWindow, 30 days) is in Base; Lost = carts on another
//     channel than the order's; revenue = orders that had such a cart.
//   - promotions_not_honoured: orders carrying a promotion id or code the
//     customer was shown (Promotion Viewed/Clicked) within the look-back form
//     Base; Lost = those shown only on other channels than the order's.
//   - unlinked_revenue: Base = orders; Lost = orders whose customer had a
//     touchpoint on another channel than the order's within the look-back.
//
// The report is deterministic: it depends only on the events and the
// options, not on the number of parallel readers or the backend.
package analytics
