package login

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
)

// Defaults of the Handler.
const (
	// DefaultPath is the path under which the Handler serves its routes.
	DefaultPath = "/login"
	// DefaultMaxAge is how long a sign-in may take from its start to its
	// callback: the state cookie's lifetime.
	DefaultMaxAge = 10 * time.Minute
	// DefaultReturnTo is where the browser goes after signing in when the
	// start request named no return_to.
	DefaultReturnTo = "/"
)

// Option configures a Handler.
type Option func(*handlerConfig) error

type handlerConfig struct {
	path           string
	maxAge         time.Duration
	store          idempotency.Store
	returnOrigins  []string
	defaultReturn  string
	errorPath      string
	errorHandler   func(http.ResponseWriter, *http.Request, error)
	logger         *slog.Logger
	now            func() time.Time
	allowUnverfied bool
	storeTimeout   time.Duration
	obs            *Observer
}

// WithPath serves the routes under path instead of DefaultPath: the start
// route of provider NAME is path/NAME and its callback path/NAME/callback.
// Mount the Handler there (mux.Handle(path+"/", h)).
func WithPath(path string) Option {
	return func(c *handlerConfig) error {
		if !strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/") && path != "/" ||
			strings.ContainsAny(path, "?#%\\ \t\r\n") || strings.Contains(path, "//") {
			return fmt.Errorf("%w: WithPath: %q must start with '/', not end with one, and hold no '?', '#', '%%', '\\', '//' or space", ErrInvalidConfig, path)
		}
		if path == "/" {
			path = ""
		}
		c.path = path
		return nil
	}
}

// WithMaxAge sets how long a sign-in may take between its start and its
// callback, which is the state cookie's lifetime: DefaultMaxAge (ten
// minutes) unless set, between one minute and one hour.
func WithMaxAge(d time.Duration) Option {
	return func(c *handlerConfig) error {
		if d < time.Minute || d > time.Hour {
			return fmt.Errorf("%w: WithMaxAge: %v is outside [1m, 1h]", ErrInvalidConfig, d)
		}
		c.maxAge = d
		return nil
	}
}

// WithStore makes every sign-in's callback single-use across every replica
// that shares s: the Handler records each sign-in's state in s (key
// "login:" + SHA-256 of the state, until the state cookie expires) before
// it redeems the code, and refuses a second callback with ErrReplayed
// before any request to the provider. When s cannot be reached the
// callback fails with ErrTemporary (closed, not open).
//
// Without a store a replayed callback still fails: the browser's cookie is
// deleted by the first callback, and providers refuse a code used twice.
// What remains is a replay carrying a copy of the cookie to a provider
// that does not enforce single-use codes; WithStore closes that.
func WithStore(s idempotency.Store) Option {
	return func(c *handlerConfig) error {
		if s == nil {
			return fmt.Errorf("%w: WithStore: nil store", ErrInvalidConfig)
		}
		c.store = s
		return nil
	}
}

// WithReturnOrigins allows return-to URLs on these origins
// ("https://app.example.com") besides local paths and the public URL's
// own origin. Each must be http(s)://host[:port] and nothing else.
func WithReturnOrigins(origins ...string) Option {
	return func(c *handlerConfig) error {
		for _, o := range origins {
			if _, err := parseOrigin(o); err != nil {
				return fmt.Errorf("%w: WithReturnOrigins: %q: %v", ErrInvalidConfig, o, err)
			}
		}
		c.returnOrigins = append(c.returnOrigins, origins...)
		return nil
	}
}

// WithDefaultReturnTo sets where the browser goes after signing in when
// the start request had no return_to parameter: DefaultReturnTo ("/")
// unless set. It must be a local path.
func WithDefaultReturnTo(path string) Option {
	return func(c *handlerConfig) error {
		p := returnPolicy{self: "invalid:"}
		if path == "" || !strings.HasPrefix(path, "/") {
			return fmt.Errorf("%w: WithDefaultReturnTo: %q is not a local path", ErrInvalidConfig, path)
		}
		if _, err := p.check(path); err != nil {
			return fmt.Errorf("%w: WithDefaultReturnTo: %q: %v", ErrInvalidConfig, path, err)
		}
		c.defaultReturn = path
		return nil
	}
}

// WithErrorPath redirects a failed sign-in (303 See Other) to the local
// path p with an error parameter naming what failed (see Reason), instead
// of answering with the Handler's own error page.
func WithErrorPath(p string) Option {
	return func(c *handlerConfig) error {
		pol := returnPolicy{self: "invalid:"}
		if !strings.HasPrefix(p, "/") {
			return fmt.Errorf("%w: WithErrorPath: %q is not a local path", ErrInvalidConfig, p)
		}
		if _, err := pol.check(p); err != nil {
			return fmt.Errorf("%w: WithErrorPath: %q: %v", ErrInvalidConfig, p, err)
		}
		if strings.Contains(p, "#") {
			return fmt.Errorf("%w: WithErrorPath: %q holds a fragment", ErrInvalidConfig, p)
		}
		c.errorPath = p
		return nil
	}
}

// WithErrorHandler hands every failed sign-in to fn, which writes the
// response. err is an *Error; Status and Reason map it to an HTTP status
// and a short code. Do not show err's text to the user.
func WithErrorHandler(fn func(w http.ResponseWriter, r *http.Request, err error)) Option {
	return func(c *handlerConfig) error {
		if fn == nil {
			return fmt.Errorf("%w: WithErrorHandler: nil function", ErrInvalidConfig)
		}
		c.errorHandler = fn
		return nil
	}
}

// WithLogger logs each sign-in's outcome to l: Info for a success, Warn
// for a refused callback, Debug for a start. Lines carry provider,
// outcome, reason and duration; never a code, a token, a state, a cookie
// or an email address. Without it the Handler logs nowhere.
func WithLogger(l *slog.Logger) Option {
	return func(c *handlerConfig) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger: nil logger", ErrInvalidConfig)
		}
		c.logger = l
		return nil
	}
}

// WithClock replaces time.Now for the state cookie's expiry.
func WithClock(now func() time.Time) Option {
	return func(c *handlerConfig) error {
		if now == nil {
			return fmt.Errorf("%w: WithClock: nil clock", ErrInvalidConfig)
		}
		c.now = now
		return nil
	}
}

// WithUnverifiedEmail lets identities through whose email is missing or
// not verified by the provider (Identity.EmailVerified is false). Without
// it such sign-ins fail with ErrEmailNotVerified. Use it only when the
// application keys users by Identity.ID and never trusts Identity.Email
// unless EmailVerified is true.
func WithUnverifiedEmail() Option {
	return func(c *handlerConfig) error {
		c.allowUnverfied = true
		return nil
	}
}
