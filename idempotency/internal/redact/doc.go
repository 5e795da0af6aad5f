// Package redact keeps the credentials of a connection string out of
// error messages. The stores that open connections from a URL (pgstore,
// redisstore) use it to wrap the errors of their drivers, which may quote
// the URL they were given.
//
// Secrets lists what must not be shown; Error replaces it in a message
// while keeping the original error reachable with errors.Is and
// errors.As.
package redact
