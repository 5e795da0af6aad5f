// Package otelobserve turns the observations of Switchboard's components
// into OpenTelemetry traces and metrics. It is the only package of the
// module (with the examples) that imports OpenTelemetry: the core packages
// report to small Observer structs of their own, given with their
// WithObserver options, and this package fills those structs.
//
//	tel, err := otelobserve.New(otelobserve.WithTracerProvider(tp), otelobserve.WithMeterProvider(mp))
//	store = idempotency.ObserveStore(store, tel.Store())
//	hooks, err := webhooks.NewHandler(verifier, webhooks.WithStore(store), webhooks.WithObserver(tel.Webhooks()))
//	mw, err := idempotency.NewMiddleware(store, idempotency.WithObserver(tel.Idempotency()))
//	pay, err := paystackpay.New(key, paystackpay.WithObserver(tel.Calls()),
//		paystackpay.WithHTTPOptions(httpclient.WithObserver(tel.HTTPClient())))
//	mail, err := sendgridmail.New(key, sendgridmail.WithObserver(tel.Calls()))
//	text, err := twiliosms.New(accountSID, authToken, twiliosms.WithObserver(tel.Calls()))
//
// Without WithTracerProvider and WithMeterProvider the global providers
// are used (otel.GetTracerProvider, otel.GetMeterProvider), which start
// working once the program sets them. Spans follow the semantic
// conventions v1.43.0 where one applies (HTTP client spans, database
// spans of the SQL and Redis stores); the rest are named under
// "switchboard.". Durations are histograms in seconds; outcomes are
// counters. Metric attributes are low-cardinality words only: ids and URLs
// go on spans, never on metrics.
//
// # What is never recorded
//
// No secret, signature, token, credential, idempotency key, body, e-mail
// address or unredacted URL reaches a span or a metric: the core packages
// never pass them to an Observer, and the tests plant such values and
// scan every attribute for them. url.full is httpclient.RedactURL's form
// (user information and the values of secret query parameters replaced
// by REDACTED). Error text is left out unless WithErrorMessages is given;
// error.type carries a fixed word instead.
//
// # Trace context
//
// Outgoing: trace context is sent with httpclient requests only when
// HTTPClient is given PropagateTraceContext, for services of your own; a
// third-party API never learns your trace ids by default. Incoming: a
// webhook delivery's traceparent header, which anyone can send and no
// provider signs, becomes a link of the delivery's span, never its parent;
// the same holds for trace context carried by a queued job's Call.
//
// # Spans and attributes per component
//
//	Component       Span (kind)                                Span attributes
//	--------------  -----------------------------------------  ------------------------------------------------
//	webhooks        webhook PROVIDER (SERVER, or INTERNAL      switchboard.provider, http.request.method,
//	 delivery       under an application span); links to the   switchboard.outcome, http.response.status_code,
//	                sender's traceparent                       switchboard.webhook.reject_reason,
//	                                                           switchboard.webhook.events, error.type
//	webhooks        webhook PROVIDER TYPE (INTERNAL), child of switchboard.provider, switchboard.webhook.event.type,
//	 event          the delivery, parent of the EventFunc      switchboard.webhook.event.id, switchboard.outcome,
//	                                                           error.type
//	idempotency     idempotency METHOD (INTERNAL), parent of   http.request.method, switchboard.outcome,
//	 middleware     the store's and the handler's spans        http.response.status_code, error.type
//	idempotency     OPERATION STORE (CLIENT for pgstore,       switchboard.idempotency.store, switchboard.operation,
//	 store          redisstore, sqlitestore; else INTERNAL)    switchboard.outcome, db.system.name and
//	                                                           db.operation.name (database stores), error.type
//	httpclient      METHOD HOST (INTERNAL), one per call       http.request.method, server.address, server.port,
//	 call                                                      url.full (redacted), url.scheme,
//	                                                           switchboard.http.attempts, http.response.status_code,
//	                                                           error.type
//	httpclient      METHOD (CLIENT), one per attempt, child    the call's, plus http.request.resend_count (on
//	 attempt        of the call                                resends only), http.request.method_original
//	payments,       COMPONENT.OPERATION PROVIDER (INTERNAL),   switchboard.provider, switchboard.operation,
//	email, media,   e.g. payments.create_payment stripe,       switchboard.outcome, error.type, and the component's
//	login, sms ...  sms.send twilio; parent of the provider's  details: switchboard.payments.currency,
//	                HTTP spans                                 switchboard.payments.status, switchboard.sms.status
//
// # Metrics per component
//
//	Metric (unit)                                          Kind       Attributes
//	-----------------------------------------------------  ---------  ---------------------------------------------------
//	switchboard.webhook.deliveries ({delivery})            counter    switchboard.provider, switchboard.outcome,
//	                                                                  http.response.status_code,
//	                                                                  switchboard.webhook.reject_reason
//	switchboard.webhook.delivery.duration (s)              histogram  same as deliveries
//	switchboard.webhook.events ({event})                   counter    switchboard.provider, switchboard.webhook.event.type,
//	                                                                  switchboard.outcome
//	switchboard.webhook.event.duration (s)                 histogram  switchboard.provider, switchboard.outcome
//	switchboard.idempotency.requests ({request})           counter    http.request.method, switchboard.outcome,
//	                                                                  http.response.status_code
//	switchboard.idempotency.request.duration (s)           histogram  same as requests
//	switchboard.idempotency.store.operations ({operation}) counter    switchboard.idempotency.store, switchboard.operation,
//	                                                                  switchboard.outcome
//	switchboard.idempotency.store.operation.duration (s)   histogram  same as operations
//	http.client.request.duration (s)                       histogram  http.request.method, server.address, server.port,
//	                                                                  url.scheme, http.response.status_code, error.type
//	                                                                  (one point per attempt)
//	switchboard.http.client.call.duration (s)              histogram  same, one point per call
//	switchboard.http.client.retries ({retry})              counter    http.request.method, server.address
//	switchboard.http.client.breaker.state_changes          counter    server.address, switchboard.http.breaker.from,
//	 ({change})                                                       switchboard.http.breaker.state
//	switchboard.http.client.breaker.state (1)              gauge      server.address (0 closed, 1 half-open, 2 open)
//	switchboard.COMPONENT.operations ({operation})         counter    switchboard.provider, switchboard.operation,
//	                                                                  switchboard.outcome, error.type, details
//	switchboard.COMPONENT.operation.duration (s)           histogram  same as operations
//
// # Outcomes
//
// Webhook deliveries: accepted, rejected (with switchboard.webhook.reject_reason:
// "missing signature", "malformed signature header", "timestamp out of
// range", "invalid signature", "malformed body", "verification failed"),
// too_large, unreadable, method_not_allowed, probe, responded, no_id,
// store_error (the store is down: 503), failed (500), in_progress (409).
// Webhook events: processed, duplicate, in_progress, unhandled, failed,
// store_error, canceled. Idempotency-Key middleware: stored, replayed,
// conflict, mismatch, store_error, store_failed, released,
// response_too_large, panic, missing, invalid, request_too_large, bad_body,
// no_key. Stores: acquired, in_progress, completed, ok, lease_lost,
// invalid_key, invalid_duration, unavailable, canceled, timeout, error.
// Calls: ok, error, and per component declined (payments), invalid and
// rejected (email), rejected and not_found (media), refused (login),
// replayed, invalid, unsubscribed and rejected (sms).
//
// # New components
//
// A contract that exposes the shared Observer type (as sms.Observer does,
// or a queue worker's) needs nothing here: Calls serves it under its Call.Component,
// making switchboard.COMPONENT.operations and
// switchboard.COMPONENT.operation.duration on first use, and linking to the
// trace context a job carried in Call.TraceParent.
package otelobserve
