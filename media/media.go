package media

import (
	"context"
	"io"
	"time"
)

// Store keeps uploaded files and hands out their URLs. Implementations are
// safe for concurrent use. Every backend runs the same server-side checks
// (Check, CheckName, CheckID) before it stores anything, so an upload that
// one backend refuses is refused by all of them.
type Store interface {
	// Upload checks and stores the bytes of in.Body under in.Folder and
	// in.Name and returns the stored asset. The body is read at most to
	// the size limit plus one byte. Errors wrap ErrInvalidName,
	// ErrInvalidParams, ErrEmpty, ErrTooLarge, ErrTypeNotAllowed or
	// ErrInvalidContent before anything is stored, and ErrTemporary or
	// *Error when the backend fails.
	Upload(ctx context.Context, in *Upload) (*Asset, error)

	// Delete removes the asset id. Deleting an asset that does not exist,
	// or no longer does, succeeds: Delete is idempotent, so a retried or
	// repeated delete never fails. A malformed id wraps ErrInvalidName.
	Delete(ctx context.Context, id string) error

	// URL returns a URL the asset id can be fetched from. Public assets get
	// a stable URL; private ones a signed URL that expires after
	// opts.Expires (DefaultURLExpiry when zero). Options the backend cannot
	// honour (transformations on a plain bucket, for instance) wrap
	// ErrUnsupported instead of being ignored. URL does not check that the
	// asset exists. opts may be nil.
	URL(ctx context.Context, id string, opts *URLOptions) (string, error)

	// SignUpload prepares a direct upload from a browser: the backend signs
	// exactly the parameters in p and returns what the client must send.
	// Backends that cannot accept direct uploads return an error wrapping
	// ErrUnsupported.
	SignUpload(ctx context.Context, p *DirectUploadParams) (*DirectUpload, error)
}

// Upload is one file sent from the server to a Store.
type Upload struct {
	// Folder is where the asset goes, as slash-separated segments
	// ("products/shoes"); empty means the top level. See CheckName for
	// the characters allowed.
	Folder string
	// Name is the asset's name inside Folder, without an extension: the
	// extension always comes from the type sniffed from the bytes, and an
	// extension given here is replaced. Empty means a random name.
	Name string
	// Body is read once, up to the size limit plus one byte.
	Body io.Reader
	// Limits bounds the size and the sniffed content type. The zero value
	// means DefaultMaxBytes and DefaultAllowedTypes.
	Limits Limits
	// Metadata is stored with the asset where the backend keeps metadata
	// (blob metadata, Cloudinary context, a side file on local disk). Keys
	// and values are checked by CheckMetadata.
	Metadata map[string]string
	// Private stores the asset so that it can only be fetched through a
	// signed, expiring URL.
	Private bool
	// Overwrite allows replacing an existing asset of the same name.
	// Without it an upload to a name that exists fails with ErrExists.
	// A random name never collides.
	Overwrite bool
}

// Limits bounds an upload.
type Limits struct {
	// MaxBytes is the largest accepted size; 0 means DefaultMaxBytes.
	// Negative values are invalid.
	MaxBytes int64
	// AllowedTypes lists the accepted media types, as sniffed from the
	// bytes: exact types ("image/png") or a whole top-level type
	// ("image/*"); "*/*" accepts anything. Nil means DefaultAllowedTypes.
	AllowedTypes []string
}

// Defaults applied where a Limits field is zero.
const (
	// DefaultMaxBytes is the size limit of an upload without one: 20 MiB.
	DefaultMaxBytes int64 = 20 << 20
	// DefaultURLExpiry is how long a signed URL lasts when URLOptions
	// gives no expiry.
	DefaultURLExpiry = 15 * time.Minute
	// DefaultUploadExpiry is how long a signed direct upload lasts when
	// DirectUploadParams gives no expiry.
	DefaultUploadExpiry = 15 * time.Minute
)

// DefaultAllowedTypes are the types accepted when Limits.AllowedTypes is
// nil: the raster image formats browsers display. SVG is not among them:
// it can carry scripts.
func DefaultAllowedTypes() []string {
	return []string{"image/jpeg", "image/png", "image/gif", "image/webp"}
}

// Asset is a stored file.
type Asset struct {
	// ID identifies the asset in Delete and URL. It is the backend's key
	// (for local disk and buckets, "public/<folder>/<name>.<ext>" or
	// "private/..."; for Cloudinary "<resource type>/<delivery
	// type>/<public id>.<format>").
	ID string
	// Provider is the backend's Name ("local", "blob", "cloudinary").
	Provider string
	// URL is where the asset can be fetched: a stable URL for a public
	// asset, empty for a private one (ask Store.URL for a signed URL).
	URL string
	// Bytes is the stored size.
	Bytes int64
	// ContentType is the media type sniffed from the bytes.
	ContentType string
	// Width and Height are an image's pixel dimensions, zero otherwise.
	Width, Height int
	// Version changes whenever the asset's bytes change: Cloudinary's
	// version number, or the ETag of a bucket object or local file.
	Version string
	// Private reports whether the asset needs a signed URL.
	Private bool
	// Metadata is what the upload stored with the asset.
	Metadata map[string]string
	// CreatedAt is when the backend stored the asset.
	CreatedAt time.Time
}

// URLOptions shape the URL of an asset.
type URLOptions struct {
	// Transform asks for a derived version (Cloudinary). Backends without
	// transformations return ErrUnsupported when it is not nil.
	Transform *Transformation
	// Expires is how long a signed URL of a private asset lasts; zero
	// means DefaultURLExpiry. It is ignored for public assets, whose URL
	// does not expire.
	Expires time.Duration
}

// Transformation describes a derived version of an image.
type Transformation struct {
	// Width and Height in pixels; zero leaves the dimension free.
	Width, Height int
	// Crop is the crop mode: "fill", "fit", "limit", "pad", "scale",
	// "thumb" or "crop"; empty means the backend's default.
	Crop string
	// Format converts the image: "jpg", "png", "webp", "avif", "gif" or
	// "auto".
	Format string
	// Quality is 1-100, or 0 for the backend's default ("auto" on
	// Cloudinary).
	Quality int
}

// DirectUploadParams are what the server allows a browser to upload
// directly to the backend. The server decides every value; nothing here
// should come from the client unchecked.
type DirectUploadParams struct {
	// Folder is where the asset goes; see Upload.Folder.
	Folder string
	// Name is the asset's name without extension; empty means a random
	// one chosen by the server, which is the safe choice (a name chosen by
	// a client lets it overwrite someone else's asset).
	Name string
	// ContentType is the type the client must declare, for backends that
	// sign it (buckets). Empty allows any of Limits.AllowedTypes where the
	// backend can enforce a list, and is required where it cannot.
	ContentType string
	// Limits bounds the upload where the backend enforces limits on
	// direct uploads; DirectUpload reports what it enforces.
	Limits Limits
	// Private makes the uploaded asset private.
	Private bool
	// Expires is how long the signature lasts; zero means
	// DefaultUploadExpiry. Backends with a shorter maximum return
	// ErrInvalidParams for a longer one.
	Expires time.Duration
}

// DirectUpload is what a browser needs to upload one file directly.
type DirectUpload struct {
	// Provider is the backend's Name.
	Provider string
	// Method is the HTTP method: POST for a multipart form, PUT for a
	// presigned URL.
	Method string
	// URL is where the browser sends the file.
	URL string
	// Fields are the form fields to send with a POST, every one of them
	// as given (the signature covers them). Nil for PUT.
	Fields map[string]string
	// FileField names the form field of the file for a POST ("file");
	// empty for PUT, whose body is the file itself.
	FileField string
	// Header lists headers the client must send with a PUT (the signed
	// Content-Type).
	Header map[string]string
	// ID is the asset ID the upload will create, when the backend knows it
	// before the upload (always for a server-chosen name).
	ID string
	// ExpiresAt is when the signature stops being accepted.
	ExpiresAt time.Time
	// MaxBytes is the size limit the backend enforces on this upload, or
	// zero when it enforces none: then check the asset after the upload
	// (Cloudinary notifications carry its size and format).
	MaxBytes int64
	// AllowedTypes lists the types the backend enforces, or nil when it
	// enforces none beyond ContentType.
	AllowedTypes []string
}
