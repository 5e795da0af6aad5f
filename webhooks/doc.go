// Package webhooks receives webhook deliveries from payment, email,
// developer and commerce providers through one http.Handler: it proves each
// delivery genuine, processes each event once, runs the function registered
// for its type and answers the way the provider expects.
//
// # Verifiers
//
// A Verifier checks one provider's signature scheme over the raw body, in
// constant time, against one or more secrets (pass older secrets with
// WithSecrets while rotating), and extracts the events a delivery carries
// with their IDs and types. Constructors reject an empty secret with
// ErrEmptySecret: verification is never skipped. Only the strongest scheme
// each provider offers is accepted (GitHub's SHA-256 header, never SHA-1;
// Stripe's v1, never v0). Schemes with a signed timestamp reject one
// further than the tolerance from the clock in either direction (five
// minutes unless WithTolerance says otherwise; WithClock injects the clock).
//
//   - NewStripe: Stripe-Signature, HMAC-SHA256 of t + "." + body.
//   - NewPaystack: x-paystack-signature, HMAC-SHA512 of the body.
//   - NewGitHub: X-Hub-Signature-256; ID from X-GitHub-Delivery.
//   - NewStandardWebhooks and NewSvix: webhook-* or svix-* headers.
//   - NewSlack: X-Slack-Signature over v0:timestamp:body; answers the
//     url_verification challenge (it implements Responder).
//   - NewShopify: X-Shopify-Hmac-Sha256.
//   - NewFlutterwave: flutterwave-signature, and the legacy verif-hash with
//     WithFlutterwaveVerifHash.
//   - NewTwilio: X-Twilio-Signature over the public URL and form (see
//     WithURL), and the bodySHA256 variant for JSON bodies.
//   - NewSendGrid: the Event Webhook's ECDSA signature; one Event per
//     element of the batch.
//   - NewMandrill: X-Mandrill-Signature; batches of mandrill_events; the
//     HEAD probe answered (it implements HeadProber).
//   - NewHMAC: any other provider that signs with an HMAC in one header.
//
// Failures wrap ErrMissingSignature, ErrMalformedHeader,
// ErrInvalidSignature, ErrTimestampOutOfRange or ErrMalformedBody with a
// short reason; no error or log line ever holds a secret or the signature
// received.
//
// # Handler
//
// NewHandler wraps a Verifier in an http.Handler that reads the body once
// (1 MiB at most by default), verifies it, claims each event in an
// idempotency.Store under "provider:eventID", runs the function registered
// with On (or Fallback) and answers: 200 when done, already done or not
// handled; 400 for a delivery that fails verification; 413 for a body too
// large; 500 when a function failed (its key is released so the provider's
// retry runs it again); 409 while the event is being processed elsewhere;
// 503 when the store cannot be reached. Without WithStore the handler uses
// an in-memory store, which de-duplicates only within one process; replicas
// must share a PostgreSQL or Redis store.
//
// The Handler is a plain http.Handler: mount it on net/http's ServeMux
// ("POST /webhooks/stripe"), chi (r.Method("POST", "/webhooks/stripe", h)),
// or any router that accepts one.
//
// # Serving
//
// The body limit bounds memory, but only the server bounds time: serve the
// Handler from an http.Server with ReadHeaderTimeout, ReadTimeout and
// WriteTimeout set (for example 5 s, 30 s and 30 s), so that a client that
// sends its headers or body slowly is cut off instead of holding a
// connection and a goroutine. Keep event functions well inside the lease
// (WithLease, five minutes by default) and inside the provider's own
// response timeout (GitHub, for one, waits 10 seconds): move
// slow work to a queue and return.
package webhooks

//go:generate go run go.uber.org/mock/mockgen@v0.6.0 -write_package_comment=false -destination=webhooksmock/verifier.go -package=webhooksmock github.com/switchboard-go/switchboard/webhooks Verifier
