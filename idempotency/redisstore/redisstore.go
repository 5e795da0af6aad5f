package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/internal/redact"
)

func init() {
	opener := func(ctx context.Context, u *url.URL) (idempotency.Store, error) {
		s, err := Open(ctx, u.String())
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	idempotency.Register("redis", opener)
	idempotency.Register("rediss", opener)
}

// DefaultPrefix is put before every idempotency key unless WithPrefix is
// given.
const DefaultPrefix = "idempotency:"

// ErrClosed is returned by a Store used after Close.
var ErrClosed = errors.New("redisstore: store is closed")

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
type Option func(*Store)

// WithPrefix sets the prefix put before every key (DefaultPrefix unless
// set). Give each application or environment sharing a Redis its own. On
// Redis Cluster a hash tag in the prefix ("{idem}:") keeps all keys on one
// slot, which is not needed: every script touches a single key.
func WithPrefix(prefix string) Option { return func(s *Store) { s.prefix = prefix } }

// Store is an idempotency.Store on Redis.
type Store struct {
	client redis.UniversalClient
	owned  bool
	prefix string
	closed atomic.Bool
}

var _ idempotency.Store = (*Store)(nil)

// New returns a Store on client. Close does not close the client.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if client == nil {
		return nil, errors.New("redisstore: nil client")
	}
	s := &Store{client: client, prefix: DefaultPrefix}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Open connects to the Redis named by a redis:// or rediss:// URL, checks
// the connection with PING and returns a Store that owns the client: Close
// closes it. A "prefix" query parameter sets the key prefix; options given
// here win over it. Errors never contain the password.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("redisstore: cannot parse Redis URL")
	}
	q := u.Query()
	prefix, hasPrefix := q.Get("prefix"), q.Has("prefix")
	q.Del("prefix")
	u.RawQuery = q.Encode()
	ro, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, hideSecrets(fmt.Errorf("redisstore: parse URL: %w", err), rawURL)
	}
	client := redis.NewClient(ro)
	if hasPrefix {
		opts = append([]Option{WithPrefix(prefix)}, opts...)
	}
	s, _ := New(client, opts...)
	s.owned = true
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, hideSecrets(fmt.Errorf("redisstore: ping: %w", err), rawURL)
	}
	return s, nil
}

// Prefix returns the key prefix.
func (s *Store) Prefix() string { return s.prefix }

// Client returns the underlying client.
func (s *Store) Client() redis.UniversalClient { return s.client }

// Claim implements idempotency.Store.
func (s *Store) Claim(ctx context.Context, key, fingerprint string, lease time.Duration) (idempotency.Claim, error) {
	if err := idempotency.ValidateKey(key); err != nil {
		return idempotency.Claim{}, err
	}
	if err := idempotency.ValidateDuration("lease", lease); err != nil {
		return idempotency.Claim{}, err
	}
	if s.closed.Load() {
		return idempotency.Claim{}, ErrClosed
	}
	token := idempotency.NewToken()
	res, err := claimScript.Run(ctx, s.client, []string{s.prefix + key}, token, fingerprint, millis(lease)).Slice()
	if err != nil {
		return idempotency.Claim{}, fmt.Errorf("redisstore: claim: %w", err)
	}
	return decodeClaim(token, res)
}

func decodeClaim(token string, res []any) (idempotency.Claim, error) {
	bad := func() (idempotency.Claim, error) {
		return idempotency.Claim{}, fmt.Errorf("redisstore: claim: unexpected reply of %d elements", len(res))
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
			return idempotency.Claim{}, errors.New("redisstore: claim: stored status is not a number")
		}
		rec := idempotency.Record{Status: status, Header: http.Header{}, Body: []byte(body), Fingerprint: fp}
		if hdr != "" {
			if err := json.Unmarshal([]byte(hdr), &rec.Header); err != nil {
				return idempotency.Claim{}, fmt.Errorf("redisstore: decode stored header: %w", err)
			}
			if rec.Header == nil {
				rec.Header = http.Header{}
			}
		}
		return idempotency.Claim{State: idempotency.Completed, Record: &rec, Fingerprint: fp}, nil
	}
	return bad()
}

// Complete implements idempotency.Store.
func (s *Store) Complete(ctx context.Context, key, token string, rec idempotency.Record, ttl time.Duration) error {
	if err := idempotency.ValidateKey(key); err != nil {
		return err
	}
	if err := idempotency.ValidateDuration("ttl", ttl); err != nil {
		return err
	}
	if s.closed.Load() {
		return ErrClosed
	}
	hdr, err := json.Marshal(rec.Header)
	if err != nil {
		return fmt.Errorf("redisstore: encode header: %w", err)
	}
	n, err := completeScript.Run(ctx, s.client, []string{s.prefix + key}, token, rec.Status, hdr, rec.Body, millis(ttl)).Int()
	if err != nil {
		return fmt.Errorf("redisstore: complete: %w", err)
	}
	if n == 0 {
		return idempotency.ErrLeaseLost
	}
	return nil
}

// Release implements idempotency.Store.
func (s *Store) Release(ctx context.Context, key, token string) error {
	if err := idempotency.ValidateKey(key); err != nil {
		return err
	}
	if s.closed.Load() {
		return ErrClosed
	}
	n, err := releaseScript.Run(ctx, s.client, []string{s.prefix + key}, token).Int()
	if err != nil {
		return fmt.Errorf("redisstore: release: %w", err)
	}
	if n == 0 {
		return idempotency.ErrLeaseLost
	}
	return nil
}

// Close marks the store closed and, when Open created the client, closes it.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
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

// hideSecrets hides rawURL (shown as "<redis URL>") and the passwords it holds
// from err's message while keeping the error chain for errors.Is and
// errors.As.
func hideSecrets(err error, rawURL string) error {
	msg := strings.ReplaceAll(err.Error(), rawURL, "<redis URL>")
	return redact.Error(msg, err, redact.Secrets(rawURL))
}
