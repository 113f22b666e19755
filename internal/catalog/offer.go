package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/store"
)

// VariantRef finds a variant by id, SKU or barcode: the first that is set.
type VariantRef struct {
	VariantID string `json:"variant_id,omitempty"`
	SKU       string `json:"sku,omitempty"`
	Barcode   string `json:"barcode,omitempty"`
}

// ResolveVariant returns the id of the variant ref names. An unknown SKU,
// barcode or id is an Invalid error naming it, because it is always the
// caller's input. Known references are answered from memory.
func (s *Service) ResolveVariant(ctx context.Context, q store.Querier, ref VariantRef) (string, error) {
	if ref.VariantID == "" && strings.TrimSpace(ref.SKU) == "" && strings.TrimSpace(ref.Barcode) == "" {
		return "", apperr.InvalidField("sku", "is required (or variant_id or barcode)")
	}
	vid, ok, version := s.cachedRef(ref)
	if ok {
		return vid, nil
	}
	vid, err := s.resolveVariant(ctx, q, ref)
	if err == nil {
		s.put(version, func(c *offerCache) { c.refs[refKey(ref)] = vid })
	}
	return vid, err
}

func (s *Service) resolveVariant(ctx context.Context, q store.Querier, ref VariantRef) (string, error) {
	var query, arg, field string
	switch {
	case ref.VariantID != "":
		query, arg, field = "SELECT id FROM variants WHERE id = ?", ref.VariantID, "variant_id"
	case ref.SKU != "":
		query, arg, field = "SELECT id FROM variants WHERE sku = ?", strings.TrimSpace(ref.SKU), "sku"
	case ref.Barcode != "":
		query, arg, field = "SELECT id FROM variants WHERE barcode = ? ORDER BY id LIMIT 1", strings.TrimSpace(ref.Barcode), "barcode"
	default:
		return "", apperr.InvalidField("sku", "is required (or variant_id or barcode)")
	}
	if q == nil {
		q = s.db
	}
	var vid string
	err := q.QueryRowContext(ctx, query, arg).Scan(&vid)
	if store.IsNoRows(err) {
		return "", apperr.InvalidField(field, "unknown %s %q", strings.ReplaceAll(field, "_", " "), arg)
	}
	if err != nil {
		return "", fmt.Errorf("find variant: %w", err)
	}
	return vid, nil
}

// Offers returns the offer of each variant on channel, keyed by variant id.
// Variants that no longer exist are missing from the map. Offers read
// recently are answered from memory; the others are read through q (a
// transaction, or nil for the database). The offers' CollectionIDs are
// shared: callers must not change them.
func (s *Service) Offers(ctx context.Context, q store.Querier, channel string, variantIDs []string) (map[string]Offer, error) {
	out := make(map[string]Offer, len(variantIDs))
	missing, version := s.cachedOffers(channel, variantIDs, out)
	if len(missing) == 0 {
		return out, nil
	}
	read, err := s.readOffers(ctx, q, channel, missing)
	if err != nil {
		return nil, err
	}
	s.put(version, func(c *offerCache) {
		for vid, o := range read {
			c.offers[offerKey{channel, vid}] = o
		}
	})
	for vid, o := range read {
		out[vid] = o
	}
	return out, nil
}

func (s *Service) readOffers(ctx context.Context, q store.Querier, channel string, variantIDs []string) (map[string]Offer, error) {
	out := make(map[string]Offer, len(variantIDs))
	if q == nil {
		q = s.db
	}
	args := make([]any, 0, len(variantIDs)+2)
	args = append(args, channel, channel)
	for _, v := range variantIDs {
		args = append(args, v)
	}
	rows, err := q.QueryContext(ctx, `SELECT v.id, v.product_id, COALESCE(v.sku, ''), p.title, v.title,
		COALESCE(cp.price, v.price), v.currency, p.status,
		(NOT EXISTS (SELECT 1 FROM product_channels c WHERE c.product_id = p.id)
		 OR EXISTS (SELECT 1 FROM product_channels c WHERE c.product_id = p.id AND c.channel = ?)),
		(SELECT i.url FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1)
		FROM variants v JOIN products p ON p.id = v.product_id
		LEFT JOIN variant_channel_prices cp ON cp.variant_id = v.id AND cp.channel = ?
		WHERE v.id IN (`+store.Placeholders(len(variantIDs))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("read offers: %w", err)
	}
	defer rows.Close()
	var productIDs []any
	for rows.Next() {
		var o Offer
		var status string
		var onChannel bool
		var image sql.NullString
		if err := rows.Scan(&o.VariantID, &o.ProductID, &o.SKU, &o.ProductTitle, &o.VariantTitle, &o.Price,
			&o.Currency, &status, &onChannel, &image); err != nil {
			return nil, fmt.Errorf("scan offer: %w", err)
		}
		o.Sellable = status == StatusActive && onChannel
		o.ImageURL = image.String
		out[o.VariantID] = o
		productIDs = append(productIDs, o.ProductID)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, s.addCollections(ctx, q, productIDs, out)
}

func (s *Service) addCollections(ctx context.Context, q store.Querier, productIDs []any, offers map[string]Offer) error {
	if len(productIDs) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT product_id, collection_id FROM collection_products
		WHERE product_id IN (`+store.Placeholders(len(productIDs))+`) ORDER BY collection_id`, productIDs...)
	if err != nil {
		return fmt.Errorf("read collections: %w", err)
	}
	defer rows.Close()
	byProduct := map[string][]string{}
	for rows.Next() {
		var pid, cid string
		if err := rows.Scan(&pid, &cid); err != nil {
			return err
		}
		byProduct[pid] = append(byProduct[pid], cid)
	}
	for vid, o := range offers {
		o.CollectionIDs = byProduct[o.ProductID]
		offers[vid] = o
	}
	return rows.Err()
}

// Offer returns one variant's offer on channel: what a cart change checks.
// An unknown variant is an Invalid error.
func (s *Service) Offer(ctx context.Context, q store.Querier, channel, variantID string) (Offer, error) {
	offers, err := s.Offers(ctx, q, channel, []string{variantID})
	if err != nil {
		return Offer{}, err
	}
	o, ok := offers[variantID]
	if !ok {
		return Offer{}, apperr.InvalidField("variant_id", "unknown variant %q", variantID)
	}
	return o, nil
}
