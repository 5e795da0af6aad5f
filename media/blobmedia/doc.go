// Package blobmedia is a media.Store on a Go Cloud Development Kit
// bucket (gocloud.dev/blob): Amazon S3, Google Cloud Storage, Azure Blob
// Storage, a local directory (fileblob) or memory (memblob), chosen by the
// driver the program imports and the bucket it opens.
//
// Assets are objects keyed "public/<folder>/<name>.<ext>" or
// "private/...", the key being the asset ID, written with the sniffed
// Content-Type, Content-Disposition "attachment" for anything but images,
// the upload's metadata and the image's dimensions. Grant public read on
// the "public/" prefix (or serve it through a CDN) and give that URL to
// WithBaseURL; private assets are reached through URLs the bucket signs.
//
// Direct uploads use the driver's presigned PUT URLs, which pin the key and
// the Content-Type but cannot look at the bytes or limit the size: call
// Store.Verify after the client reports the upload, which runs the same
// checks as Upload and deletes what fails.
package blobmedia
