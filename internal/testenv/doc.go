// Package testenv gives tests the addresses of the real services they need
// (PostgreSQL, Redis, stripe-mock, mailpit) and the browser they drive (Chromium).
//
// Each address comes from an environment variable. When the variable is
// unset the test is skipped with a message naming it, so `go test ./...`
// passes on a laptop with nothing running. When SWITCHBOARD_REQUIRE_SERVICES
// is 1 (as .ci/run sets it) an unset variable fails the test instead, so a
// missing service can never pass silently as a skip.
package testenv
