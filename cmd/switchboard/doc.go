// Command switchboard is the developer's companion to the Switchboard SDK,
// like a provider's own CLI but for every provider the webhooks package
// verifies. It builds realistic, correctly signed webhook deliveries and
// sends them to an endpoint (once, or thousands of times at once to check
// de-duplication, with progress and a latency summary), prints the headers
// a provider would send for a body, and verifies captured deliveries.
//
// Install it with
//
//	go install github.com/switchboard-go/switchboard/cmd/switchboard@latest
//
// or run it from a checkout with go run ./cmd/switchboard.
//
// Usage:
//
//	switchboard webhooks send --provider P --secret S [--type T] [--data @file.json | --data '{...}'] [--url-signed U] [--repeat N] [--concurrency C] URL
//	switchboard webhooks sign --provider P --secret S [--url U] [--timestamp T] < body
//	switchboard webhooks verify --provider P --secret S [--url U] [--now UNIX] [--header 'Name: value' ...] < body
//	switchboard webhooks keygen --provider sendgrid|standardwebhooks|svix
//	switchboard version
//
// Providers: stripe, paystack, github, standardwebhooks, svix, twilio,
// sendgrid, slack, shopify, mandrill, flutterwave. Every command explains
// its flags and each provider's particulars with --help.
//
// For example, to send a Stripe payment_intent.succeeded event to a local
// endpoint 1,000 times, 20 at once, and see how many were processed:
//
//	switchboard webhooks send --provider stripe --secret whsec_test \
//	    --repeat 1000 --concurrency 20 --quiet http://127.0.0.1:8080/webhooks/stripe
//
// Exit status: 0 on success, 1 when a delivery does not verify or a send
// fails, 2 for a wrong command line, 130 when interrupted.
package main
