package segment

import (
	"strconv"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/customer"
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
// For a count the set-valued ones are written as `c.id IN (…)`, which lets
// the planner build each set once, or start from it when it is small; their
// negations, a page of members in id order and the test of one customer
// (perRow) use correlated subqueries that read only the customer's rows.

// soldStatuses are the states of an order that was paid, as order.Sales
// counts them.
var soldStatuses = "('" + strings.Join([]string{order.Paid, order.ReadyForPickup, order.Shipped, order.PickedUp, order.Refunded}, "', '") + "')"

// compile turns a normalized definition into a boolean SQL expression over
// the customer row `c`, with its arguments, for the moment now. perRow
// writes it for testing one customer rather than scanning many.
func compile(d Definition, now time.Time, perRow bool) (string, []any) {
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
		sql, a := c.sql(now, perRow)
		parts = append(parts, "("+sql+")")
		args = append(args, a...)
	}
	return strings.Join(parts, join), args
}

// negated lists the operators that are the negation of their field's first.
var negated = map[string]bool{"is_not": true, "not_exists": true, "not_done": true, "not_within": true,
	"not_granted": true, "not_holds": true}

// sql is one normalized condition as SQL.
func (c Condition) sql(now time.Time, perRow bool) (string, []any) {
	var sql string
	var args []any
	v := string(c.Value)
	// A negation is NOT EXISTS per customer even in a count: PostgreSQL runs
	// that as an anti-join, but NOT IN over a large set row by row.
	perRow = perRow || negated[c.Op]
	switch c.Field {
	case "channel":
		sql, args = "(',' || c.channels || ',') LIKE ?", []any{"%," + v + ",%"}
	case "channel_count":
		return compare("(CASE WHEN c.channels = '' THEN 0 ELSE LENGTH(c.channels) - LENGTH(REPLACE(c.channels, ',', '')) + 1 END)", c.Op, atoi(v))
	case "source":
		sql, args = inSet(perRow, "e.customer_id", "events e WHERE e.source_id = ?"), []any{v}
	case "trait":
		sql, args = c.traitSQL(perRow)
	case "event":
		sql, args = c.eventSQL(now, perRow)
	case "orders_count":
		return aggregate(perRow, "COUNT(*)", "", nil, c.Op, atoi(v))
	case "total_spent":
		a, _ := money.Parse(v)
		return aggregate(perRow, "SUM(o.total - o.refunded)", " AND o.currency = ?", []any{string(a.Currency)}, c.Op, a.Minor)
	case "last_seen":
		sql, args = "c.last_seen_at >= ?", []any{since(now, c.Days)}
	case "consent":
		purpose := v
		if purpose == "" {
			purpose = DefaultPurpose
		}
		sql = probe(perRow, "customer_consent k WHERE k.customer_id = c.id AND k.channel = ? AND k.purpose = ? AND k.granted = 1")
		args = []any{c.Channel, purpose}
	case "open_cart":
		from := "carts k WHERE k.status = '" + cart.StatusActive + "'"
		if c.Days > 0 {
			from += " AND k.updated_at >= ?"
			args = append(args, since(now, c.Days))
		}
		sql = inSet(perRow, "k.customer_id", from+" AND EXISTS (SELECT 1 FROM cart_lines l WHERE l.cart_id = k.id)")
	case "promotion":
		from := "customer_promotions w WHERE w.used_at IS NULL AND w.expires_at > ?"
		args = []any{now.UnixMilli()}
		if v != "" {
			from += " AND (w.promotion_id = ? OR w.code = ?)"
			args = append(args, v, promotion.NormalizeCode(v))
		}
		sql = inSet(perRow, "w.customer_id", from)
	}
	if negated[c.Op] {
		sql = "NOT (" + sql + ")"
	}
	return sql, args
}

func (c Condition) traitSQL(perRow bool) (string, []any) {
	from := "customer_traits t WHERE t.customer_id = c.id AND t.key = ?"
	args := []any{c.Key}
	v := strings.ToLower(string(c.Value))
	switch c.Op {
	case "eq":
		// A trait is stored as JSON: "gold" for a string, 3 or true as is.
		quoted, _ := jsonString(v)
		from += " AND LOWER(t.value) IN (?, ?)"
		args = append(args, quoted, v)
	case "contains":
		from += ` AND LOWER(t.value) LIKE ? ESCAPE '\'`
		args = append(args, "%"+escapeLike(v)+"%")
	default:
		from += " AND t.value <> 'null'"
	}
	return probe(perRow, from), args
}

// eventSQL probes the customer's events in the window. A customer whose
// last_seen_at is before the window (less customer.SeenGrain, by which it may
// lag), or who never used the channel, cannot have done the event there
// (last_seen_at and channels follow every event), so those cheap tests on
// the customer row come first and save most probes.
func (c Condition) eventSQL(now time.Time, perRow bool) (string, []any) {
	var pre []string
	var args []any
	sql := "events e WHERE e.customer_id = c.id"
	var inner []any
	if c.Days > 0 {
		from := since(now, c.Days)
		pre, args = append(pre, "c.last_seen_at >= ?"), append(args, from-customer.SeenGrain.Milliseconds())
		sql += " AND e.ts >= ?"
		inner = append(inner, from)
	}
	sql += " AND e.name = ?"
	inner = append(inner, string(c.Value))
	if c.Channel != "" {
		pre, args = append(pre, "(',' || c.channels || ',') LIKE ?"), append(args, "%,"+c.Channel+",%")
		sql += " AND e.channel = ?"
		inner = append(inner, c.Channel)
	}
	return strings.Join(append(pre, probe(perRow, sql)), " AND "), append(args, inner...)
}

// compare is a comparison of a row expression with n.
func compare(expr, op string, n int64) (string, []any) {
	if op == "lte" {
		return expr + " <= ?", []any{n}
	}
	return expr + " >= ?", []any{n}
}

// inSet tests that the customer has a row in from (a table with its alias
// and a WHERE clause), whose customer column is col.
func inSet(perRow bool, col, from string) string {
	if perRow {
		return probe(true, from+" AND "+col+" = c.id")
	}
	return "c.id IN (SELECT " + col + " FROM " + from + ")"
}

// probe tests that from (a table with its alias and a WHERE clause that
// names c.id) has a row. Per customer it is a scalar subquery that stops at
// the first row: SQLite turns EXISTS into a join that first builds a Bloom
// filter over the whole table, which a page of members cannot afford.
func probe(perRow bool, from string) string {
	if perRow {
		return "(SELECT 1 FROM " + from + " LIMIT 1) IS NOT NULL"
	}
	return "EXISTS (SELECT 1 FROM " + from + ")"
}

// aggregate tests agg over the customer's paid orders (filtered further by
// where) against n; customers without orders count as 0. In a count, at
// least n is membership of the customers grouped to n or more; at most n
// is tested per customer (a complement would be NOT IN, see sql).
func aggregate(perRow bool, agg, where string, args []any, op string, n int64) (string, []any) {
	from := "FROM orders o WHERE o.status IN " + soldStatuses + where
	if perRow || op == "lte" {
		sql, a := compare("(SELECT COALESCE("+agg+", 0) "+from+" AND o.customer_id = c.id)", op, n)
		return sql, append(args, a...)
	}
	if n <= 0 {
		return "1 = 1", nil
	}
	return "c.id IN (SELECT o.customer_id " + from + " GROUP BY o.customer_id HAVING " + agg + " >= ?)", append(args, n)
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
