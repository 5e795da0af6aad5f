// Command checkout is Switchboard's reference app: a storefront a person
// buys from in the browser, an authenticated API endpoint that creates a
// payment and returns what a frontend needs, a webhook endpoint per
// payment provider that verifies, de-duplicates and fulfils (an order row
// plus a receipt email, and a receipt text when the buyer gave a phone),
// and the orders list.
//
// It runs with no configuration at all:
//
//	go run ./examples/checkout
//
// That uses the sandbox payment provider, an SQLite idempotency store and
// order table in a data directory, and email written to the log. It
// prints the storefront's address to open in a browser, then the curl
// command lines that walk through one payment over the API, ready to
// paste, and for each sandbox payment created over the API, the lines
// that succeed or fail it.
//
// # The storefront
//
// The pages (shop.go, web/) are html/template and one plain script, with
// no build step. The products page lists a few products priced in USD and
// GHS, their pictures stored in the media store. The checkout page takes
// an email and an optional phone, then pays: with the sandbox, by a test
// card (4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined,
// 4000 0000 0000 9995 is declined for insufficient funds, 4000 0027 6000
// 3184 asks for a 3-D Secure step first); with Stripe, in Stripe's Payment
// Element (STRIPE_PUBLISHABLE_KEY); with Paystack, on Paystack's page and
// back. The return page shows "processing" until the provider's webhook
// has created the order, then "paid" and where the receipt went; a
// declined payment shows why and offers another try. The deliveries page
// lists recent webhook deliveries and the outcome of each event
// (processed, duplicate, rejected with the reason), with the CLI command
// that resends a sandbox event so that its duplicates show.
//
// Each checkout attempt sends one Idempotency-Key, kept across reloads, so
// a double click or a reload never creates a second payment. Every POST
// carries a CSRF token bound to the buyer and passes
// http.CrossOriginProtection; the pages' Content-Security-Policy allows
// scripts from the app alone, and from js.stripe.com in Stripe mode only.
// A buyer is the signed-in user, or else a guest named by a signed cookie;
// a payment's status and pages answer its own buyer alone.
//
// Environment variables switch each part to the real thing:
//
//	ADDR                   listen address (127.0.0.1:8080); an address other machines
//	                       reach needs DEMO_TOKEN set: the app refuses to start otherwise
//	DATA_DIR               where the SQLite files live (<user cache dir>/switchboard-checkout);
//	                       created 0700, its databases 0600
//	DEMO_TOKEN             the bearer token the demo auth accepts (demo)
//	STORE_URL              idempotency store: sqlite://..., memory://, postgres://..., redis://...
//	STRIPE_SECRET_KEY      with STRIPE_WEBHOOK_SECRET, turns on Stripe (STRIPE_API_URL for stripe-mock)
//	PAYSTACK_SECRET_KEY    turns on Paystack (PAYSTACK_API_URL to point elsewhere)
//	SANDBOX_WEBHOOK_SECRET the sandbox's whsec_ signing secret (generated and logged when unset)
//	SANDBOX=off            turns the sandbox off
//	SANDBOX_SETTLE         how long a sandbox card payment made on the checkout page takes
//	                       to settle (1s; at most 1m)
//	STRIPE_PUBLISHABLE_KEY the pk_ key the checkout page gives Stripe.js (Stripe mode)
//	PAYMENTS_PROVIDER      which provider create-intent uses: stripe, paystack or sandbox
//	SMTP_URL               send email through SMTP, e.g. smtp://127.0.0.1:1025
//	EMAIL_FROM             the sender address
//	GOOGLE_CLIENT_ID       with GOOGLE_CLIENT_SECRET, Google sign-in at /login/google
//	GITHUB_CLIENT_ID       with GITHUB_CLIENT_SECRET, GitHub sign-in at /login/github
//	                       (GITHUB_API_URL and GITHUB_OAUTH_URL point at another host)
//	OIDC_ISSUER            with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, sign-in at /login/oidc
//	PUBLIC_URL             where browsers reach the app; callbacks are PUBLIC_URL/login/NAME/callback
//	                       (default: the listen address)
//	SESSION_KEY            base64 of 32+ random bytes signing the session cookie (random at each start)
//	MEDIA_URL              product images: a local directory under DATA_DIR (default),
//	                       cloudinary://key:secret@cloud, or a Go CDK bucket (file:///dir, mem://)
//	CLOUDINARY_API_URL     Cloudinary's API host (a fake or a proxy)
//	QUEUE_URL              acknowledge payment webhooks fast: enqueue, answer 200, process in
//	                       in-process workers; sqlite (a file in DATA_DIR), postgres://... (several
//	                       replicas), redis://... (Asynq); failed jobs: switchboard webhooks jobs
//	METRICS=1              serve Prometheus metrics at GET /metrics (webhook outcomes, provider
//	                       call latency, retries, idempotency decisions): telemetry.go
//	OTEL_EXPORTER_OTLP_ENDPOINT  send traces over OTLP/HTTP there (the exporter reads the other
//	                       OTEL_EXPORTER_OTLP_* variables); trace context never goes to providers
//	SMS_PROVIDER           receipt texts for buyers who give a phone: twilio, africastalking or log
//	                       (default: the provider whose credentials are set, else the log)
//	SMS_REGION             the country of phones typed without +country code (GH)
//	TWILIO_ACCOUNT_SID     with TWILIO_AUTH_TOKEN and TWILIO_FROM, texts through Twilio; status
//	                       callbacks come to PUBLIC_URL/webhooks/twilio (TWILIO_API_URL points elsewhere)
//	AFRICASTALKING_USERNAME with AFRICASTALKING_API_KEY and AFRICASTALKING_FROM, texts through
//	                       Africa's Talking ("sandbox" for its sandbox; AFRICASTALKING_API_URL points
//	                       elsewhere); AFRICASTALKING_CALLBACK_TOKEN is the token of the delivery
//	                       report URL, PUBLIC_URL/webhooks/africastalking?token=...
//
// Routes:
//
//	GET  /                                the storefront: products
//	GET  /shop/checkout/{product}         the checkout form
//	GET  /shop/return?payment_id=         "processing" until the webhook made the order, then "paid"
//	                                      (also ?payment_intent= from Stripe, ?reference= from Paystack)
//	GET  /shop/authenticate?payment_id=   the sandbox's 3-D Secure step
//	GET  /shop/orders, /shop/deliveries   the buyer's orders; recent webhook deliveries
//	POST /shop/api/pay                    create the checkout's payment (CSRF token, Idempotency-Key)
//	POST /shop/api/sandbox/{confirm,authenticate}  pay a sandbox payment with a test card
//	GET  /shop/api/payments/{id}          where the buyer's payment is (the return page polls it)
//	GET  /shop/api/deliveries             the deliveries page's data
//	POST /shop/logout                     sign out (a form with the CSRF token)
//	POST /payments/create-intent          create a payment (Bearer auth or session, Idempotency-Key
//	                                      honoured; the user's id goes into the payment's metadata)
//	POST /webhooks/{stripe,paystack,sandbox}  provider webhooks
//	GET  /orders                          the signed-in user's orders, each with its receipt text's
//	                                      latest delivery status (Bearer auth or session)
//	GET  /login                           sign-in buttons, when a provider is configured
//	GET  /login/{provider}[/callback]     start and finish a sign-in; a session cookie then
//	                                      authenticates like the bearer token
//	GET  /me                              the signed-in buyer as JSON (401 without a session)
//	POST /logout                          end the session
//	POST /sandbox/payments/{id}/succeed   make the sandbox succeed a payment and deliver its webhook
//	POST /sandbox/payments/{id}/fail      make the sandbox fail a payment and deliver its webhook
//	POST /media                           upload a product image, multipart field "file" (Bearer auth)
//	POST /media/sign                      the fields a browser needs for a direct upload (Bearer auth)
//	DELETE /media/{id}                    delete an image (Bearer auth)
//	GET  /media/...                       local images (public ones; private ones with a signed URL)
//	POST /webhooks/cloudinary             Cloudinary upload notifications (with MEDIA_URL=cloudinary://...)
//	GET  /metrics                         Prometheus metrics, with METRICS=1
//	POST /webhooks/{twilio,africastalking} delivery reports of the receipt texts (with SMS_PROVIDER)
//	GET  /healthz                         liveness
//
// A create-intent body is one JSON object with amount (an integer number
// of minor units), currency and email; anything else is a 400 that names
// the field. Amounts above what the provider takes in one payment are
// refused before any call: Stripe's limit is 99,999,999 in its API's
// minor units, and the sandbox keeps to the same. Paystack documents no
// maximum.
//
// The sandbox keeps its payments in memory, while the idempotency store
// usually outlives the process: with the sandbox taking payments, an
// Idempotency-Key is scoped to the run, so after a restart the same key
// creates a payment the new sandbox knows instead of replaying one it
// never had. With Stripe or Paystack, whose payments persist, a key is
// scoped to the user alone.
package main
