package sqlitestore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/sqlitestore"
)

func Example() {
	dir, err := os.MkdirTemp("", "idem")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	store, err := sqlitestore.Open(ctx, filepath.Join(dir, "idem.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	c, _ := store.Claim(ctx, "paystack:charge.success:42", "fp", time.Minute)
	fmt.Println(c.State)
	_ = store.Complete(ctx, "paystack:charge.success:42", c.Token, idempotency.Record{Status: 200, Body: []byte("ok")}, 72*time.Hour)
	c, _ = store.Claim(ctx, "paystack:charge.success:42", "fp", time.Minute)
	fmt.Println(c.State, c.Record.Status, string(c.Record.Body))
	// Output:
	// acquired
	// completed 200 ok
}

func Example_open() {
	// The same store from a URL, as configuration would name it.
	store, err := idempotency.Open(context.Background(), "sqlite://:memory:?table=idem_keys&busy_timeout=2s")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	fmt.Printf("%T\n", store)
	// Output: *sqlitestore.Store
}
