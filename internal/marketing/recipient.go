package marketing

import (
	"encoding/json"
	"strings"

	"github.com/omni-hq/omni/internal/customer"
)

// Recipient is the customer a marketing message is for, as its text names
// them.
type Recipient struct {
	Name      string // the profile's name
	FirstName string // the first_name (or firstName) trait, else the name's first word
	Email     string
}

// RecipientOf names a profile's owner.
func RecipientOf(p customer.Profile) Recipient {
	r := Recipient{Name: p.Name, Email: p.Email}
	for _, key := range []string{"first_name", "firstName"} {
		if t, ok := p.Traits[key]; ok {
			var v string
			if json.Unmarshal(t.Value, &v) == nil && strings.TrimSpace(v) != "" {
				r.FirstName = strings.TrimSpace(v)
				return r
			}
		}
	}
	if f := strings.Fields(p.Name); len(f) > 0 {
		r.FirstName = f[0]
	}
	return r
}
