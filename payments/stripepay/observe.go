package stripepay

import "github.com/switchboard-go/switchboard/payments"

// WithObserver sets the Observer that receives an observation of every
// call: CreatePayment, GetPayment, CancelPayment, Refund and GetRefund (see
// payments.Observer). Without it nothing is observed and nothing is spent
// on it. A nil Observer is a configuration error.
func WithObserver(o *payments.Observer) Option {
	return func(c *config) error {
		if o == nil {
			return payments.ConfigError(Name, "WithObserver", "observer is nil")
		}
		c.obs = o
		return nil
	}
}
