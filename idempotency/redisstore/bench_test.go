package redisstore

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/internal/testenv"
)

var benchRecord = idempotency.Record{
	Status: 200,
	Header: http.Header{"Content-Type": {"application/json"}},
	Body:   []byte(`{"id":"ch_3MmlLrLkdIwHu7ix0snN0B15","object":"charge","amount":1099}`),
}

// BenchmarkClaimComplete measures a Claim and a Complete of a fresh key
// through the Store ("store") and the same two scripts run with EVALSHA
// through the bare go-redis client ("driver"), under a prefix of its own.
func BenchmarkClaimComplete(b *testing.B) {
	ctx := context.Background()
	opts, err := redis.ParseURL(testenv.RedisURL(b))
	if err != nil {
		b.Fatal(err)
	}
	client := redis.NewClient(opts)
	defer client.Close()
	prefix := "switchboard-bench:" + idempotency.NewToken()[:12] + ":"
	defer func() {
		iter := client.Scan(context.Background(), 0, prefix+"*", 1000).Iterator()
		for iter.Next(context.Background()) {
			client.Del(context.Background(), iter.Val())
		}
	}()
	s, err := New(client, WithPrefix(prefix))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("store", func(b *testing.B) {
		run := idempotency.NewToken()[:8] + ":"
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			key := "store:" + run + strconv.Itoa(i)
			c, err := s.Claim(ctx, key, "fp", time.Minute)
			if err != nil || c.State != idempotency.Acquired {
				b.Fatal(c.State, err)
			}
			if err := s.Complete(ctx, key, c.Token, benchRecord, time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("driver", func(b *testing.B) {
		hdr, _ := json.Marshal(benchRecord.Header)
		if err := claimScript.Load(ctx, client).Err(); err != nil {
			b.Fatal(err)
		}
		if err := completeScript.Load(ctx, client).Err(); err != nil {
			b.Fatal(err)
		}
		run := idempotency.NewToken()[:8] + ":"
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			key := prefix + "driver:" + run + strconv.Itoa(i)
			tok := idempotency.NewToken()
			if err := client.EvalSha(ctx, claimScript.Hash(), []string{key}, tok, "fp", 60000).Err(); err != nil {
				b.Fatal(err)
			}
			if err := client.EvalSha(ctx, completeScript.Hash(), []string{key}, tok, 200, hdr, benchRecord.Body, 60000).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
