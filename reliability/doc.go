// Package reliability holds tests that try to make Switchboard lose or
// duplicate work. It has no code of its own; run it with
//
//	go test -race ./reliability
//
// The tests, each against every idempotency store backend where a store
// is involved (memory, SQLite, and PostgreSQL and Redis when
// SWITCHBOARD_TEST_POSTGRES_URL and SWITCHBOARD_TEST_REDIS_URL are set,
// each test in its own schema or key prefix):
//
//   - TestDuplicateStorm: distinct events each delivered many times at once
//     through a webhooks.Handler over HTTP; every event is processed
//     exactly once.
//   - TestCrashStoreLevel, TestCrashThroughHandler: a holder that stops
//     after its claim; once the lease runs out the redelivery is processed
//     exactly once and the stale holder's completion is refused with
//     idempotency.ErrLeaseLost.
//   - TestStoreOutage: a TCP proxy in front of PostgreSQL or Redis is cut
//     and restored; while cut the Handler answers 503 and nothing runs,
//     afterwards every event is processed once.
//   - TestHostileBodies, TestGarbledHeaders, TestLargeBodies,
//     TestSlowClients: nesting bombs, invalid UTF-8, garbled and repeated
//     headers behind valid and invalid signatures, 10 MiB bodies, clients
//     that stall in their headers or body; no panic, no 5xx, bounded
//     memory.
//   - TestFlakyUpstream, TestBreakerCapsDeadHost: an upstream answering
//     503, resetting connections or stalling never receives a POST without
//     an idempotency key twice, and the circuit breaker caps the attempts
//     that reach a dead host.
//   - The attacker tests (attacker_idempotency_test.go) try the Idempotency-Key
//     middleware as a hostile client would: TestAttackerSharedKeyReplay
//     (a second client reusing another's key and body never gets the
//     first client's stored answer), TestAttackerQueryStringReplay (a key
//     reused on ?to=bob after ?to=alice is 422), TestAttacker429NotReplayed
//     (a rate-limit answer is not stored) and TestAttackerMemoryExhaustion
//     (1,000 keys with 256 KiB answers keep the memory store near its byte
//     budget; a store full of live claims answers 503 in the middleware and
//     in the webhook handler).
//   - Attacker, outbound (attacker_outbound_test.go):
//     TestAttackerRedirectToCollectorFromEmailSenders,
//     TestAttackerRedirectWithEveryCredential, TestAttackerLocationTricks,
//     TestAttackerDowngradeToPlainHTTP: an upstream that redirects to a
//     server the attacker controls (every 3xx, after a hop within the
//     origin, through Location tricks) or down to plain http never
//     receives a credential, a body or a message;
//     TestAttackerURLSecretsInErrorsAndLogs: credentials in a URL's user
//     name, in URLs that do not parse and under every secret query name
//     never reach an error or a log line.
//   - Attacker tests (attacker_webhooks_test.go), by someone who holds captured
//     genuine deliveries but no secret, through a webhooks.Handler over
//     HTTP: TestAttackReplayWithNewIDIsADuplicate (a processed GitHub or
//     Shopify body resent under new delivery IDs never runs again),
//     TestAttackPreSentIDNeverSuppressesAGenuineBody (an old body sent in
//     advance under the ID of the next delivery does not make the genuine
//     one a duplicate), TestAttackTypeRewriteRunsNoOtherFunction (a
//     rewritten X-GitHub-Event or X-Shopify-Topic never runs another
//     registered function on the body), TestAttackTwilioFormSignatureReusedAsJSON
//     (a form delivery's signature, its fields moved into the URL, never
//     verifies an attacker's JSON body) and
//     TestAttackNamespaceKeepsSendersApart (two Standard Webhooks senders
//     on one store collide without webhooks.WithNamespace and not with
//     it).
//   - TestSecretsStayOut, and a check at the end of every test: with debug
//     logging on, no secret, signature or API key appears in a log line or
//     an error string.
//
// TestMain fails the run when any goroutine outlives the tests
// (go.uber.org/goleak). -short shrinks the workloads, and so does the race
// detector for the duplicate storm (300 events x 10 copies instead of
// 1,000 x 10).
package reliability
