package redisstore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/redisstore"
)

func Example() {
	// go-redis connects lazily, so this runs without a server.
	client := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.WithPrefix("billing:idem:"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(store.Prefix())
	// Output: billing:idem:
}

// Open connects to the Redis a URL names and checks it with PING.
func ExampleOpen() {
	ctx := context.Background()
	store, err := idempotency.Open(ctx, "redis://localhost:6379/0?prefix=billing:idem:")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
}
