package redisstore_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-go/switchboard/idempotency/redisstore"
	"github.com/switchboard-go/switchboard/idempotency/storekit"
	"github.com/switchboard-go/switchboard/idempotency/storetest"
	"github.com/switchboard-go/switchboard/internal/testenv"
)

// BenchmarkClaimComplete measures a Claim and a Complete of a fresh key
// through the Store ("store") and the same two scripts (Scripts) run with
// EVALSHA through the bare go-redis client ("driver"), under a prefix of its own.
func BenchmarkClaimComplete(b *testing.B) {
	ctx := context.Background()
	opts, err := redis.ParseURL(testenv.RedisURL(b))
	if err != nil {
		b.Fatal(err)
	}
	client := redis.NewClient(opts)
	defer client.Close()
	prefix := "switchboard-bench:" + storekit.NewToken()[:12] + ":"
	defer func() {
		iter := client.Scan(context.Background(), 0, prefix+"*", 1000).Iterator()
		for iter.Next(context.Background()) {
			client.Del(context.Background(), iter.Val())
		}
	}()
	s, err := redisstore.New(client, redisstore.WithPrefix(prefix))
	if err != nil {
		b.Fatal(err)
	}
	storetest.BenchClaimComplete(b, s, "driver", func(b *testing.B) storetest.BareOps {
		rec := storetest.BenchRecord()
		hdr, err := storekit.EncodeHeader(rec.Header)
		if err != nil {
			b.Fatal(err)
		}
		scripts := s.Scripts()
		if err := scripts.Claim.Load(ctx, client).Err(); err != nil {
			b.Fatal(err)
		}
		if err := scripts.Complete.Load(ctx, client).Err(); err != nil {
			b.Fatal(err)
		}
		ttl := storetest.LongLease.Milliseconds()
		// The bare client bypasses the Store, so it adds the prefix itself.
		return storetest.BareOps{
			Claim: func(ctx context.Context, key, token string) error {
				return client.EvalSha(ctx, scripts.Claim.Hash(), []string{prefix + key}, token, "fp", ttl).Err()
			},
			Complete: func(ctx context.Context, key, token string) error {
				return client.EvalSha(ctx, scripts.Complete.Hash(), []string{prefix + key}, token, rec.Status, hdr, rec.Body, ttl).Err()
			},
		}
	})
}
