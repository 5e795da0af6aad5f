package mailgunmail

import "github.com/switchboard-go/switchboard/email"

// WithObserver sets the Observer that receives an observation of every
// Send (see email.Observer). Without it nothing is observed and nothing is
// spent on it. A nil Observer is a configuration error.
func WithObserver(o *email.Observer) Option {
	return func(c *config) error { return c.SetObserver(pkg, o) }
}
