package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/internal/redact"
	"github.com/switchboard-go/switchboard/idempotency/storekit"
)

// Name is the backend's name, which starts its errors and log lines.
const Name = "redisstore"

func init() {
	storekit.Register("redis", openURL)
	storekit.Register("rediss", openURL)
}

func openURL(ctx context.Context, u *url.URL) (*Store, error) { return Open(ctx, u.String()) }

// DefaultPrefix is put before every idempotency key unless WithPrefix is
// given.
const DefaultPrefix = "idempotency:"

// Hash fields: token, fingerprint, done flag, status, header JSON, body.
//
// claimScript: KEYS[1] key; ARGV token, fingerprint, lease ms.
// Returns {1} acquired, {2, fp} in progress, {3, fp, status, header, body}.
var claimScript = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 't', 'f', 'd', 's', 'h', 'b')
if not v[1] then
	redis.call('DEL', KEYS[1])
	redis.call('HSET', KEYS[1], 't', ARGV[1], 'f', ARGV[2])
	redis.call('PEXPIRE', KEYS[1], ARGV[3])
	return {1}
end
if v[3] == '1' then
	return {3, v[2], v[4] or '0', v[5] or '', v[6] or ''}
end
return {2, v[2] or ''}
`)

// completeScript: KEYS[1] key; ARGV token, status, header, body, ttl ms.
var completeScript = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 't', 'd')
if v[1] ~= ARGV[1] or v[2] == '1' then
	return 0
end
redis.call('HSET', KEYS[1], 'd', '1', 's', ARGV[2], 'h', ARGV[3], 'b', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`)

// releaseScript: KEYS[1] key; ARGV token.
var releaseScript = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 't', 'd')
if v[1] ~= ARGV[1] or v[2] == '1' then
	return 0
end
redis.call('DEL', KEYS[1])
return 1
`)

// Option configures a Store.
type Option func(*config) error

type config struct {
	prefix string
	logger *slog.Logger
}

// WithPrefix sets the prefix put before every key (DefaultPrefix unless
// set; empty puts none). Give each application or environment sharing a
// Redis its own. On Redis Cluster a hash tag in the prefix ("{idem}:")
// keeps all keys on one slot, which is not needed: every script touches a
// single key.
func WithPrefix(prefix string) Option {
	return func(c *config) error { c.prefix = prefix; return nil }
}

// WithLogger sets the logger that receives go-redis's own log lines (a
// failed dial, a dropped connection) at Warn; see the package
// documentation for how they are routed. Without it, or with nil, the
// store logs nowhere.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}

// Store is an idempotency.Store on Redis.
type Store struct {
	client  redis.UniversalClient
	owned   bool
	prefix  string
	logger  *slog.Logger // nil: none
	secrets []string     // masked in go-redis lines sent to logger
	closed  atomic.Bool
}

var _ idempotency.Store = (*Store)(nil)

// New returns a Store on client. Close does not close the client. Errors
// wrap idempotency.ErrInvalidConfig.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if client == nil || reflect.ValueOf(client).IsNil() {
		return nil, storekit.InvalidConfig(Name, "New: nil client")
	}
	return build(client, opts)
}

func build(client redis.UniversalClient, opts []Option) (*Store, error) {
	cfg := config{prefix: DefaultPrefix}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	s := &Store{client: client, prefix: cfg.prefix, logger: cfg.logger}
	routeDriverLogs(s)
	return s, nil
}

// Open connects to the Redis named by a redis:// or rediss:// URL, checks
// the connection with PING and returns a Store that owns the client: Close
// closes it. The query parameter prefix sets WithPrefix (options given here
// win over it); every other parameter goes to redis.ParseURL, which
// refuses one it does not know. Errors never contain the password; they
// wrap idempotency.ErrInvalidConfig for a malformed URL and
// idempotency.ErrUnavailable when Redis cannot be reached.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, storekit.InvalidConfig(Name, "cannot parse the Redis URL (want redis://[user:password@]host:6379/0)")
	}
	p := storekit.NewParams(Name, u)
	if prefix, ok := p.String("prefix"); ok {
		opts = append([]Option{WithPrefix(prefix)}, opts...)
	}
	rest, err := p.Rest()
	if err != nil {
		return nil, err
	}
	u.RawQuery = rest.Encode()
	ro, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, hideSecrets(storekit.InvalidConfig(Name, "URL: %s", err), rawURL)
	}
	client := redis.NewClient(ro)
	s, err := build(client, opts)
	if err != nil {
		_ = client.Close()
		return nil, err
	}
	s.owned = true
	s.secrets = redact.Secrets(rawURL)
	if err := client.Ping(ctx).Err(); err != nil {
		_ = s.Close()
		return nil, hideSecrets(storekit.Unavailable(Name, "ping", err), rawURL)
	}
	return s, nil
}

// Scripts are the Lua scripts a Store runs, for inspection, for loading
// ahead (SCRIPT LOAD) where EVAL is restricted, and for benchmarks that run
// them through go-redis. Each touches the one key KEYS[1], the prefix and
// the idempotency key, so they work on Redis Cluster.
type Scripts struct {
	// Claim: ARGV token, fingerprint, lease in milliseconds. It returns {1}
	// when acquired, {2, fingerprint} when in progress, and
	// {3, fingerprint, status, header JSON, body} when completed.
	Claim *redis.Script
	// Complete: ARGV token, status, header JSON, body, TTL in
	// milliseconds. It returns 1, or 0 when the token does not hold the key.
	Complete *redis.Script
	// Release: ARGV token. It returns 1, or 0 when the token does not hold
	// the key.
	Release *redis.Script
}

// Scripts returns the scripts a Store runs.
func (s *Store) Scripts() Scripts {
	return Scripts{Claim: claimScript, Complete: completeScript, Release: releaseScript}
}

// Prefix returns the key prefix.
func (s *Store) Prefix() string { return s.prefix }

// Client returns the underlying client.
func (s *Store) Client() redis.UniversalClient { return s.client }

// Claim implements idempotency.Store.
func (s *Store) Claim(ctx context.Context, key, fingerprint string, lease time.Duration) (idempotency.Claim, error) {
	if err := storekit.CheckClaim(key, lease); err != nil {
		return idempotency.Claim{}, err
	}
	if s.closed.Load() {
		return idempotency.Claim{}, storekit.Closed(Name)
	}
	token := storekit.NewToken()
	res, err := claimScript.Run(ctx, s.client, []string{s.prefix + key}, token, fingerprint, millis(lease)).Slice()
	if err != nil {
		return idempotency.Claim{}, storekit.Unavailable(Name, "claim", err)
	}
	return decodeClaim(token, res)
}

func decodeClaim(token string, res []any) (idempotency.Claim, error) {
	bad := func() (idempotency.Claim, error) {
		return idempotency.Claim{}, storekit.Unavailable(Name, "claim", fmt.Errorf("unexpected reply of %d elements", len(res)))
	}
	if len(res) == 0 {
		return bad()
	}
	state, ok := res[0].(int64)
	if !ok {
		return bad()
	}
	switch {
	case state == 1 && len(res) == 1:
		return idempotency.Claim{State: idempotency.Acquired, Token: token}, nil
	case state == 2 && len(res) == 2:
		fp, _ := res[1].(string)
		return idempotency.Claim{State: idempotency.InProgress, Fingerprint: fp}, nil
	case state == 3 && len(res) == 5:
		fp, _ := res[1].(string)
		st, _ := res[2].(string)
		hdr, _ := res[3].(string)
		body, _ := res[4].(string)
		status, err := strconv.Atoi(st)
		if err != nil {
			return idempotency.Claim{}, storekit.Unavailable(Name, "claim", errors.New("the stored status is not a number"))
		}
		rec, err := storekit.DecodeRecord(status, fp, []byte(hdr), []byte(body))
		if err != nil {
			return idempotency.Claim{}, fmt.Errorf("%s: claim: %w", Name, err)
		}
		return idempotency.Claim{State: idempotency.Completed, Record: &rec, Fingerprint: fp}, nil
	}
	return bad()
}

// Complete implements idempotency.Store.
func (s *Store) Complete(ctx context.Context, key, token string, rec idempotency.Record, ttl time.Duration) error {
	if err := storekit.CheckComplete(key, ttl); err != nil {
		return err
	}
	if s.closed.Load() {
		return storekit.Closed(Name)
	}
	hdr, err := storekit.EncodeHeader(rec.Header)
	if err != nil {
		return fmt.Errorf("%s: encode header: %w", Name, err)
	}
	n, err := completeScript.Run(ctx, s.client, []string{s.prefix + key}, token, rec.Status, hdr, rec.Body, millis(ttl)).Int()
	if err != nil {
		return storekit.Unavailable(Name, "complete", err)
	}
	if n == 0 {
		return idempotency.ErrLeaseLost
	}
	return nil
}

// Release implements idempotency.Store.
func (s *Store) Release(ctx context.Context, key, token string) error {
	if err := storekit.CheckRelease(key); err != nil {
		return err
	}
	if s.closed.Load() {
		return storekit.Closed(Name)
	}
	n, err := releaseScript.Run(ctx, s.client, []string{s.prefix + key}, token).Int()
	if err != nil {
		return storekit.Unavailable(Name, "release", err)
	}
	if n == 0 {
		return idempotency.ErrLeaseLost
	}
	return nil
}

// Close marks the store closed and, when Open created the client, closes
// it. Later calls fail with an error wrapping idempotency.ErrClosed;
// closing twice is not an error.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	unrouteDriverLogs(s)
	if s.owned {
		return s.client.Close()
	}
	return nil
}

// millis converts d to whole milliseconds for PEXPIRE, rounding up so a
// positive duration never becomes zero.
func millis(d time.Duration) int64 {
	ms := int64((d + time.Millisecond - 1) / time.Millisecond)
	if ms < 1 {
		ms = 1
	}
	return ms
}

// hideSecrets hides rawURL (shown as "<redis URL>") and the passwords it
// holds from err's message while keeping the error chain for errors.Is and
// errors.As.
func hideSecrets(err error, rawURL string) error {
	msg := strings.ReplaceAll(err.Error(), rawURL, "<redis URL>")
	return redact.Error(msg, err, redact.Secrets(rawURL))
}
