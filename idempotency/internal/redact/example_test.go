package redact_test

import (
	"errors"
	"fmt"
	"net"

	"github.com/switchboard-go/switchboard/idempotency/internal/redact"
)

func Example() {
	conn := "postgres://app:p%40ss@db.internal:5432/app"
	cause := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	err := redact.Error("connect to "+conn+" (password p@ss): "+cause.Error(), cause, redact.Secrets(conn))
	fmt.Println(err)
	var op *net.OpError
	fmt.Println(errors.As(err, &op))
	// Output:
	// connect to postgres://app:xxxxx@db.internal:5432/app (password xxxxx): dial tcp: connection refused
	// true
}
