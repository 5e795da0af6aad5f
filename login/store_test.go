package login_test

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
)

// brokenStore is an idempotency.Store that cannot be reached.
type brokenStore struct{}

var errDown = errors.New("store down")

func (brokenStore) Claim(context.Context, string, string, time.Duration) (idempotency.Claim, error) {
	return idempotency.Claim{}, errDown
}
func (brokenStore) Complete(context.Context, string, string, idempotency.Record, time.Duration) error {
	return errDown
}
func (brokenStore) Release(context.Context, string, string) error { return errDown }
func (brokenStore) Close() error                                  { return nil }
