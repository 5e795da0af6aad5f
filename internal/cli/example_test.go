package cli_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/switchboard-go/switchboard/internal/cli"
)

// Sign a Stripe event at a fixed time, then verify the delivery with the
// printed header, as a recorded delivery would be.
func Example() {
	body := `{"id":"evt_123","object":"event","type":"payment_intent.succeeded","data":{"object":{}}}`
	var headers strings.Builder
	code := cli.Run(context.Background(),
		[]string{"webhooks", "sign", "--provider", "stripe", "--secret", "whsec_example", "--timestamp", "1700000000"},
		strings.NewReader(body), &headers, os.Stderr)
	fmt.Println("sign:", code)
	fmt.Print(headers.String())

	args := []string{"webhooks", "verify", "--provider", "stripe", "--secret", "whsec_example", "--now", "1700000060"}
	for _, line := range strings.Split(strings.TrimSpace(headers.String()), "\n") {
		args = append(args, "--header", line)
	}
	code = cli.Run(context.Background(), args, strings.NewReader(body), os.Stdout, os.Stderr)
	fmt.Println("verify:", code)
	// Output:
	// sign: 0
	// Content-Type: application/json
	// Stripe-Signature: t=1700000000,v1=9f50da076d88106ee30ec26097cbba22d53230b6d1b33e177e7651a2345c876f
	// evt_123	payment_intent.succeeded
	// verify: 0
}
