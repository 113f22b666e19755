// Package settings keeps the settings of the messaging channels (Messenger,
// Twilio SMS, the email relay) and the marketplace connections in the
// database, so that an admin connects and changes them from the dashboard
// while Omni runs.
//
// Precedence, field by field: a value given by a flag or environment
// variable wins and cannot be changed from the dashboard; otherwise the
// stored value applies. Secrets are sealed with AES-256-GCM when Omni has a
// secret key (--secret-key / OMNI_SECRET_KEY) and are never given back to
// the dashboard: it sees whether one is set and, for long ones, the last
// four characters. Channel adapters read the current values through Get,
// which answers from a cache that a save empties at once on its own node
// and, on PostgreSQL, on every other node through LISTEN/NOTIFY.
package settings

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/store"
)

// fieldEnabled is the stored switch of a channel; absent means on.
const fieldEnabled = "enabled"

// notifyChannel carries the names of channels saved on another node.
const notifyChannel = "omni_channel_settings"

// Overrides are values given by flags or environment variables: channel →
// field → value. They win over stored values.
type Overrides map[string]map[string]string

// Fixed is a setting read once at start (a flag), shown on the page so
// that the admin knows where to change it.
type Fixed struct {
	Label, Flag, Value string
}

// Options configure a Store.
type Options struct {
	// Key (32 bytes) seals secrets at rest; nil stores them as given.
	Key       []byte
	Overrides Overrides
	Fixed     map[string][]Fixed // per channel
	// TTL bounds how long a node trusts its cache when a notification from
	// another node was missed; default 30 seconds.
	TTL time.Duration
	Now func() time.Time
}

// Values are a channel's settings in effect: stored values with the
// overrides on top.
type Values struct {
	// Enabled is false when an admin switched the channel off.
	Enabled bool
	fields  map[string]string
}

// Get returns the value of a field, "" when unset.
func (v Values) Get(name string) string { return v.fields[name] }

// Store reads and saves channel settings.
type Store struct {
	db    *store.DB
	seal  sealer
	o     Options
	specs []Spec

	mu    sync.Mutex
	gen   uint64 // bumped by every invalidation
	cache map[string]cached
}

type cached struct {
	values  Values
	expires time.Time
}

// New returns a Store on db.
func New(db *store.DB, o Options) (*Store, error) {
	s, err := newSealer(o.Key)
	if err != nil {
		return nil, err
	}
	if o.TTL <= 0 {
		o.TTL = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{db: db, seal: s, o: o, specs: Specs(), cache: map[string]cached{}}, nil
}

// CheckOverrides checks the values given by flags and environment
// variables, so that a mistake there stops Omni at start.
func (s *Store) CheckOverrides() error {
	for channel, fields := range s.o.Overrides {
		spec, ok := s.Spec(channel)
		for name, v := range fields {
			f, known := spec.Field(name)
			if !ok || !known {
				return fmt.Errorf("channel settings: no field %s.%s", channel, name)
			}
			if v == "" {
				continue
			}
			if err := f.check(v); err != nil {
				return fmt.Errorf("%s (env %s): %s %v", f.Flag, f.Env, f.Label, err)
			}
		}
	}
	return nil
}

// Sealed reports whether secrets are encrypted at rest.
func (s *Store) Sealed() bool { return s.seal.enabled() }

// Spec returns the spec of a channel.
func (s *Store) Spec(channel string) (Spec, bool) {
	for _, sp := range s.specs {
		if sp.Channel == channel {
			return sp, true
		}
	}
	return Spec{}, false
}

// Get returns the settings in effect for channel. A secret that cannot be
// opened (sealed with another key) counts as unset.
func (s *Store) Get(ctx context.Context, channel string) (Values, error) {
	s.mu.Lock()
	c, ok := s.cache[channel]
	gen := s.gen
	s.mu.Unlock()
	if ok && s.o.Now().Before(c.expires) {
		return c.values, nil
	}
	rows, err := s.load(ctx, channel)
	if err != nil {
		return Values{}, err
	}
	v := Values{Enabled: true, fields: map[string]string{}}
	for _, r := range rows {
		if r.name == fieldEnabled {
			v.Enabled = r.value != "false"
		} else if val, err := s.value(channel, r); err == nil {
			v.fields[r.name] = val
		}
	}
	for name, val := range s.o.Overrides[channel] {
		if val != "" {
			v.fields[name] = val
		}
	}
	s.mu.Lock()
	if s.gen == gen { // no save since the load began
		s.cache[channel] = cached{values: v, expires: s.o.Now().Add(s.o.TTL)}
	}
	s.mu.Unlock()
	return v, nil
}

type row struct {
	name, value, by string
	sealed          bool
	at              int64
}

func (s *Store) load(ctx context.Context, channel string) ([]row, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, value, sealed, updated_at, updated_by FROM channel_settings
		WHERE channel = ? ORDER BY name`, channel)
	if err != nil {
		return nil, fmt.Errorf("load %s settings: %w", channel, err)
	}
	defer rows.Close()
	var out []row
	for rows.Next() {
		var r row
		var sealed int
		if err := rows.Scan(&r.name, &r.value, &sealed, &r.at, &r.by); err != nil {
			return nil, fmt.Errorf("load %s settings: %w", channel, err)
		}
		r.sealed = sealed == 1
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *Store) value(channel string, r row) (string, error) {
	if !r.sealed {
		return r.value, nil
	}
	return s.seal.open(channel, r.name, r.value)
}

// Input is what an admin saves.
type Input struct {
	// Values maps field names to new values. A blank secret keeps the
	// stored one; any other blank field is cleared. Fields not given stay.
	Values map[string]string
	// Clear lists secrets to remove.
	Clear   []string
	Enabled bool
	By      string // who saves, for the record
}

type write struct {
	name, value string
	sealed, del bool
}

// Save stores a channel's settings. Fields set by overrides cannot be
// changed: giving one is an error naming the variable that sets it.
func (s *Store) Save(ctx context.Context, channel string, in Input) error {
	spec, ok := s.Spec(channel)
	if !ok {
		return apperr.NotFoundf("no channel %q to configure", channel)
	}
	writes, err := s.plan(spec, in)
	if err != nil {
		return err
	}
	now := s.o.Now().UnixMilli()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, w := range writes {
			if err := saveTx(ctx, tx, channel, w, now, in.By); err != nil {
				return fmt.Errorf("save %s setting %s: %w", channel, w.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.invalidate(channel)
	if err := s.db.Notify(ctx, notifyChannel, channel); err != nil && !errors.Is(err, store.ErrNoNotify) {
		return fmt.Errorf("tell other nodes of the %s settings: %w", channel, err)
	}
	return nil
}

// plan checks the input and lists the rows to write.
func (s *Store) plan(spec Spec, in Input) ([]write, error) {
	enabled := "true"
	if !in.Enabled {
		enabled = "false"
	}
	writes := []write{{name: fieldEnabled, value: enabled}}
	for _, f := range spec.Fields {
		v, given := in.Values[f.Name]
		v = strings.TrimSpace(v)
		clear := slices.Contains(in.Clear, f.Name)
		if s.o.Overrides[spec.Channel][f.Name] != "" {
			if (given && v != "") || clear {
				return nil, apperr.InvalidField(f.Name, "is set by %s and cannot be changed here", f.Env)
			}
			continue
		}
		switch {
		case clear:
			writes = append(writes, write{name: f.Name, del: true})
		case !given, f.Secret && v == "":
		case v == "":
			writes = append(writes, write{name: f.Name, del: true})
		default:
			if err := f.check(v); err != nil {
				return nil, apperr.InvalidField(f.Name, "%s %s", f.Label, err.Error())
			}
			w := write{name: f.Name, value: v}
			if f.Secret && s.seal.enabled() {
				w.value, w.sealed = s.seal.seal(spec.Channel, f.Name, v), true
			}
			writes = append(writes, w)
		}
	}
	return writes, nil
}

func saveTx(ctx context.Context, tx *store.Tx, channel string, w write, now int64, by string) error {
	if w.del {
		_, err := tx.ExecContext(ctx, "DELETE FROM channel_settings WHERE channel = ? AND name = ?", channel, w.name)
		return err
	}
	sealed := 0
	if w.sealed {
		sealed = 1
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO channel_settings (channel, name, value, sealed, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, name) DO UPDATE SET value = excluded.value,
		sealed = excluded.sealed, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		channel, w.name, w.value, sealed, now, by)
	return err
}

func (s *Store) invalidate(channel string) {
	s.mu.Lock()
	s.gen++
	delete(s.cache, channel)
	s.mu.Unlock()
}

// Follow empties the cache of channels saved on other nodes until ctx ends
// (PostgreSQL; on SQLite there is one node and it returns at once).
func (s *Store) Follow(ctx context.Context) error {
	if s.db.Dialect() != store.Postgres {
		return nil
	}
	return s.db.Listen(ctx, notifyChannel, s.invalidate, func(error) {
		s.mu.Lock()
		s.gen++
		clear(s.cache) // saves may have been missed
		s.mu.Unlock()
	})
}

// SealStored seals the secrets stored before Omni had a key, and returns
// how many it sealed. Without a key it does nothing.
func (s *Store) SealStored(ctx context.Context) (int, error) {
	if !s.seal.enabled() {
		return 0, nil
	}
	n := 0
	for _, spec := range s.specs {
		rows, err := s.load(ctx, spec.Channel)
		if err != nil {
			return n, err
		}
		for _, r := range rows {
			if f, ok := spec.Field(r.name); !ok || !f.Secret || r.sealed {
				continue
			}
			_, err := s.db.ExecContext(ctx, `UPDATE channel_settings SET value = ?, sealed = 1
				WHERE channel = ? AND name = ? AND sealed = 0 AND value = ?`,
				s.seal.seal(spec.Channel, r.name, r.value), spec.Channel, r.name, r.value)
			if err != nil {
				return n, fmt.Errorf("seal %s setting %s: %w", spec.Channel, r.name, err)
			}
			n++
		}
		s.invalidate(spec.Channel)
	}
	return n, nil
}
