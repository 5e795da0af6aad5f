package redisstore_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/redisstore"
	"github.com/switchboard-go/switchboard/idempotency/storetest"
	"github.com/switchboard-go/switchboard/internal/testenv"
)

func client(t *testing.T) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	require.NoError(t, err)
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// isolatedPrefix returns a random key prefix whose keys are deleted at cleanup.
func isolatedPrefix(t *testing.T, c *redis.Client) string {
	prefix := "switchboard-test:" + idempotency.NewToken()[:12] + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		require.NoError(t, iter.Err())
		if len(keys) > 0 {
			require.NoError(t, c.Del(ctx, keys...).Err())
		}
	})
	return prefix
}

func newStore(t *testing.T) *redisstore.Store {
	c := client(t)
	s, err := redisstore.New(c, redisstore.WithPrefix(isolatedPrefix(t, c)))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) idempotency.Store { return newStore(t) })
}

func TestKeysLiveUnderPrefixWithExpiry(t *testing.T) {
	s := newStore(t)
	c := s.Client()
	ctx := context.Background()
	cl, err := s.Claim(ctx, "k", "fp", 30*time.Second)
	require.NoError(t, err)
	ttl, err := c.PTTL(ctx, s.Prefix()+"k").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 20*time.Second)
	require.LessOrEqual(t, ttl, 30*time.Second)

	require.NoError(t, s.Complete(ctx, "k", cl.Token, idempotency.Record{Status: 200}, time.Hour))
	ttl, err = c.PTTL(ctx, s.Prefix()+"k").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 50*time.Minute, "completion replaces the lease by the TTL")

	n, err := c.Exists(ctx, "k").Result()
	require.NoError(t, err)
	require.Zero(t, n, "nothing is written outside the prefix")
}

func TestSubMillisecondLease(t *testing.T) {
	s := newStore(t)
	c, err := s.Claim(context.Background(), "k", "fp", time.Microsecond)
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, c.State, "a positive lease is rounded up to 1ms, never to 0")
}

func TestDownRedisErrors(t *testing.T) {
	const secret = "s3cret-Passw0rd"
	addr := storetest.ClosedPort(t)
	url := "redis://user:" + secret + "@" + addr + "/0?dial_timeout=1s&max_retries=-1"
	_, err := redisstore.Open(context.Background(), url)
	storetest.ErrorHidesSecret(t, err, secret)
	_, err = idempotency.Open(context.Background(), url)
	storetest.ErrorHidesSecret(t, err, secret)

	c := redis.NewClient(&redis.Options{Addr: addr, Password: secret, DialTimeout: time.Second, MaxRetries: -1})
	defer c.Close()
	s, err := redisstore.New(c)
	require.NoError(t, err)
	storetest.ErrorIsNotAcquired(t, s, secret)
}

func TestOpenErrorsHidePassword(t *testing.T) {
	addr := storetest.ClosedPort(t)
	const plain, escaping = "s3cret-Passw0rd", "p@ss w/rd&?+%"
	tests := []struct {
		name   string
		secret string
		url    string
	}{
		{"unreachable", plain, "redis://user:" + plain + "@" + addr + "/0?dial_timeout=1s&max_retries=-1"},
		{"unreachable, escaped password", escaping, "redis://user:" + url.PathEscape(escaping) + "@" + addr + "/0?dial_timeout=1s&max_retries=-1"},
		{"bad option", plain, "redis://user:" + plain + "@" + addr + "/0?dial_timeout=soon"},
		{"bad option, escaped password", escaping, "redis://user:" + url.PathEscape(escaping) + "@" + addr + "/0?dial_timeout=soon"},
		{"bad database", escaping, "redis://user:" + url.PathEscape(escaping) + "@" + addr + "/x" + url.PathEscape(escaping)},
		{"unknown scheme", escaping, "redis+bogus://user:" + url.PathEscape(escaping) + "@" + addr + "/0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := redisstore.Open(context.Background(), tc.url)
			storetest.ErrorHidesSecret(t, err, tc.secret)
		})
	}
}

func TestClosedStore(t *testing.T) {
	storetest.ClosedStore(t, newStore(t), redisstore.ErrClosed)
}

func TestOpenURL(t *testing.T) {
	base := testenv.RedisURL(t)
	ctx := context.Background()
	c := client(t)
	prefix := isolatedPrefix(t, c)
	s, err := idempotency.Open(ctx, base+"?prefix="+prefix)
	require.NoError(t, err)
	defer s.Close()
	require.Equal(t, prefix, s.(*redisstore.Store).Prefix())
	cl, err := s.Claim(ctx, "k", "fp", time.Minute)
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, cl.State)
	n, err := c.Exists(ctx, prefix+"k").Result()
	require.NoError(t, err)
	require.EqualValues(t, 1, n)

	s2, err := redisstore.Open(ctx, base)
	require.NoError(t, err)
	require.Equal(t, redisstore.DefaultPrefix, s2.Prefix())
	require.NoError(t, s2.Close())

	_, err = redisstore.Open(ctx, "redis://u:hunter2@127.0.0.1:1/0?bogus_option=1")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "hunter2")
	require.Contains(t, idempotency.Schemes(), "redis")
	require.Contains(t, idempotency.Schemes(), "rediss")
}

func TestNilClient(t *testing.T) {
	_, err := redisstore.New(nil)
	require.Error(t, err)
}

// A failed Open returns a nil Store interface, never one holding a nil
// pointer.
func TestOpenFailureReturnsNilStore(t *testing.T) {
	s, err := idempotency.Open(context.Background(), "redis://"+storetest.ClosedPort(t)+"/0?dial_timeout=1s&max_retries=-1")
	require.Error(t, err)
	require.True(t, s == nil, "Open must return a nil interface, got %#v", s)
}
