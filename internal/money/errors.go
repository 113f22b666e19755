package money

import (
	"errors"
	"fmt"
)

// ErrCurrencyMismatch is matched (errors.Is) by every CurrencyMismatchError.
var ErrCurrencyMismatch = errors.New("currency mismatch")

// ErrUnknownCurrency reports a code that is not an active ISO 4217 currency.
var ErrUnknownCurrency = errors.New("unknown currency")

// ErrOverflow reports a result that does not fit in int64 minor units.
var ErrOverflow = errors.New("amount overflows int64 minor units")

// ErrInvalidAmount reports text that is not an amount in the form "12.34 EUR".
var ErrInvalidAmount = errors.New("invalid amount")

// ErrInvalidAllocation reports weights that cannot carry an allocation.
var ErrInvalidAllocation = errors.New("invalid allocation")

// CurrencyMismatchError reports an operation on amounts of two currencies.
type CurrencyMismatchError struct {
	Left, Right Currency
}

// Error describes the two currencies involved.
func (e *CurrencyMismatchError) Error() string {
	return fmt.Sprintf("currency mismatch: %q and %q", string(e.Left), string(e.Right))
}

// Is lets errors.Is(err, ErrCurrencyMismatch) match.
func (e *CurrencyMismatchError) Is(target error) bool {
	return target == ErrCurrencyMismatch
}
