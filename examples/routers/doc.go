// Package routers shows a webhooks.Handler mounted on routers other than
// net/http's ServeMux: gin through gin.WrapH and echo through
// echo.WrapHandler. A webhooks.Handler is a plain http.Handler, so any
// router that accepts one serves it, and the raw body reaches the
// signature check untouched. (The chi router is in
// examples/multiprovider.)
//
// The package holds only tests and examples. It is a module of its own so
// that gin, echo and their dependencies stay out of the requirements that
// users of Switchboard inherit; run its tests from this directory:
//
//	cd examples/routers && go test ./...
package routers
