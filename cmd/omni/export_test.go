package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/export"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// TestExport fills a running node over HTTP — a customer seen on the web
// and in the app, their events, an order for pickup — and exports it with
// `omni export` while the node runs, on both backends.
func TestExport(t *testing.T) {
	dsns := map[string]string{"sqlite": filepath.Join(t.TempDir(), "omni.db")}
	if url := storetest.PostgresURL(t); url != "" {
		dsns["postgres"] = url
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			s := apptest.Start(t, dsn)
			orderTotal := exportFixture(t, s)
			exportCustomers(t, dsn)
			exportEvents(t, dsn)
			exportOrders(t, dsn, orderTotal)
		})
	}
}

// exportFixture makes the data and returns the order's total.
func exportFixture(t *testing.T, s *apptest.Server) int64 {
	t.Helper()
	must := func(want int, method, path string, body any) []byte {
		t.Helper()
		code, out := s.Do(t, method, path, s.Admin, body)
		if code != want {
			t.Fatalf("%s %s: %d %s", method, path, code, out)
		}
		return out
	}
	for i, channel := range []string{"web", "app"} {
		src := apptest.DecodeJSON[auth.Source](t, must(201, "POST", "/api/v1/sources", map[string]string{"name": channel, "channel": channel}))
		batch := fmt.Sprintf(`{"batch":[
			{"type":"identify","userId":"u-1","messageId":"id-%[1]d","traits":{"email":"Ada@Example.com","name":"Ada"}},
			{"type":"track","userId":"u-1","messageId":"tr-%[1]d","event":"Product Viewed","properties":{"sku":"MUG"}}]}`, i)
		req, _ := http.NewRequest("POST", s.URL+"/v1/batch", strings.NewReader(batch))
		req.SetBasicAuth(src.WriteKey, "")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("batch: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	must(201, "POST", "/api/v1/products", `{"title":"Mug","variants":[{"sku":"MUG","price":1200,"currency":"EUR"}]}`)
	must(201, "POST", "/api/v1/locations", `{"code":"paris","name":"Paris","kind":"shop","pickup_enabled":true,"address":{"line1":"1 rue de Rivoli","city":"Paris","country":"FR"}}`)
	must(200, "POST", "/api/v1/inventory", `{"sku":"MUG","location":"paris","on_hand":5}`)
	found := apptest.DecodeJSON[struct{ ID string }](t, must(200, "GET", "/api/v1/customers/lookup?type=user_id&value=u-1", nil))
	cart := apptest.DecodeJSON[struct{ ID string }](t, must(200, "POST", "/api/v1/customers/"+found.ID+"/cart/items",
		`{"sku":"MUG","quantity":2,"channel":"web"}`))
	order := apptest.DecodeJSON[struct{ Total int64 }](t, must(201, "POST", "/api/v1/carts/"+cart.ID+"/checkout",
		`{"channel":"web","fulfillment":"pickup","location":"paris"}`))
	return order.Total
}

func exportRun(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), append([]string{"export"}, args...), &out, &errOut); code != exitOK {
		t.Fatalf("omni export %v: exit %d: %s", args, code, errOut.String())
	}
	return out.String()
}

func jsonLines[T any](t *testing.T, s string) []T {
	t.Helper()
	var out []T
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, v)
	}
	return out
}

func exportCustomers(t *testing.T, dsn string) {
	cs := jsonLines[export.Customer](t, exportRun(t, "customers", "--database", dsn, "--quiet"))
	if len(cs) != 1 {
		t.Fatalf("%d customers exported, want 1: %+v", len(cs), cs)
	}
	c := cs[0]
	var ids []string
	for _, i := range c.Identities {
		ids = append(ids, i.Type+":"+i.Value)
	}
	if !slices.Contains(ids, "email:ada@example.com") || !slices.Contains(ids, "user_id:u-1") ||
		string(c.Traits["name"]) != `"Ada"` || strings.Join(c.Channels, ",") != "app,web" || c.LastSeenAt == "" {
		t.Fatalf("customer = %+v", c)
	}
	future := exportRun(t, "customers", "--database", dsn, "--quiet", "--since", "2999-01-01")
	if future != "" {
		t.Fatalf("customers seen after 2999: %q", future)
	}
}

func exportEvents(t *testing.T, dsn string) {
	evs := jsonLines[export.Event](t, exportRun(t, "events", "--database", dsn, "--quiet"))
	var msgs []string
	for _, e := range evs {
		// Tracked events keep the body as sent; Omni's own (cart changes,
		// orders) carry no messageId in theirs.
		var body struct{ MessageID string }
		tracked := !strings.HasPrefix(e.SourceID, "omni:")
		if err := json.Unmarshal(e.Event, &body); err != nil || tracked && body.MessageID != e.MessageID {
			t.Fatalf("event %s (%s): body %s", e.ID, e.MessageID, e.Event)
		}
		msgs = append(msgs, e.Channel+"/"+e.MessageID)
	}
	for _, want := range []string{"web/id-0", "web/tr-0", "app/id-1", "app/tr-1"} {
		if !slices.Contains(msgs, want) {
			t.Errorf("events %v lack %s", msgs, want)
		}
	}
}

func exportOrders(t *testing.T, dsn string, total int64) {
	path := filepath.Join(t.TempDir(), "orders.csv")
	exportRun(t, "orders", "--database", dsn, "--format", "csv", "--output", path, "--quiet")
	if _, err := os.Stat(path + ".partial"); !os.IsNotExist(err) {
		t.Fatalf("partial file left behind: %v", err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d CSV records, want header and one order: %v", len(recs), recs)
	}
	row := map[string]string{}
	for i, h := range recs[0] {
		row[h] = recs[1][i]
	}
	var lines []export.OrderLine
	if err := json.Unmarshal([]byte(row["lines"]), &lines); err != nil {
		t.Fatal(err)
	}
	if row["total"] != fmt.Sprint(total) || row["fulfillment"] != "pickup" || row["channel"] != "web" ||
		len(lines) != 1 || lines[0].SKU != "MUG" || lines[0].Quantity != 2 {
		t.Fatalf("order row = %v, lines %+v (total want %d)", row, lines, total)
	}
}

func TestExportUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "omni.db")
	for _, args := range [][]string{
		{"export"},
		{"export", "carts", "--database", db},
		{"export", "events", "--format", "xml", "--database", db},
		{"export", "orders", "--since", "yesterday", "--database", db},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != exitUsage || errOut.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q; want %d with a message", args, code, errOut.String(), exitUsage)
		}
	}
}
