package blobmedia

import "github.com/switchboard-go/switchboard/media"

// WithObserver sets the Observer that receives an observation of every
// Upload, Delete and SignUpload (see media.Observer). Without it nothing
// is observed and nothing is spent on it. A nil Observer is a
// configuration error.
func WithObserver(o *media.Observer) Option {
	return func(c *config) {
		if o == nil {
			c.errs = append(c.errs, media.ConfigError(Name, "WithObserver", "needs an observer"))
			return
		}
		c.obs = o
	}
}
