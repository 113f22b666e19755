package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// CollectionInput creates a collection or replaces its fields and products.
type CollectionInput struct {
	Handle      string   `json:"handle,omitempty"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	ProductIDs  []string `json:"product_ids"`
}

func (in *CollectionInput) normalize() error {
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" {
		return apperr.InvalidField("title", "is required")
	}
	if in.Handle == "" {
		in.Handle = Handleize(in.Title)
	}
	if !handlePattern.MatchString(in.Handle) {
		return apperr.InvalidField("handle", "%q must be lower-case letters and digits joined by dashes", in.Handle)
	}
	in.ProductIDs = cleanList(in.ProductIDs)
	return nil
}

// CreateCollection stores a new collection.
func (s *Service) CreateCollection(ctx context.Context, in CollectionInput) (Collection, error) {
	if err := in.normalize(); err != nil {
		return Collection{}, err
	}
	cid := id.New("col")
	err := s.withChange(ctx, func(tx *store.Tx) error {
		now := s.now().UnixMilli()
		_, err := tx.ExecContext(ctx, `INSERT INTO collections (id, handle, title, description, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, cid, in.Handle, in.Title, in.Description, now, now)
		if store.IsUniqueViolation(err) {
			return apperr.Conflictf("a collection with handle %q already exists", in.Handle)
		}
		if err != nil {
			return fmt.Errorf("insert collection: %w", err)
		}
		return setCollectionProducts(ctx, tx, cid, in.ProductIDs)
	})
	if err != nil {
		return Collection{}, err
	}
	return s.Collection(ctx, cid)
}

// UpdateCollection replaces a collection's fields and products.
func (s *Service) UpdateCollection(ctx context.Context, cid string, in CollectionInput) (Collection, error) {
	if err := in.normalize(); err != nil {
		return Collection{}, err
	}
	err := s.withChange(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE collections SET handle = ?, title = ?, description = ?, updated_at = ? WHERE id = ?",
			in.Handle, in.Title, in.Description, s.now().UnixMilli(), cid)
		if store.IsUniqueViolation(err) {
			return apperr.Conflictf("a collection with handle %q already exists", in.Handle)
		}
		if err != nil {
			return fmt.Errorf("update collection: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("no collection %q", cid)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM collection_products WHERE collection_id = ?", cid); err != nil {
			return err
		}
		return setCollectionProducts(ctx, tx, cid, in.ProductIDs)
	})
	if err != nil {
		return Collection{}, err
	}
	return s.Collection(ctx, cid)
}

func setCollectionProducts(ctx context.Context, tx *store.Tx, cid string, productIDs []string) error {
	for i, pid := range productIDs {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM products WHERE id = ?", pid).Scan(&one)
		if store.IsNoRows(err) {
			return apperr.InvalidField(fmt.Sprintf("product_ids[%d]", i), "unknown product %q", pid)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO collection_products (collection_id, product_id, position) VALUES (?, ?, ?)",
			cid, pid, i+1); err != nil {
			return fmt.Errorf("add product to collection: %w", err)
		}
	}
	return nil
}

// Collection returns one collection with its product ids in order.
func (s *Service) Collection(ctx context.Context, cid string) (Collection, error) {
	var c Collection
	var created, updated int64
	err := s.db.QueryRowContext(ctx, "SELECT id, handle, title, description, created_at, updated_at FROM collections WHERE id = ?", cid).
		Scan(&c.ID, &c.Handle, &c.Title, &c.Description, &created, &updated)
	if store.IsNoRows(err) {
		return Collection{}, apperr.NotFoundf("no collection %q", cid)
	}
	if err != nil {
		return Collection{}, fmt.Errorf("read collection: %w", err)
	}
	c.CreatedAt, c.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	c.ProductIDs = []string{}
	rows, err := s.db.QueryContext(ctx, "SELECT product_id FROM collection_products WHERE collection_id = ? ORDER BY position", cid)
	if err != nil {
		return Collection{}, fmt.Errorf("read collection products: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid string
		if err := rows.Scan(&pid); err != nil {
			return Collection{}, err
		}
		c.ProductIDs = append(c.ProductIDs, pid)
	}
	return c, rows.Err()
}

// ListCollections lists every collection (without product ids) by title.
func (s *Service) ListCollections(ctx context.Context) ([]Collection, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, handle, title, description, created_at, updated_at FROM collections ORDER BY title, id")
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	defer rows.Close()
	out := []Collection{}
	for rows.Next() {
		var c Collection
		var created, updated int64
		if err := rows.Scan(&c.ID, &c.Handle, &c.Title, &c.Description, &created, &updated); err != nil {
			return nil, err
		}
		c.CreatedAt, c.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
