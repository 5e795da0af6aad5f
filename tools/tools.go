//go:build tools

// Package tools pins the programs that the tests and CI need, so that users
// of the library never inherit them as dependencies.
package tools

import (
	_ "github.com/axllent/mailpit"
	_ "github.com/stripe/stripe-mock"
	_ "go.uber.org/mock/mockgen"
	_ "honnef.co/go/tools/cmd/staticcheck"
)
