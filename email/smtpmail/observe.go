package smtpmail

import "github.com/switchboard-go/switchboard/email"

// WithObserver sets the Observer that receives an observation of every
// Send ("send") and SendMany ("send_many"; see email.Observer). Without it
// nothing is observed and nothing is spent on it. A nil Observer is a
// configuration error.
func WithObserver(o *email.Observer) Option {
	return func(c *config) error {
		if o == nil {
			return configError("WithObserver: the observer is nil")
		}
		c.obs = o
		return nil
	}
}
