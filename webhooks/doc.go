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
// with their IDs, types and de-duplication keys. Constructors reject an
// empty, whitespace-only or whitespace-padded secret (ErrEmptySecret,
// ErrInvalidSecret): verification is never skipped. Only the strongest
// scheme each provider offers is accepted (GitHub's SHA-256 header, never
// SHA-1; Stripe's v1, never v0). Schemes with a signed timestamp reject one
// further than the tolerance from the clock in either direction (five
// minutes unless WithTolerance says otherwise; WithClock injects the clock).
//
//   - NewStripe: Stripe-Signature, HMAC-SHA256 of t + "." + body.
//   - NewPaystack: x-paystack-signature, HMAC-SHA512 of the body.
//   - NewGitHub: X-Hub-Signature-256 over the body.
//   - NewStandardWebhooks and NewSvix: webhook-* or svix-* headers.
//   - NewSlack: X-Slack-Signature over v0:timestamp:body; answers the
//     url_verification challenge (it implements Responder).
//   - NewShopify: X-Shopify-Hmac-Sha256 over the body.
//   - NewFlutterwave: flutterwave-signature, and the legacy verif-hash with
//     WithFlutterwaveVerifHash.
//   - NewTwilio: X-Twilio-Signature over the URL configured with
//     WithPublicURL and the form, or the bodySHA256 variant for JSON bodies.
//   - NewSendGrid: the Event Webhook's ECDSA signature; one Event per
//     element of the batch.
//   - NewMandrill: X-Mandrill-Signature over the configured URL and form;
//     batches of mandrill_events; the HEAD probe answered (it implements
//     HeadProber).
//   - NewCloudinary (and NewCloudinarySHA256): X-Cld-Signature, the SHA-1
//     (SHA-256) of the body, X-Cld-Timestamp and the API secret.
//   - NewAfricasTalking: Africa's Talking signs nothing, so a long random
//     token in the callback URL's query, checked in constant time (see the
//     residual risk below).
//   - NewHMAC: any other provider that signs with an HMAC in one header,
//     described by an HMACConfig (the built-in HMAC verifiers are declared
//     the same way, and webhookstest.SignHMAC signs from the same value).
//
// Verification failures wrap ErrMissingSignature, ErrMalformedHeader,
// ErrInvalidSignature or ErrTimestampOutOfRange: the provider did not send
// the delivery as it stands. ErrMalformedBody means the opposite: the
// signature matched, but the body is not an event the provider documents.
// Bodies are read the way encoding/json reads them: one that is not valid
// JSON, or that gives a member the verifier reads twice, is malformed. No
// error or log line ever holds a secret or the signature received.
//
// # Options
//
// Verifier constructors take VerifierOption values and NewHandler takes
// HandlerOption values. WithClock and WithPublicURL configure both and
// return a SharedOption. An option that does not apply to a verifier's
// scheme (WithTolerance without a signed timestamp, WithPublicURL for a
// scheme that does not sign the URL, WithFlutterwaveVerifHash for anything
// but Flutterwave, WithProviderName for anything but Standard Webhooks and
// Svix) and a value out of range are construction errors wrapping
// ErrInvalidConfig, as are the secret errors above. No constructor panics.
//
// # What is signed, and what the Handler de-duplicates on
//
// Anyone who captured one genuine delivery can send it again and can change
// whatever the provider did not sign. So the Handler de-duplicates on
// Event.DedupKey, which every verifier derives from signed bytes only, and
// checks unsigned type headers against the signed body where the body says
// enough:
//
//	provider          signed                                  replay window          de-duplicates on
//	Stripe            timestamp, body                         5 min, both ways       id (body)
//	Paystack          body                                    none                   event + data.id, else data.reference, else body SHA-256
//	GitHub            body (not X-GitHub-Delivery/-Event)     none                   SHA-256 of the body
//	Standard Webh.    webhook-id, timestamp, body             5 min, both ways       webhook-id
//	Svix              svix-id, timestamp, body                5 min, both ways       svix-id
//	Slack             timestamp, body                         5 min, both ways       event_id (body), else trigger_id, else body SHA-256
//	Shopify           body (not the ID or topic headers)      none                   SHA-256 of the body
//	Flutterwave       body                                    none                   data.id (body)
//	  verif-hash      nothing (the header is the secret)      none                   data.id of an unsigned body
//	Twilio, form      configured URL, parameters              none                   SHA-256 of URL and sorted parameters
//	Twilio, JSON      configured URL, bodySHA256 (the body)   none                   SHA-256 of the body
//	Mandrill          configured URL, form                    none                   each event's _id (body), else derived from it
//	SendGrid          timestamp, body                         none; WithTolerance    each event's sg_event_id (body)
//	Cloudinary        timestamp, body                         2 h old, 5 min ahead   SHA-256 of the body
//	Africa's Talking  nothing (the URL's token is the secret) none                   id + status of a report, id of a message, else body SHA-256
//	NewHMAC           HMACConfig.Signed (must hold {body})    5 min with a timestamp EventID (must read signed bytes), else body SHA-256
//
// GitHub's X-GitHub-Event must fit the payload's top-level members for
// the event types GitHub documents (a push body cannot run the pull_request
// function), and Shopify's X-Shopify-Topic must name the resource of the
// body's admin_graphql_api_id for orders, products, customers, draft
// orders, collections, fulfillments, refunds, inventory items and
// locations; otherwise ErrMalformedHeader.
//
// What stays open, because the provider's scheme cannot close it:
//
//   - Without a signed timestamp (Paystack, GitHub, Shopify, Flutterwave,
//     Twilio, Mandrill, and SendGrid without WithTolerance) a captured
//     delivery replayed after its key expired (WithTTL, 72 hours by
//     default) runs again. Keep the TTL above the provider's retry window
//     and re-read the provider's API before granting value.
//   - Where the key is a body digest (GitHub, Shopify), two genuine
//     deliveries with byte-identical bodies within the TTL run once. Shopify
//     may send orders/create and orders/updated with the same body: the
//     first to arrive runs.
//   - An attacker holding a signed body the endpoint has not yet processed
//     (one captured before its delivery succeeded) can deliver it first
//     under another unsigned type that the body still fits: GitHub's
//     dependabot_alert, secret_scanning_alert and
//     repository_vulnerability_alert; deployment and
//     deployment_protection_rule without a deployment_callback_url; event
//     types missing from the table for a body that fits none of it; and Shopify's actions within one
//     resource (orders/create against orders/paid). The genuine delivery is
//     then a duplicate. Event.ID from X-GitHub-Delivery or
//     X-Shopify-Event-Id is unsigned: do not key your own records on it.
//   - Twilio's signed string has no delimiters, so the same signature covers
//     the parameters split differently between names and values (two
//     adjacent parameters merged into one). Every spelling has the same
//     DedupKey, so none runs twice, but whoever holds an unprocessed
//     delivery chooses the spelling that runs. Twilio's Auth Token signs
//     every webhook of the account, which is why the URL must be configured.
//   - Flutterwave's verif-hash proves only that the sender knows the secret
//     hash, which every delivery discloses: whoever saw one can forge any
//     body. It is off unless WithFlutterwaveVerifHash.
//   - Paystack signs with the account's secret API key, which also moves
//     money: keep it out of places a webhook secret would go.
//   - Africa's Talking signs nothing. The token in the callback URL proves
//     only that the sender knows the URL: whoever sees it (the dashboard,
//     the access log of any proxy that records query strings) can forge
//     any notification until the token is rotated, and a captured one can
//     be replayed after its key expires. Serve the URL over HTTPS only,
//     keep query strings out of access logs, and never grant value on a
//     delivery report alone.
//
// # Handler
//
// NewHandler wraps a Verifier in an http.Handler that reads the body once
// (1 MiB at most by default), verifies it, claims each event in an
// idempotency.Store under "provider:DedupKey" ("namespace:provider:DedupKey"
// with WithNamespace), runs the function registered with On (or Fallback)
// and answers: 200 when done, already done or not handled; 400 for a
// delivery that fails verification; 413 for a body too large; 500 when a
// function failed (its key is released so the provider's retry runs it
// again); 409 while the event is being processed elsewhere; 503 when the
// store cannot be reached. Without WithStore the handler uses an in-memory
// store, which de-duplicates only within one process; replicas must share a
// PostgreSQL or Redis store. Two handlers of the same provider sharing a
// store (two Stripe accounts, two Paystack businesses, two Standard
// Webhooks senders not told apart with WithProviderName) need
// WithNamespace each, or one's events are skipped as the other's
// duplicates. Without WithLogger the Handler logs nowhere.
//
// WithObserver reports each delivery (outcome, rejection reason, status,
// duration) and each event of a verified delivery (outcome: processed,
// duplicate, in_progress, unhandled, failed, store_error), with start
// callbacks whose context the event function runs on, so that its spans
// nest. Of the request's headers an Observer sees only W3C traceparent and
// tracestate, which nobody signs: the otelobserve package makes them a
// link, never a parent.
//
// The Handler is a plain http.Handler: mount it on net/http's ServeMux
// ("POST /webhooks/stripe"), chi (r.Method("POST", "/webhooks/stripe", h)),
// or any router that accepts one.
//
// # Acknowledge fast
//
// WithQueue switches a Handler from running the functions inside the
// provider's request to enqueueing each handled event on a durable Queue
// and answering 200 once it is stored (503 when the queue cannot store it,
// so the provider delivers again). Workers started with Queue.Start run
// the same On and Fallback functions through Handler.Process, with the
// same idempotency.Runner, store and keys, so an event whose job runs
// twice (a rescued or cancelled job) has its effect once; NewJobRouter
// serves several Handlers from one queue. Duplicate deliveries add no job:
// the queue refuses a second job with the same Job.Key while the first is
// waiting, running, failed or retained after completion. Retries, backoff
// and failed jobs belong to the queue (riverqueue for River on PostgreSQL
// or SQLite, asynqqueue for Asynq on Redis; both pass webhooks/queuetest).
// Job documents what of an event survives the queue.
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
//go:generate go run go.uber.org/mock/mockgen@v0.6.0 -write_package_comment=false -destination=webhooksmock/queue.go -package=webhooksmock github.com/switchboard-go/switchboard/webhooks Queue,Processor
