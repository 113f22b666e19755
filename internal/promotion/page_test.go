package promotion_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// TestListPage pages through promotions newest first, searching names and
// codes and filtering on whether they are on.
func TestListPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := promotion.NewService(db, promotion.Options{})
		var names []string // newest first
		for i := range 7 {
			p := tenOff(fmt.Sprintf("spring%d", i))
			p.Name = fmt.Sprintf("Spring sale %d", i)
			if i >= 5 {
				p.Name, p.Code = fmt.Sprintf("Autumn %d", i), ""
			}
			time.Sleep(2 * time.Millisecond) // creation times a millisecond apart
			st, err := svc.Create(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 1 {
				if _, err := svc.SetActive(ctx, st.ID, false); err != nil {
					t.Fatal(err)
				}
			}
			names = append([]string{st.Name}, names...)
		}
		on, off := true, false
		tests := []struct {
			name string
			opts promotion.PageOptions
			want []string
		}{
			{"all", promotion.PageOptions{Limit: 50}, names},
			{"by name, any case", promotion.PageOptions{Query: "AUTUMN"}, []string{"Autumn 6", "Autumn 5"}},
			{"by code", promotion.PageOptions{Query: "ing3"}, []string{"Spring sale 3"}},
			{"wildcards are plain text", promotion.PageOptions{Query: "spring_"}, nil},
			{"active", promotion.PageOptions{Active: &on}, []string{"Autumn 6", "Spring sale 4", "Spring sale 2", "Spring sale 0"}},
			{"switched off, by name", promotion.PageOptions{Active: &off, Query: "spring"}, []string{"Spring sale 3", "Spring sale 1"}},
		}
		for _, tc := range tests {
			p, err := svc.ListPage(ctx, tc.opts)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got := storedNames(p.Promotions); !slices.Equal(got, tc.want) || p.Next != "" {
				t.Errorf("%s: %v next %q, want %v and no next page", tc.name, got, p.Next, tc.want)
			}
		}

		var paged []string
		opts := promotion.PageOptions{Limit: 3}
		for pages := 0; ; pages++ {
			p, err := svc.ListPage(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, storedNames(p.Promotions)...)
			if p.Next == "" {
				if pages != 2 {
					t.Errorf("%d pages of 3 for 7 promotions", pages+1)
				}
				break
			}
			opts.After = p.Next
		}
		if !slices.Equal(paged, names) {
			t.Errorf("paged %v, want %v", paged, names)
		}
		if _, err := svc.ListPage(ctx, promotion.PageOptions{After: "yesterday"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("bad cursor: %v, want invalid", err)
		}
	})
}

func storedNames(list []promotion.Stored) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.Name)
	}
	return out
}
