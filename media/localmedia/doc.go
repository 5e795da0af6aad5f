// Package localmedia is a media.Store on a local directory: the
// zero-configuration default, for development, single-server deployments
// and tests.
//
// Assets live under the directory as public/<folder>/<name>.<ext> and
// private/<folder>/<name>.<ext>; the asset ID is that relative path.
// Metadata, when an upload has any, is kept in a side file under .meta/,
// which is never served. Files are opened through an os.Root, so no name,
// symbolic link or ".." reaches outside the directory, and each upload is
// written to a temporary file, synced and then linked or renamed into
// place, so readers never see a partial file.
//
// Store.Handler serves the assets (public ones directly, private ones
// only with a signed URL that has not expired) and accepts signed direct
// uploads from browsers. It never lists a directory, answers with the
// Content-Type of the type sniffed at upload, X-Content-Type-Options:
// nosniff and a sandboxing Content-Security-Policy, and offers anything
// but an image as a download.
//
// Signed URLs and upload policies use HMAC-SHA256 with the key given to
// WithSigningKey, or a random key drawn by New when there is none.
package localmedia
