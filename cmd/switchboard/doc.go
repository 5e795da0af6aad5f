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
//	switchboard webhooks send --provider P --secret S [--type T] [--data @file.json | --data '{...}'] [--url-signed U] [--repeat N] [--concurrency C] [--max-connection-errors N] [--json] URL
//	switchboard webhooks sign --provider P --secret S [--url U] [--timestamp T] [--json] < body
//	switchboard webhooks verify --provider P --secret S [--url U] [--now UNIX] [--header 'Name: value' ...] [--json] < body
//	switchboard webhooks keygen --provider sendgrid|standardwebhooks|svix|africastalking
//	switchboard version
//
// verify says which of two things is wrong with a delivery that does not
// pass: "not genuine, the signature does not match" (missing, malformed or
// wrong signature, or a timestamp out of range) or "genuine, but the body
// is not an event" (the signature matches, but the body is not an event the
// provider documents). With --json, verify, sign and send print one JSON
// object on standard output instead of text. send stops after
// --max-connection-errors deliveries got no answer (10 by default; 0 never
// stops) and warns when --type is not an event type it has a sample
// payload for. sign signs a sample event of --type when standard input is
// empty. version prints the module version the Go toolchain recorded, or
// "devel" (with the commit when recorded) under go run, and the Go version.
//
// Providers: stripe, paystack, github, standardwebhooks, svix, twilio,
// sendgrid, slack, shopify, mandrill, flutterwave, cloudinary,
// africastalking. "--provider twilio --type message-status" sends the
// status callback of a delivered text; "--provider africastalking" a
// delivery report, with the token (--secret) in the URL. Every command explains
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
