package storekit_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/storekit"
)

// A third-party backend reads its URL options with Params and reports
// configuration errors that match idempotency.ErrInvalidConfig.
func ExampleParams() {
	u, _ := url.Parse("etcd://10.0.0.1:2379/?prefix=app&lease_grace=2s&tabel=x")
	p := storekit.NewParams("etcdstore", u)
	prefix, _ := p.String("prefix")
	grace, _ := p.Duration("lease_grace")
	fmt.Println(prefix, grace)
	err := p.Err("prefix", "lease_grace")
	fmt.Println(err)
	fmt.Println(errors.Is(err, idempotency.ErrInvalidConfig))
	// Output:
	// app 2s
	// etcdstore: unknown URL parameter "tabel" (known: prefix, lease_grace)
	// true
}

// A backend's Claim checks its arguments before any I/O and reports a
// failure of its driver as unavailable.
func ExampleUnavailable() {
	claim := func(ctx context.Context, key string, lease time.Duration) error {
		if err := storekit.CheckClaim(key, lease); err != nil {
			return err
		}
		return storekit.Unavailable("etcdstore", "claim", errors.New("context deadline exceeded"))
	}
	fmt.Println(claim(context.Background(), "", time.Minute))
	err := claim(context.Background(), "k", time.Minute)
	fmt.Println(err, errors.Is(err, idempotency.ErrUnavailable))
	// Output:
	// idempotency: invalid key: empty
	// etcdstore: claim: context deadline exceeded true
}
