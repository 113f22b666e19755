package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// CreateProduct stores a new product. A handle or SKU already in use is a
// Conflict.
func (s *Service) CreateProduct(ctx context.Context, in ProductInput) (Product, error) {
	if err := in.normalize(); err != nil {
		return Product{}, err
	}
	productID := id.New("prod")
	err := s.withChange(ctx, func(tx *store.Tx) error {
		now := s.now().UnixMilli()
		_, err := tx.ExecContext(ctx, `INSERT INTO products (id, handle, title, description, vendor, product_type,
			tags, options, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			productID, in.Handle, in.Title, in.Description, in.Vendor, in.Type,
			strings.Join(in.Tags, ","), jsonText(in.Options), in.Status, now, now)
		if store.IsUniqueViolation(err) {
			return apperr.Conflictf("a product with handle %q already exists", in.Handle)
		}
		if err != nil {
			return fmt.Errorf("insert product: %w", err)
		}
		return s.writeChildren(ctx, tx, productID, in, nil)
	})
	if err != nil {
		return Product{}, err
	}
	return s.Product(ctx, productID)
}

// UpdateProduct replaces a product's fields, variants, images and channels.
// Variants are matched by ID, then SKU, so their ids (and the stock and cart
// lines that refer to them) survive the update.
func (s *Service) UpdateProduct(ctx context.Context, productID string, in ProductInput) (Product, error) {
	if err := in.normalize(); err != nil {
		return Product{}, err
	}
	err := s.withChange(ctx, func(tx *store.Tx) error { return s.updateTx(ctx, tx, productID, in) })
	if err != nil {
		return Product{}, err
	}
	return s.Product(ctx, productID)
}

// UpsertProduct creates the product with in.Handle, or replaces it when it
// exists. It reports whether the product was created.
func (s *Service) UpsertProduct(ctx context.Context, in ProductInput) (Product, bool, error) {
	if err := in.normalize(); err != nil {
		return Product{}, false, err
	}
	var existing string
	err := s.db.QueryRowContext(ctx, "SELECT id FROM products WHERE handle = ?", in.Handle).Scan(&existing)
	if store.IsNoRows(err) {
		p, err := s.CreateProduct(ctx, in)
		return p, err == nil, err
	}
	if err != nil {
		return Product{}, false, fmt.Errorf("find product %s: %w", in.Handle, err)
	}
	p, err := s.UpdateProduct(ctx, existing, in)
	return p, false, err
}

func (s *Service) updateTx(ctx context.Context, tx *store.Tx, productID string, in ProductInput) error {
	res, err := tx.ExecContext(ctx, `UPDATE products SET handle = ?, title = ?, description = ?, vendor = ?,
		product_type = ?, tags = ?, options = ?, status = ?, updated_at = ? WHERE id = ?`,
		in.Handle, in.Title, in.Description, in.Vendor, in.Type, strings.Join(in.Tags, ","),
		jsonText(in.Options), in.Status, s.now().UnixMilli(), productID)
	if store.IsUniqueViolation(err) {
		return apperr.Conflictf("a product with handle %q already exists", in.Handle)
	}
	if err != nil {
		return fmt.Errorf("update product: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("no product %q", productID)
	}
	existing, err := s.variantKeys(ctx, tx, productID)
	if err != nil {
		return err
	}
	for _, q := range []string{
		"DELETE FROM product_images WHERE product_id = ?",
		"DELETE FROM product_channels WHERE product_id = ?",
	} {
		if _, err := tx.ExecContext(ctx, q, productID); err != nil {
			return fmt.Errorf("clear product: %w", err)
		}
	}
	return s.writeChildren(ctx, tx, productID, in, existing)
}

// variantKeys maps the ids and SKUs of a product's variants to variant ids.
func (s *Service) variantKeys(ctx context.Context, tx *store.Tx, productID string) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, COALESCE(sku, '') FROM variants WHERE product_id = ?", productID)
	if err != nil {
		return nil, fmt.Errorf("read variants: %w", err)
	}
	defer rows.Close()
	keys := map[string]string{}
	for rows.Next() {
		var vid, sku string
		if err := rows.Scan(&vid, &sku); err != nil {
			return nil, err
		}
		keys["id:"+vid] = vid
		if sku != "" {
			keys["sku:"+sku] = vid
		}
	}
	return keys, rows.Err()
}

// writeChildren writes variants, channel prices, channels and images. existing
// maps "id:…" and "sku:…" keys of current variants; nil for a new product.
func (s *Service) writeChildren(ctx context.Context, tx *store.Tx, productID string, in ProductInput, existing map[string]string) error {
	now := s.now().UnixMilli()
	kept := map[string]bool{}
	bySKU := map[string]string{}
	for i, v := range in.Variants {
		vid := existing["id:"+v.ID]
		if vid == "" && v.SKU != "" {
			vid = existing["sku:"+v.SKU]
		}
		var err error
		if vid == "" {
			vid = id.New("var")
			_, err = tx.ExecContext(ctx, `INSERT INTO variants (id, product_id, sku, barcode, title, option_values,
				price, compare_at_price, currency, position, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				vid, productID, nullable(v.SKU), v.Barcode, v.Title, jsonText(v.Options), v.Price, v.CompareAtPrice,
				v.Currency, i+1, now, now)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE variants SET sku = ?, barcode = ?, title = ?, option_values = ?,
				price = ?, compare_at_price = ?, currency = ?, position = ?, updated_at = ? WHERE id = ?`,
				nullable(v.SKU), v.Barcode, v.Title, jsonText(v.Options), v.Price, v.CompareAtPrice, v.Currency, i+1, now, vid)
		}
		if store.IsUniqueViolation(err) {
			return apperr.InvalidField(fmt.Sprintf("variants[%d].sku", i), "SKU %q is used by another product", v.SKU)
		}
		if err != nil {
			return fmt.Errorf("write variant: %w", err)
		}
		kept[vid] = true
		bySKU[v.SKU] = vid
		if err := s.writeChannelPrices(ctx, tx, vid, v.ChannelPrices); err != nil {
			return err
		}
	}
	for key, vid := range existing {
		if strings.HasPrefix(key, "id:") && !kept[vid] {
			if _, err := tx.ExecContext(ctx, "DELETE FROM variants WHERE id = ?", vid); err != nil {
				return fmt.Errorf("remove variant: %w", err)
			}
		}
	}
	for _, ch := range in.Channels {
		if _, err := tx.ExecContext(ctx, "INSERT INTO product_channels (product_id, channel) VALUES (?, ?)", productID, ch); err != nil {
			return fmt.Errorf("write channel: %w", err)
		}
	}
	for i, img := range in.Images {
		if _, err := tx.ExecContext(ctx, `INSERT INTO product_images (id, product_id, variant_id, url, alt, position)
			VALUES (?, ?, ?, ?, ?, ?)`, id.New("img"), productID, nullable(bySKU[img.VariantSKU]), img.URL, img.Alt, i+1); err != nil {
			return fmt.Errorf("write image: %w", err)
		}
	}
	if in.Collections == nil {
		return nil
	}
	return setProductCollections(ctx, tx, productID, in.Collections)
}

// setProductCollections puts a product in exactly the collections listed:
// it leaves those it stays in (and its place there), joins the others at
// their end and leaves the rest.
func setProductCollections(ctx context.Context, tx *store.Tx, productID string, collectionIDs []string) error {
	rows, err := tx.QueryContext(ctx, "SELECT collection_id FROM collection_products WHERE product_id = ?", productID)
	if err != nil {
		return fmt.Errorf("read product collections: %w", err)
	}
	in := map[string]bool{}
	for rows.Next() {
		var cid string
		if err := rows.Scan(&cid); err != nil {
			rows.Close()
			return err
		}
		in[cid] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i, cid := range collectionIDs {
		if in[cid] {
			delete(in, cid)
			continue
		}
		var next int
		err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT MAX(position) FROM collection_products WHERE collection_id = ?), 0) + 1
			FROM collections WHERE id = ?`, cid, cid).Scan(&next)
		if store.IsNoRows(err) {
			return apperr.InvalidField(fmt.Sprintf("collections[%d]", i), "unknown collection %q", cid)
		}
		if err != nil {
			return fmt.Errorf("read collection %s: %w", cid, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO collection_products (collection_id, product_id, position) VALUES (?, ?, ?)",
			cid, productID, next); err != nil {
			return fmt.Errorf("add product to collection: %w", err)
		}
	}
	for cid := range in {
		if _, err := tx.ExecContext(ctx, "DELETE FROM collection_products WHERE collection_id = ? AND product_id = ?", cid, productID); err != nil {
			return fmt.Errorf("remove product from collection: %w", err)
		}
	}
	return nil
}

func (s *Service) writeChannelPrices(ctx context.Context, tx *store.Tx, variantID string, prices map[string]int64) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM variant_channel_prices WHERE variant_id = ?", variantID); err != nil {
		return fmt.Errorf("clear channel prices: %w", err)
	}
	for ch, p := range prices {
		if _, err := tx.ExecContext(ctx, "INSERT INTO variant_channel_prices (variant_id, channel, price) VALUES (?, ?, ?)",
			variantID, ch, p); err != nil {
			return fmt.Errorf("write channel price: %w", err)
		}
	}
	return nil
}

// ArchiveProduct hides a product from sale. Orders keep their own copy of
// what was bought, so nothing is lost.
func (s *Service) ArchiveProduct(ctx context.Context, productID string) error {
	defer s.changed()
	res, err := s.db.ExecContext(ctx, "UPDATE products SET status = ?, updated_at = ? WHERE id = ?",
		StatusArchived, s.now().UnixMilli(), productID)
	if err != nil {
		return fmt.Errorf("archive product: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("no product %q", productID)
	}
	return nil
}

func jsonText(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
