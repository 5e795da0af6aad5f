package idempotency

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/switchboard-go/switchboard/idempotency/internal/redact"
)

// Opener builds a Store from a parsed URL. Backends register one per URL
// scheme with Register. An opener that fails returns a nil Store with its
// error.
type Opener func(ctx context.Context, u *url.URL) (Store, error)

var (
	openersMu sync.RWMutex
	openers   = map[string]Opener{}
)

// Register makes a backend available to Open under the given URL scheme.
// Backends call it from an init function, as database/sql drivers do, so a
// program imports the backends it wants:
//
//	import _ "github.com/switchboard-go/switchboard/idempotency/redisstore"
//
// Register panics when scheme is empty, opener is nil, or the scheme is
// registered twice: those are programming errors, not configuration.
func Register(scheme string, opener Opener) {
	scheme = strings.ToLower(scheme)
	if scheme == "" || opener == nil {
		panic("idempotency: Register needs a scheme and an opener")
	}
	openersMu.Lock()
	defer openersMu.Unlock()
	if _, dup := openers[scheme]; dup {
		panic("idempotency: Register called twice for scheme " + scheme)
	}
	openers[scheme] = opener
}

// Schemes returns the registered URL schemes, sorted.
func Schemes() []string {
	openersMu.RLock()
	defer openersMu.RUnlock()
	out := make([]string, 0, len(openers))
	for s := range openers {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// urlForms is the expected URL form, shown in Open's errors.
const urlForms = "want scheme://..., for example memory://, sqlite:///var/lib/app/idem.db, " +
	"postgres://user@host:5432/db, redis://host:6379/0"

// backendPackages names the package that registers each scheme of this
// module, for the error of an unregistered one.
var backendPackages = map[string]string{
	"memory":     "memstore",
	"sqlite":     "sqlitestore",
	"postgres":   "pgstore",
	"postgresql": "pgstore",
	"redis":      "redisstore",
	"rediss":     "redisstore",
}

// Open builds a Store from a URL. The scheme picks the backend, whose
// package must be imported for its side effect of registering it:
//
//	memory://?max_entries=10000                      idempotency/memstore
//	sqlite:///var/lib/app/idem.db?table=keys         idempotency/sqlitestore
//	postgres://user@host:5432/db?schema=app&table=k  idempotency/pgstore
//	redis://host:6379/0?prefix=app:idem:             idempotency/redisstore
//
// Query parameters map to the backend's options; each backend's package
// documentation lists them, and an unknown parameter is an error naming
// it. Errors wrap ErrInvalidConfig for a URL that is malformed or names an
// unregistered scheme or unknown parameter, and ErrUnavailable for a store
// that cannot be reached. They name the URL with its password and query
// values hidden. On error the Store is nil.
func Open(ctx context.Context, rawURL string) (Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse errors quote the URL, which may hold a password.
		return nil, configErrorf("Open: the store URL does not parse; %s", urlForms)
	}
	shown := redact.URL(u)
	if u.Scheme == "" {
		return nil, configErrorf("Open: store URL %q has no scheme; %s", shown, urlForms)
	}
	scheme := strings.ToLower(u.Scheme)
	openersMu.RLock()
	opener, ok := openers[scheme]
	openersMu.RUnlock()
	if !ok {
		hint := "import the backend package that registers it"
		if pkg, known := backendPackages[scheme]; known {
			hint = fmt.Sprintf(`import _ "github.com/switchboard-go/switchboard/idempotency/%s"`, pkg)
		}
		return nil, fmt.Errorf("%w %q in %q (registered: %s; %s)", ErrUnknownScheme, scheme, shown,
			strings.Join(Schemes(), ", "), hint)
	}
	s, err := opener(ctx, u)
	if err != nil {
		// An opener that returns a typed nil pointer with its error would
		// otherwise hand the caller a non-nil Store whose Close panics.
		return nil, fmt.Errorf("idempotency: open %s: %w", shown, err)
	}
	if s == nil || isNilPointer(s) {
		return nil, fmt.Errorf("idempotency: open %s: the %q opener returned no store", shown, scheme)
	}
	return s, nil
}

// isNilPointer reports whether s holds a nil pointer.
func isNilPointer(s Store) bool {
	v := reflect.ValueOf(s)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
