package auth

import "time"

// SetClock replaces the service's clock, for tests of expiry.
func SetClock(s *Service, now func() time.Time) { s.now = now }
