// Package cloudinarymedia is a media.Store on Cloudinary: uploads and
// deletes through the Upload API, delivery URLs with transformations
// (width, height, crop, format, quality), signed expiring download URLs
// for private assets, signed direct uploads from browsers, and
// normalized upload notifications.
//
// # Transport
//
// The Store speaks to the Upload API over this module's httpclient
// rather than through the official cloudinary-go SDK. The API is a few
// signed form posts, and the SDK's conveniences are its traps here: it
// reports API rejections (bad signature, refused format, stale request)
// with a nil error and the message in a result field, so a forgotten
// check turns a failure into success; it reads a file argument given as a
// plain string as a path on the server's disk (or a URL to fetch), so a
// name that reaches it from a request can upload server files; its
// configuration is copied into each sub-API at construction, so a base
// URL set afterwards is silently not used; it brings four dependencies
// and logs through its own logger. Over httpclient every failure is a
// typed error (*media.Error wrapping media.ErrTemporary for 420, 429, 5xx
// and transport failures, media.ErrPermanent otherwise), the bytes always
// travel as a multipart file part, requests get timeouts, retries with
// backoff and an optional circuit breaker, logs go to WithLogger only, and
// tests point WithBaseURL at a fake (mediatest.FakeCloudinary).
//
// # Signatures
//
// Requests are signed as "Generating authentication signatures"
// describes (Sign, StringToSign): parameters other than file, cloud_name,
// resource_type and api_key, sorted, joined as name=value with '&', the
// API secret appended, hashed with SHA-1 or, for accounts set to it,
// SHA-256 (WithSignatureAlgorithm). Like the official SDK, an '&' inside a
// value is escaped as "%26" so that a value cannot add a parameter. The
// published example of that page is a test vector.
//
// # IDs
//
// An asset's ID is "<resource type>/<delivery type>/<public id>" followed,
// for images and videos, by "." and the format: "image/upload/products/
// red-shoe.jpg". The resource type follows the sniffed type (image, video,
// else raw); private assets use the "private" delivery type and are
// fetched through signed download URLs that expire.
//
// # Notifications
//
// WithNotificationURL makes Cloudinary report every upload, including
// direct ones from browsers, to your endpoint. Verify them with
// webhooks.NewCloudinary and register a function with
// media.HandleNotifications(handler, store, fn): the Store is the
// media.NotificationParser.
package cloudinarymedia
