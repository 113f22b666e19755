package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/store"
)

// ListOptions filters and pages a product listing.
type ListOptions struct {
	Channel    string // only products sold on this channel
	Status     string // default: any status
	Collection string // collection id
	Query      string // case-insensitive substring of the title
	After      string // the last product id of the previous page
	Limit      int    // default 50, at most 200
}

const productColumns = `p.id, p.handle, p.title, p.description, p.vendor, p.product_type, p.tags, p.options,
	p.status, p.created_at, p.updated_at`

// Product returns one product with its variants, images and channels.
func (s *Service) Product(ctx context.Context, productID string) (Product, error) {
	return s.productWhere(ctx, "p.id = ?", productID)
}

// ProductByHandle returns the product with the given handle.
func (s *Service) ProductByHandle(ctx context.Context, handle string) (Product, error) {
	return s.productWhere(ctx, "p.handle = ?", handle)
}

func (s *Service) productWhere(ctx context.Context, cond string, arg string) (Product, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+productColumns+" FROM products p WHERE "+cond, arg)
	if err != nil {
		return Product{}, fmt.Errorf("read product: %w", err)
	}
	list, err := s.scanProducts(ctx, rows)
	if err != nil {
		return Product{}, err
	}
	if len(list) == 0 {
		return Product{}, apperr.NotFoundf("no product %q", arg)
	}
	return list[0], nil
}

// ListProducts lists products in id order, a page at a time.
func (s *Service) ListProducts(ctx context.Context, o ListOptions) ([]Product, error) {
	if o.Limit <= 0 {
		o.Limit = 50
	}
	o.Limit = min(o.Limit, 200)
	var where []string
	var args []any
	if o.Channel != "" {
		if !ValidChannel(o.Channel) {
			return nil, channelError("channel", o.Channel)
		}
		where = append(where, `(NOT EXISTS (SELECT 1 FROM product_channels c WHERE c.product_id = p.id)
			OR EXISTS (SELECT 1 FROM product_channels c WHERE c.product_id = p.id AND c.channel = ?))`)
		args = append(args, o.Channel)
	}
	if o.Status != "" {
		where, args = append(where, "p.status = ?"), append(args, o.Status)
	}
	if o.Collection != "" {
		where = append(where, "EXISTS (SELECT 1 FROM collection_products cp WHERE cp.product_id = p.id AND cp.collection_id = ?)")
		args = append(args, o.Collection)
	}
	if o.Query != "" {
		where = append(where, "LOWER(p.title) LIKE ?")
		args = append(args, "%"+strings.ToLower(escapeLike(o.Query))+"%")
	}
	if o.After != "" {
		where, args = append(where, "p.id > ?"), append(args, o.After)
	}
	q := "SELECT " + productColumns + " FROM products p"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY p.id LIMIT %d", o.Limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	return s.scanProducts(ctx, rows)
}

func escapeLike(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

func (s *Service) scanProducts(ctx context.Context, rows *sql.Rows) ([]Product, error) {
	defer rows.Close()
	var list []Product
	byID := map[string]*Product{}
	for rows.Next() {
		var p Product
		var tags, options string
		var created, updated int64
		if err := rows.Scan(&p.ID, &p.Handle, &p.Title, &p.Description, &p.Vendor, &p.Type, &tags, &options,
			&p.Status, &created, &updated); err != nil {
			return nil, fmt.Errorf("scan product: %w", err)
		}
		p.Tags = splitTags(tags)
		p.Options = parseList(options)
		p.CreatedAt, p.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
		p.Channels, p.Collections, p.Variants, p.Images = []string{}, []string{}, []Variant{}, []Image{}
		list = append(list, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(list) == 0 {
		return list, nil
	}
	ids := make([]any, len(list))
	for i := range list {
		byID[list[i].ID] = &list[i]
		ids[i] = list[i].ID
	}
	if err := s.loadVariants(ctx, ids, byID); err != nil {
		return nil, err
	}
	if err := s.loadImagesAndChannels(ctx, ids, byID); err != nil {
		return nil, err
	}
	return list, nil
}

func (s *Service) loadVariants(ctx context.Context, ids []any, byID map[string]*Product) error {
	rows, err := s.db.QueryContext(ctx, `SELECT v.id, v.product_id, COALESCE(v.sku, ''), v.barcode, v.title, v.option_values,
		v.price, v.compare_at_price, v.currency, v.position, cp.channel, cp.price
		FROM variants v LEFT JOIN variant_channel_prices cp ON cp.variant_id = v.id
		WHERE v.product_id IN (`+store.Placeholders(len(ids))+`) ORDER BY v.product_id, v.position, cp.channel`, ids...)
	if err != nil {
		return fmt.Errorf("read variants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v Variant
		var opts string
		var ch sql.NullString
		var chPrice sql.NullInt64
		if err := rows.Scan(&v.ID, &v.ProductID, &v.SKU, &v.Barcode, &v.Title, &opts, &v.Price, &v.CompareAtPrice,
			&v.Currency, &v.Position, &ch, &chPrice); err != nil {
			return fmt.Errorf("scan variant: %w", err)
		}
		p := byID[v.ProductID]
		if n := len(p.Variants); n > 0 && p.Variants[n-1].ID == v.ID {
			p.Variants[n-1].ChannelPrices[ch.String] = chPrice.Int64
			continue
		}
		v.Options = parseList(opts)
		if ch.Valid {
			v.ChannelPrices = map[string]int64{ch.String: chPrice.Int64}
		}
		p.Variants = append(p.Variants, v)
	}
	return rows.Err()
}

func (s *Service) loadImagesAndChannels(ctx context.Context, ids []any, byID map[string]*Product) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, product_id, COALESCE(variant_id, ''), url, alt, position
		FROM product_images WHERE product_id IN (`+store.Placeholders(len(ids))+`) ORDER BY product_id, position`, ids...)
	if err != nil {
		return fmt.Errorf("read images: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var img Image
		var pid string
		if err := rows.Scan(&img.ID, &pid, &img.VariantID, &img.URL, &img.Alt, &img.Position); err != nil {
			return fmt.Errorf("scan image: %w", err)
		}
		byID[pid].Images = append(byID[pid].Images, img)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	if err := s.loadPairs(ctx, `SELECT product_id, channel FROM product_channels
		WHERE product_id IN (`+store.Placeholders(len(ids))+`) ORDER BY product_id, channel`, ids,
		func(p *Product, ch string) { p.Channels = append(p.Channels, ch) }, byID); err != nil {
		return fmt.Errorf("read channels: %w", err)
	}
	if err := s.loadPairs(ctx, `SELECT product_id, collection_id FROM collection_products
		WHERE product_id IN (`+store.Placeholders(len(ids))+`) ORDER BY product_id, collection_id`, ids,
		func(p *Product, cid string) { p.Collections = append(p.Collections, cid) }, byID); err != nil {
		return fmt.Errorf("read collections: %w", err)
	}
	return nil
}

// loadPairs reads (product id, value) rows and adds each value to its product.
func (s *Service) loadPairs(ctx context.Context, query string, ids []any, add func(*Product, string), byID map[string]*Product) error {
	rows, err := s.db.QueryContext(ctx, query, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pid, v string
		if err := rows.Scan(&pid, &v); err != nil {
			return err
		}
		add(byID[pid], v)
	}
	return rows.Err()
}

func splitTags(s string) []string {
	if s == "" {
		return []string{}
	}
	return cleanList(strings.Split(s, ","))
}

func parseList(s string) []string {
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil || out == nil {
		return []string{}
	}
	return out
}
