package pgstore_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/pgstore"
)

// The table a Store uses can be created by a migration tool from SchemaSQL.
func Example() {
	// pgxpool connects lazily, so this runs without a server.
	pool, err := pgxpool.New(context.Background(), "postgres://app@localhost:5432/app")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()
	store, err := pgstore.New(pool, pgstore.WithSchema("billing"), pgstore.WithReapInterval(0))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	for _, line := range strings.Split(store.SchemaSQL(), "\n") {
		if strings.HasPrefix(line, "CREATE") {
			fmt.Println(line)
		}
	}
	// Output:
	// CREATE SCHEMA IF NOT EXISTS "billing";
	// CREATE TABLE IF NOT EXISTS "billing"."idempotency_keys" (
	// CREATE INDEX IF NOT EXISTS "idempotency_keys_expires_at_idx" ON "billing"."idempotency_keys" (expires_at);
}

// Open connects, creates the table when absent and returns the store.
func ExampleOpen() {
	ctx := context.Background()
	store, err := idempotency.Open(ctx, "postgres://app@localhost:5432/app?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
}
