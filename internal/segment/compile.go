package segment

import (
	"strconv"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/order"
	"github.com/omni-hq/omni/internal/promotion"
)

// The SQL below reads the live customer row as `c` and is the same on SQLite
// and PostgreSQL: `?` placeholders (the store rebinds them), LENGTH,
// REPLACE, LOWER, `||` and LIKE … ESCAPE. Each condition uses an index the
// schema already has:
//
//   - channel, channel_count and last_seen read the customer row itself;
//   - trait and consent probe their tables' primary keys (customer_id, …);
//   - event probes events_customer_ts (customer_id, ts) within the window;
//   - source reads events_source_received for that source only;
//   - orders_count and total_spent group the customer's paid orders;
//   - open_cart reads carts_active_customer (active carts only);
//   - promotion reads the wallet.
//
// The set-valued ones are written as `c.id IN (…)`, which lets the planner
// start from the smaller set when the condition is selective.

// soldStatuses are the states of an order that was paid, as order.Sales
// counts them.
var soldStatuses = "('" + strings.Join([]string{order.Paid, order.ReadyForPickup, order.Shipped, order.PickedUp, order.Refunded}, "', '") + "')"

const ordersByCustomer = "SELECT o.customer_id FROM orders o WHERE o.status IN "

// compile turns a normalized definition into a boolean SQL expression over
// the customer row `c`, with its arguments, for the moment now.
func compile(d Definition, now time.Time) (string, []any) {
	if len(d.Conditions) == 0 {
		return "1 = 1", nil
	}
	join := " AND "
	if d.Match == "any" {
		join = " OR "
	}
	parts := make([]string, 0, len(d.Conditions))
	var args []any
	for _, c := range d.Conditions {
		sql, a := c.sql(now)
		parts = append(parts, "("+sql+")")
		args = append(args, a...)
	}
	return strings.Join(parts, join), args
}

// negated lists the operators that are the negation of their field's first.
var negated = map[string]bool{"is_not": true, "not_exists": true, "not_done": true, "not_within": true,
	"not_granted": true, "not_holds": true}

// sql is one normalized condition as SQL.
func (c Condition) sql(now time.Time) (string, []any) {
	var sql string
	var args []any
	v := string(c.Value)
	switch c.Field {
	case "channel":
		sql, args = "(',' || c.channels || ',') LIKE ?", []any{"%," + v + ",%"}
	case "channel_count":
		return compare("(CASE WHEN c.channels = '' THEN 0 ELSE LENGTH(c.channels) - LENGTH(REPLACE(c.channels, ',', '')) + 1 END)", c.Op, atoi(v))
	case "source":
		sql, args = "c.id IN (SELECT e.customer_id FROM events e WHERE e.source_id = ?)", []any{v}
	case "trait":
		return c.traitSQL()
	case "event":
		sql, args = c.eventSQL(now)
	case "orders_count":
		return havingSQL(ordersByCustomer+soldStatuses+" GROUP BY o.customer_id HAVING COUNT(*)", nil, c.Op, atoi(v))
	case "total_spent":
		a, _ := money.Parse(v)
		return havingSQL(ordersByCustomer+soldStatuses+" AND o.currency = ? GROUP BY o.customer_id HAVING SUM(o.total - o.refunded)",
			[]any{string(a.Currency)}, c.Op, a.Minor)
	case "last_seen":
		sql, args = "c.last_seen_at >= ?", []any{since(now, c.Days)}
	case "consent":
		purpose := v
		if purpose == "" {
			purpose = DefaultPurpose
		}
		sql = "EXISTS (SELECT 1 FROM customer_consent k WHERE k.customer_id = c.id AND k.channel = ? AND k.purpose = ? AND k.granted = 1)"
		args = []any{c.Channel, purpose}
	case "open_cart":
		sql = "c.id IN (SELECT k.customer_id FROM carts k WHERE k.status = '" + cart.StatusActive + "'"
		if c.Days > 0 {
			sql += " AND k.updated_at >= ?"
			args = append(args, since(now, c.Days))
		}
		sql += " AND EXISTS (SELECT 1 FROM cart_lines l WHERE l.cart_id = k.id))"
	case "promotion":
		sql, args = "c.id IN (SELECT w.customer_id FROM customer_promotions w WHERE w.used_at IS NULL AND w.expires_at > ?", []any{now.UnixMilli()}
		if v != "" {
			sql += " AND (w.promotion_id = ? OR w.code = ?)"
			args = append(args, v, promotion.NormalizeCode(v))
		}
		sql += ")"
	}
	if negated[c.Op] {
		sql = "NOT (" + sql + ")"
	}
	return sql, args
}

func (c Condition) traitSQL() (string, []any) {
	sql := "EXISTS (SELECT 1 FROM customer_traits t WHERE t.customer_id = c.id AND t.key = ?"
	args := []any{c.Key}
	v := strings.ToLower(string(c.Value))
	switch c.Op {
	case "eq":
		// A trait is stored as JSON: "gold" for a string, 3 or true as is.
		quoted, _ := jsonString(v)
		sql += " AND LOWER(t.value) IN (?, ?)"
		args = append(args, quoted, v)
	case "contains":
		sql += ` AND LOWER(t.value) LIKE ? ESCAPE '\'`
		args = append(args, "%"+escapeLike(v)+"%")
	default:
		sql += " AND t.value <> 'null'"
	}
	sql += ")"
	if negated[c.Op] {
		sql = "NOT " + sql
	}
	return sql, args
}

func (c Condition) eventSQL(now time.Time) (string, []any) {
	sql := "EXISTS (SELECT 1 FROM events e WHERE e.customer_id = c.id"
	var args []any
	if c.Days > 0 {
		sql += " AND e.ts >= ?"
		args = append(args, since(now, c.Days))
	}
	sql += " AND e.name = ?"
	args = append(args, string(c.Value))
	if c.Channel != "" {
		sql += " AND e.channel = ?"
		args = append(args, c.Channel)
	}
	return sql + ")", args
}

// compare is a comparison of a row expression with n.
func compare(expr, op string, n int64) (string, []any) {
	if op == "lte" {
		return expr + " <= ?", []any{n}
	}
	return expr + " >= ?", []any{n}
}

// havingSQL tests an aggregate over the customer's rows, grouped in
// subquery (which ends in "HAVING <aggregate>"): at least n is membership
// of the customers whose aggregate reaches n; at most n is the complement of
// those above n, so customers without rows count as 0.
func havingSQL(subquery string, args []any, op string, n int64) (string, []any) {
	if op == "lte" {
		return "c.id NOT IN (" + subquery + " > ?)", append(args, n)
	}
	if n <= 0 {
		return "1 = 1", nil
	}
	return "c.id IN (" + subquery + " >= ?)", append(args, n)
}

// since is the start of a window of days ending at now, in Unix ms.
func since(now time.Time, days int) int64 {
	return now.Add(-time.Duration(days) * 24 * time.Hour).UnixMilli()
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// escapeLike escapes LIKE's wildcards and the escape character itself.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
