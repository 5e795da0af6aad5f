// Command multiprovider shows Switchboard's webhook handlers for several
// providers at once, mounted on a router other than net/http's ServeMux:
// GitHub, Slack and SendGrid handlers on a go-chi/chi router, sharing one
// SQLite idempotency store, so every event is processed once however often
// it is delivered.
//
// It runs with no configuration at all:
//
//	go run ./examples/multiprovider
//
// Environment variables:
//
//	ADDR                         listen address (127.0.0.1:8081)
//	DATA_DIR                     where the SQLite store lives (<user cache dir>/switchboard-multiprovider)
//	GITHUB_WEBHOOK_SECRET        the GitHub webhook's secret
//	SLACK_SIGNING_SECRET         the Slack app's signing secret
//	SENDGRID_WEBHOOK_PUBLIC_KEY  the SendGrid Event Webhook verification key (base64)
//	TRUSTED_PROXIES              comma-separated CIDRs of reverse proxies whose
//	                             X-Forwarded-For is believed for the client IP in logs
//
// When a secret is unset, a demo one is generated at start (for SendGrid a
// new P-256 key pair, whose private key signs test deliveries) and the
// command lines that send a signed test delivery with it are printed,
// ready to paste. A secret read from the environment is never printed:
// its line says "$GITHUB_WEBHOOK_SECRET" and the shell fills it in. While
// any secret is unset, the server refuses an ADDR that other machines
// can reach. DATA_DIR is created 0700 and the store in it is 0600.
//
// Routes:
//
//	POST /webhooks/github    push, pull_request and ping events
//	POST /webhooks/slack     Events API callbacks; the url_verification challenge is answered
//	POST /webhooks/sendgrid  delivered, bounce and open events; others recorded by a fallback
//	GET  /events             the last 100 processed events, newest first, as JSON
//	GET  /healthz            liveness, with a check of the store
//
// The printed lines look like these, run from the repository root:
//
//	go run ./cmd/switchboard webhooks send --provider github --secret 0e37...5e http://127.0.0.1:8081/webhooks/github
//	go run ./cmd/switchboard webhooks send --provider slack --secret a162...82 http://127.0.0.1:8081/webhooks/slack
//	go run ./cmd/switchboard webhooks send --provider sendgrid --secret MIGH...vU http://127.0.0.1:8081/webhooks/sendgrid
//	curl -s http://127.0.0.1:8081/events
//
// Add --repeat 20 --concurrency 20 to a send to deliver the same event 20
// times at once: /events still lists it once.
package main
