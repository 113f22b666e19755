package id

import (
	"strings"
	"testing"
	"time"
)

func TestNewIsUniqueAndOrdered(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := 0; i < 2000; i++ {
		v := New("cus")
		if !strings.HasPrefix(v, "cus_") || len(v) != 4+26 {
			t.Fatalf("New = %q, want cus_ and 26 characters", v)
		}
		if seen[v] {
			t.Fatalf("duplicate id %q", v)
		}
		seen[v] = true
		if i%500 == 0 {
			if prev != "" && v <= prev {
				t.Fatalf("id %q made later sorts before %q", v, prev)
			}
			prev = v
			time.Sleep(2 * time.Millisecond)
		}
	}
}

func TestSecret(t *testing.T) {
	a, b := Secret("omni", 32), Secret("omni", 32)
	if a == b || !strings.HasPrefix(a, "omni_") || len(a) < 50 {
		t.Fatalf("Secret gave %q and %q", a, b)
	}
}
