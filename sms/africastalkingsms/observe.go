package africastalkingsms

import "github.com/switchboard-go/switchboard/sms"

// WithObserver sets the Observer that receives an observation of every
// Send (see sms.Observer): its outcome, including "replayed" for a send
// answered from the idempotency store, and never a number or a body.
// Without it nothing is observed and nothing is spent on it. A nil
// Observer is a configuration error.
func WithObserver(o *sms.Observer) Option {
	return func(c *config) error { return c.SetObserver(o) }
}
