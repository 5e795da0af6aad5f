package paystackpay

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Paystack documents transaction references as "Unique transaction
// reference. Only -, ., = and alphanumeric characters allowed."
// (TransactionInitialize.reference in Paystack's OpenAPI description).

// maxVerbatimKey is the longest idempotency key used as a reference
// unchanged. Longer keys (and keys with other characters) are shortened to
// a prefix and a hash, so every derived reference is at most
// derivedPrefixLength+1+derivedHashLength = 57 characters.
const (
	maxVerbatimKey      = 64
	derivedPrefixLength = 24
	derivedHashLength   = 32
)

// allowedReferenceByte reports whether c may appear in a Paystack
// transaction reference.
func allowedReferenceByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '='
}

// validReference reports whether s is a non-empty reference Paystack
// accepts.
func validReference(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !allowedReferenceByte(s[i]) {
			return false
		}
	}
	return true
}

// ReferenceForKey returns the Paystack transaction reference that
// CreatePayment uses for an idempotency key. It is deterministic, so every
// retry with the same key asks Paystack for the same reference, and
// Paystack's refusal of a duplicate reference is what prevents a second
// transaction.
//
// A key of at most 64 characters that Paystack allows as it is
// (letters, digits, '-', '.', '=') is used unchanged. Any other key becomes
// its first 24 characters with disallowed ones replaced by '-', a '-', and
// the first 32 hex digits of its SHA-256, so two keys that differ only in
// disallowed characters still get different references.
func ReferenceForKey(key string) string {
	if len(key) <= maxVerbatimKey && validReference(key) {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(sum[:])[:derivedHashLength]
	var b strings.Builder
	b.Grow(derivedPrefixLength + 1 + derivedHashLength)
	for i := 0; i < len(key) && b.Len() < derivedPrefixLength; i++ {
		c := key[i]
		if allowedReferenceByte(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('-')
		}
	}
	b.WriteByte('-')
	b.WriteString(h)
	return b.String()
}
