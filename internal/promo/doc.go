// Package promo is Omni's promotion engine: one set of promotions for
// every channel, evaluated against a cart on every change. It is pure
// (no storage, no clock, no I/O) and deterministic: the same cart and
// promotions always give the same Result, whatever the promotions' order.
//
// # Kinds
//
// Every promotion targets the whole order, listed products, or listed
// collections; the lines it may discount are its eligible lines.
//
//   - percent_off takes Percent off the eligible lines.
//   - amount_off takes Amount off the eligible lines once, or with PerItem
//     off each eligible unit; never more than the lines are worth.
//   - free_shipping takes the shipping charge off (at most Amount when
//     set); a product or collection target needs an eligible line in the
//     cart.
//   - buy_x_get_y: for every Buy+Get eligible units, Get units get Percent
//     off (Hundred: free). It repeats as often as the quantity allows, and
//     a last incomplete group gets the units beyond its first Buy (buy 2
//     get 1 with 7 units discounts 2; buy 1 get 2 with 2 units discounts
//     1). The cheapest units (by unit price, ties by line order) are the
//     discounted ones.
//   - tiered: the highest tier whose Threshold the eligible lines reach
//     (before any discount) applies its Percent or Amount to them.
//
// Percentages are taken of the eligible lines' sum and rounded half up
// (money.Amount.Percent); any total spread over several lines is split
// with money.AllocateMinor (largest remainder, ties by line order), so a
// promotion's line adjustments always sum exactly to its discount.
//
// # Conditions and codes
//
// A promotion is valid when the cart's currency matches its money values
// (percentage-only promotions fit every currency), Now is in
// [StartsAt, EndsAt), the channel is listed (or none are), the total and
// per-customer usage counts are below their limits, the first-order rule
// holds and the cart subtotal before discounts reaches MinSubtotal.
// Automatic promotions (no Code) apply by themselves; a code promotion only
// when its code is in Cart.Codes or Cart.Wallet, compared
// case-insensitively. Every code that does not end up in the result gets a
// Rejection with a typed Reason and a message (with the missing amount for
// a minimum not met).
//
// # Choosing the best combination
//
// Combinable promotions stack with each other; an exclusive one (not
// Combinable) applies alone. The engine:
//
//  1. finds candidates through the Index: automatic promotions of the
//     cart lines' products and collections (map lookups per line),
//     automatic order-wide promotions, and the promotions of the codes;
//  2. checks each candidate's conditions and eligible lines;
//  3. applies all valid combinable candidates together, item promotions
//     first, then order-wide ones, then shipping, by priority (higher
//     first, then ID) within a stage, each on what the previous ones left,
//     so that a line or the shipping never goes below zero;
//  4. applies each valid exclusive candidate alone on the full cart;
//  5. keeps the option with the largest total discount; on a tie, the one
//     whose leading promotion ranks first by priority, then ID.
//
// No subset is enumerated. Every discount is non-negative and each stacked
// promotion takes at most what is left, so adding a combinable promotion
// to the stack never lowers the total: the full stack is the best of all
// combinable subsets, and an exclusive promotion can join none (a
// property test checks this against brute force). The work is O(P·L) for
// P candidates and L cart lines, plus sorting the line-promotion matches
// and the stack; promotions for products and collections not in the cart
// are never looked at. An Index reuses its scratch space between
// evaluations.
package promo
