// Package webhookstest builds signed webhook deliveries for tests: for
// every provider the webhooks package verifies, a signer turns a payload,
// a secret and a time (and, where the scheme signs it, the public URL) into
// the headers and body the provider would send, so a test can drive a real
// webhooks.Handler, or any other receiver, end to end.
//
// The signers implement each provider's published scheme on their own;
// they do not call the verifiers. SampleEvent returns a realistic payload
// for a provider and event type, for demos and command-line tools.
//
// A typical test:
//
//	body, _ := webhookstest.SampleEvent("stripe", "payment_intent.succeeded")
//	h := webhookstest.SignStripe(body, "whsec_test", time.Now())
//	req := webhookstest.NewRequest("https://example.com/hooks/stripe", body, h)
//	rec := httptest.NewRecorder()
//	handler.ServeHTTP(rec, req)
package webhookstest
