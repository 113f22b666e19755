// Package config reads Omni's settings from command-line flags, falling back
// to OMNI_* environment variables and then to defaults.
package config

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/store"
)

// Server is the configuration of `omni serve`.
type Server struct {
	Addr            string
	Database        string
	LogFormat       string
	LogLevel        string
	ShutdownTimeout time.Duration
	Channels        Channels
	StripeSecretKey Secret // enables the stripe payment provider
	StripeBaseURL   string // Stripe's API, or a stand-in for tests and sandboxes
	SecureCookies   bool   // dashboard cookies are Secure even on plain HTTP (TLS ends at a proxy)
	// SecretKey (64 hex digits) seals the channel secrets saved from the
	// dashboard; without it they are stored unencrypted.
	SecretKey     Secret
	StorefrontURL string // the storefront's base URL; journey messages link to its cart page (<url>/cart)
	// Now is the clock journeys and campaigns go by (when to send, frequency caps,
	// conversions); nil means the real time. Tests move it forward.
	Now func() time.Time
}

// Env returns the environment variable name, or def when it is unset or empty.
func Env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// DatabaseFlag registers --database (env OMNI_DATABASE) on fs.
func DatabaseFlag(fs *flag.FlagSet) *string {
	return fs.String("database", Env("OMNI_DATABASE", store.DefaultPath),
		"SQLite file path or postgres:// URL (env OMNI_DATABASE)")
}

// RegisterServer registers the server's flags on fs and returns the Server
// they fill when fs is parsed.
func RegisterServer(fs *flag.FlagSet) *Server {
	s := &Server{}
	fs.StringVar(&s.Addr, "addr", Env("OMNI_ADDR", "127.0.0.1:8080"), "listen address HOST:PORT (env OMNI_ADDR)")
	fs.StringVar(&s.Database, "database", Env("OMNI_DATABASE", store.DefaultPath),
		"SQLite file path or postgres:// URL (env OMNI_DATABASE)")
	fs.StringVar(&s.LogFormat, "log-format", Env("OMNI_LOG_FORMAT", "text"), "log format: text or json (env OMNI_LOG_FORMAT)")
	fs.StringVar(&s.LogLevel, "log-level", Env("OMNI_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env OMNI_LOG_LEVEL)")
	fs.DurationVar(&s.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long in-flight work may take to finish on stop")
	registerChannels(fs, &s.Channels)
	s.StripeSecretKey = Secret(os.Getenv("OMNI_STRIPE_SECRET_KEY"))
	fs.Var(secretFlag{&s.StripeSecretKey}, "stripe-secret-key",
		"Stripe secret key; enables card payments (env OMNI_STRIPE_SECRET_KEY, preferred: flags show in process lists)")
	fs.StringVar(&s.StripeBaseURL, "stripe-base-url", Env("OMNI_STRIPE_BASE_URL", "https://api.stripe.com"),
		"Stripe API base URL (env OMNI_STRIPE_BASE_URL)")
	s.SecretKey = Secret(os.Getenv("OMNI_SECRET_KEY"))
	fs.Var(secretFlag{&s.SecretKey}, "secret-key",
		"64 hex digits (openssl rand -hex 32) sealing channel secrets saved in the dashboard (env OMNI_SECRET_KEY, preferred)")
	fs.BoolVar(&s.SecureCookies, "secure-cookies", Env("OMNI_SECURE_COOKIES", "") == "true",
		"mark dashboard cookies Secure although Omni itself serves plain HTTP, e.g. behind a TLS proxy (env OMNI_SECURE_COOKIES=true)")
	fs.StringVar(&s.StorefrontURL, "storefront-url", Env("OMNI_STOREFRONT_URL", ""),
		"the storefront's base URL, e.g. https://shop.example.com; journey messages link to <url>/cart (env OMNI_STOREFRONT_URL)")
	return s
}

// NewLogger builds the process logger.
func NewLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}
