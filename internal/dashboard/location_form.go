package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/omni-hq/omni/internal/inventory"
)

// locationKinds are the kinds of location the form offers.
var locationKinds = []string{inventory.Warehouse, inventory.Shop}

// locationForm is the location form as typed. Opening hours are one line
// per opening, e.g. "mon 09:00-19:00".
type locationForm struct {
	ID, Code, Name, Kind, Line1, Line2, City, Region, PostalCode, Country string
	Hours, Priority                                                       string
	PickupEnabled, Ships                                                  bool
	Error                                                                 string
}

type locationView struct {
	Form  locationForm
	Kinds []string
	CSRF  string
	Saved bool
}

func readLocationForm(r *http.Request, id string) locationForm {
	_ = r.ParseForm()
	p := r.PostForm
	return locationForm{ID: id, Code: p.Get("code"), Name: p.Get("name"), Kind: p.Get("kind"), Line1: p.Get("line1"),
		Line2: p.Get("line2"), City: p.Get("city"), Region: p.Get("region"), PostalCode: p.Get("postal_code"),
		Country: p.Get("country"), Hours: p.Get("hours"), Priority: strings.TrimSpace(p.Get("priority")),
		PickupEnabled: p.Get("pickup_enabled") != "", Ships: p.Get("ships") != ""}
}

func locationFormOf(l inventory.Location) locationForm {
	f := locationForm{ID: l.ID, Code: l.Code, Name: l.Name, Kind: l.Kind, Line1: l.Address.Line1, Line2: l.Address.Line2,
		City: l.Address.City, Region: l.Address.Region, PostalCode: l.Address.PostalCode, Country: l.Address.Country,
		PickupEnabled: l.PickupEnabled, Ships: l.Ships, Priority: strconv.Itoa(l.Priority)}
	var hours []string
	for _, o := range l.OpeningHours {
		hours = append(hours, o.Day+" "+o.Opens+"-"+o.Closes)
	}
	f.Hours = strings.Join(hours, "\n")
	return f
}

// input turns the form into a location; the inventory service checks the rest.
func (f locationForm) input() (inventory.LocationInput, error) {
	ships := f.Ships
	in := inventory.LocationInput{Code: f.Code, Name: f.Name, Kind: f.Kind, PickupEnabled: f.PickupEnabled, Ships: &ships,
		Address: inventory.Address{Line1: strings.TrimSpace(f.Line1), Line2: strings.TrimSpace(f.Line2), City: strings.TrimSpace(f.City),
			Region: strings.TrimSpace(f.Region), PostalCode: strings.TrimSpace(f.PostalCode), Country: f.Country}}
	if f.Priority != "" {
		n, err := strconv.Atoi(f.Priority)
		if err != nil {
			return in, errInvalid("priority", "give a whole number; lower ships first")
		}
		in.Priority = n
	}
	for i, line := range strings.Split(f.Hours, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		day, span, _ := strings.Cut(line, " ")
		opens, closes, ok := strings.Cut(strings.TrimSpace(span), "-")
		if !ok {
			return in, errInvalid("opening_hours", fmt.Sprintf("line %d: write a day and hours, e.g. mon 09:00-19:00", i+1))
		}
		in.OpeningHours = append(in.OpeningHours, inventory.Hours{Day: strings.ToLower(day),
			Opens: strings.TrimSpace(opens), Closes: strings.TrimSpace(closes)})
	}
	return in, nil
}

func (h *Handler) renderLocation(w http.ResponseWriter, r *http.Request, req *request, status int, f locationForm) error {
	title := "New location"
	if f.ID != "" {
		title = "Edit " + f.Name
	}
	v := locationView{Form: f, Kinds: locationKinds, CSRF: req.csrf, Saved: r.URL.Query().Get("saved") != ""}
	h.render(w, r, status, "location", h.withSession(view{Title: title, Active: "inventory", Data: v}, req))
	return nil
}

func (h *Handler) newLocation(w http.ResponseWriter, r *http.Request, req *request) error {
	return h.renderLocation(w, r, req, http.StatusOK, locationForm{Kind: inventory.Warehouse, Ships: true, Priority: "0"})
}

func (h *Handler) editLocation(w http.ResponseWriter, r *http.Request, req *request) error {
	l, err := h.d.Stock.Location(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.renderLocation(w, r, req, http.StatusOK, locationFormOf(l))
}

// saveLocation creates a location (POST /inventory/locations) or replaces
// one (POST /inventory/locations/{id}); a bad field shows the form again.
func (h *Handler) saveLocation(w http.ResponseWriter, r *http.Request, req *request) error {
	f := readLocationForm(r, r.PathValue("id"))
	in, err := f.input()
	var l inventory.Location
	if err == nil && f.ID == "" {
		l, err = h.d.Stock.CreateLocation(r.Context(), in)
	} else if err == nil {
		l, err = h.d.Stock.UpdateLocation(r.Context(), f.ID, in)
	}
	if msg, bad := formProblem(err); bad {
		f.Error = msg
		return h.renderLocation(w, r, req, http.StatusBadRequest, f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/inventory/locations/"+url.PathEscape(l.ID)+"?saved=1", http.StatusSeeOther)
	return nil
}
