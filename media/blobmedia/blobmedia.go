package blobmedia

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/switchboard-go/switchboard/media"
)

// Name is the backend's name in assets, errors and log lines.
const Name = "blob"

// Metadata keys the Store writes next to the user's metadata; user keys
// may not start with the prefix.
const (
	metaPrefix = "media-"
	metaWidth  = "media-width"
	metaHeight = "media-height"
)

type config struct {
	baseURL string
	log     *slog.Logger
	now     func() time.Time
	obs     *media.Observer
	errs    []error
}

// Option configures a Store.
type Option func(*config)

// WithBaseURL sets the public URL prefix that serves the bucket's keys
// (a CDN, or the bucket's own website endpoint), an absolute http or
// https URL. Public assets' URLs are that prefix followed by their ID.
// Without it, public assets have no stable URL and Store.URL signs a URL
// for them as for private ones.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithLogger logs uploads and deletes to l. By default nothing is logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithClock sets the clock used for the expiry times reported by
// SignUpload; the default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now == nil {
			c.errs = append(c.errs, media.ConfigError(Name, "WithClock", "needs a function"))
			return
		}
		c.now = now
	}
}

// Store keeps assets in a gocloud.dev/blob Bucket. It is safe for
// concurrent use. It does not close the bucket.
type Store struct {
	b    *blob.Bucket
	base string
	log  *slog.Logger
	now  func() time.Time
	obs  *media.Observer
}

var _ media.Store = (*Store)(nil)

// New returns a Store on b, which may be any driver's bucket (opened with
// blob.OpenBucket or a driver's own constructor).
func New(b *blob.Bucket, opts ...Option) (*Store, error) {
	if b == nil {
		return nil, media.ConfigError(Name, "bucket", "is nil")
	}
	cfg := config{now: time.Now}
	for _, o := range opts {
		if o == nil {
			return nil, media.ConfigError(Name, "option", "is nil")
		}
		o(&cfg)
	}
	if len(cfg.errs) > 0 {
		return nil, cfg.errs[0]
	}
	if cfg.baseURL != "" {
		u, err := url.Parse(cfg.baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, media.ConfigError(Name, "WithBaseURL", "must be an absolute http(s) URL without query, fragment or credentials")
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		cfg.baseURL = u.String()
	}
	log := cfg.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{b: b, base: cfg.baseURL, log: log, now: cfg.now, obs: cfg.obs}, nil
}

// Bucket returns the bucket the Store writes to.
func (s *Store) Bucket() *blob.Bucket { return s.b }

// Upload checks in (media.CheckUpload, media.Check) and streams the body
// into the bucket with the sniffed Content-Type, the metadata and the
// image's dimensions. An upload that fails a check midway (too large) is
// aborted, so the driver discards what it had. Without in.Overwrite the
// write is conditional (blob.WriterOptions.IfNotExist) and fails with
// media.ErrExists when the key exists.
func (s *Store) Upload(ctx context.Context, in *media.Upload) (_ *media.Asset, err error) {
	ctx, ob := media.StartObservation(ctx, s.obs, Name, "upload")
	defer func() { ob.End(err) }()
	if err := media.CheckUpload(in); err != nil {
		return nil, err
	}
	for k := range in.Metadata {
		if strings.HasPrefix(k, metaPrefix) {
			return nil, fmt.Errorf("%w: metadata keys starting with %q are reserved", media.ErrInvalidParams, metaPrefix)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := media.Check(in.Body, in.Limits)
	if err != nil {
		return nil, err
	}
	key := media.KeyID(media.ObjectPath(in.Folder, in.Name, c.Ext), in.Private)
	md := make(map[string]string, len(in.Metadata)+2)
	for k, v := range in.Metadata {
		md[k] = v
	}
	if c.Width > 0 {
		md[metaWidth] = strconv.Itoa(c.Width)
		md[metaHeight] = strconv.Itoa(c.Height)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.b.NewWriter(wctx, key, &blob.WriterOptions{
		ContentType:        c.Type,
		ContentDisposition: disposition(c.Type),
		Metadata:           md,
		IfNotExist:         !in.Overwrite,
	})
	if err != nil {
		return nil, s.fail("upload", err)
	}
	if _, err := io.Copy(w, c); err != nil {
		// Canceling the writer's context makes Close abort the write.
		cancel()
		_ = w.Close()
		if errors.Is(err, media.ErrTooLarge) || ctx.Err() != nil {
			return nil, err
		}
		return nil, s.fail("upload", err)
	}
	if err := w.Close(); err != nil {
		if gcerrors.Code(err) == gcerrors.FailedPrecondition {
			return nil, fmt.Errorf("%w: %s", media.ErrExists, key)
		}
		return nil, s.fail("upload", err)
	}
	a := &media.Asset{
		ID: key, Provider: Name, Bytes: c.Size(), ContentType: c.Type,
		Width: c.Width, Height: c.Height, Private: in.Private, Metadata: userMetadata(md),
	}
	if attrs, err := s.b.Attributes(ctx, key); err == nil {
		a.Version = attrs.ETag
		a.CreatedAt = attrs.ModTime
	} else {
		return nil, s.fail("upload", err)
	}
	if !in.Private && s.base != "" {
		a.URL = s.base + key
	}
	if s.log.Enabled(ctx, slog.LevelInfo) {
		s.log.LogAttrs(ctx, slog.LevelInfo, "media uploaded", slog.String("provider", Name),
			slog.String("id", key), slog.Int64("bytes", a.Bytes), slog.String("type", a.ContentType))
	}
	return a, nil
}

// disposition offers anything but an image as a download, so that a
// bucket served from a web origin does not render uploaded documents.
func disposition(ctype string) string {
	if strings.HasPrefix(ctype, "image/") {
		return "inline"
	}
	return "attachment"
}

func userMetadata(md map[string]string) map[string]string {
	var out map[string]string
	for k, v := range md {
		if strings.HasPrefix(k, metaPrefix) {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out
}

// Stat returns the stored asset id as the bucket describes it. A missing
// asset wraps media.ErrNotFound.
func (s *Store) Stat(ctx context.Context, id string) (*media.Asset, error) {
	private, err := media.ParseKeyID(id)
	if err != nil {
		return nil, err
	}
	attrs, err := s.b.Attributes(ctx, id)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, fmt.Errorf("%w: %s", media.ErrNotFound, id)
		}
		return nil, s.fail("stat", err)
	}
	a := &media.Asset{
		ID: id, Provider: Name, Bytes: attrs.Size, ContentType: attrs.ContentType, Version: attrs.ETag,
		Private: private, Metadata: userMetadata(attrs.Metadata), CreatedAt: attrs.ModTime,
	}
	a.Width, _ = strconv.Atoi(attrs.Metadata[metaWidth])
	a.Height, _ = strconv.Atoi(attrs.Metadata[metaHeight])
	if !private && s.base != "" {
		a.URL = s.base + id
	}
	return a, nil
}

// Verify runs the checks of Upload over an object a browser uploaded
// directly (which the bucket stored without looking at its bytes): it
// reads the object, sniffs its type, decodes an image's header and checks
// the size against l. An object that fails is deleted and the check's
// error returned; one that passes is described as an Asset.
func (s *Store) Verify(ctx context.Context, id string, l media.Limits) (*media.Asset, error) {
	a, err := s.Stat(ctx, id)
	if err != nil {
		return nil, err
	}
	r, err := s.b.NewReader(ctx, id, nil)
	if err != nil {
		return nil, s.fail("verify", err)
	}
	defer r.Close()
	c, err := media.Check(r, l)
	if err == nil {
		_, err = io.Copy(io.Discard, c)
	}
	if err == nil && media.ExtensionFor(c.Type) != extOf(id) {
		err = fmt.Errorf("%w: sniffed %s does not match the extension of %s", media.ErrTypeNotAllowed, c.Type, id)
	}
	if err != nil {
		if errors.Is(err, media.ErrTooLarge) || errors.Is(err, media.ErrTypeNotAllowed) || errors.Is(err, media.ErrEmpty) || errors.Is(err, media.ErrInvalidContent) {
			if derr := s.Delete(ctx, id); derr != nil {
				return nil, errors.Join(err, derr)
			}
			return nil, err
		}
		return nil, s.fail("verify", err)
	}
	a.ContentType, a.Bytes, a.Width, a.Height = c.Type, c.Size(), c.Width, c.Height
	return a, nil
}

func extOf(id string) string {
	slash := strings.LastIndexByte(id, '/')
	if dot := strings.LastIndexByte(id, '.'); dot > slash {
		return id[dot:]
	}
	return ""
}

// Delete removes asset id; a missing asset is not an error.
func (s *Store) Delete(ctx context.Context, id string) (err error) {
	ctx, ob := media.StartObservation(ctx, s.obs, Name, "delete")
	defer func() { ob.End(err) }()
	if _, err := media.ParseKeyID(id); err != nil {
		return err
	}
	if err := s.b.Delete(ctx, id); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return s.fail("delete", err)
	}
	if s.log.Enabled(ctx, slog.LevelInfo) {
		s.log.LogAttrs(ctx, slog.LevelInfo, "media deleted", slog.String("provider", Name), slog.String("id", id))
	}
	return nil
}

// URL returns the base URL followed by id for a public asset when
// WithBaseURL was given, and otherwise a GET URL signed by the bucket
// (blob.Bucket.SignedURL) that expires after opts.Expires. Drivers that
// cannot sign (memblob, fileblob without a URLSigner) make it fail with
// media.ErrUnsupported, as do transformations.
func (s *Store) URL(ctx context.Context, id string, opts *media.URLOptions) (string, error) {
	private, err := media.ParseKeyID(id)
	if err != nil {
		return "", err
	}
	if err := opts.Check(); err != nil {
		return "", err
	}
	if opts != nil && opts.Transform != nil {
		return "", fmt.Errorf("%w: %s has no transformations", media.ErrUnsupported, Name)
	}
	if !private && s.base != "" {
		return s.base + id, nil
	}
	u, err := s.b.SignedURL(ctx, id, &blob.SignedURLOptions{Method: http.MethodGet, Expiry: opts.Expiry()})
	if err != nil {
		if gcerrors.Code(err) == gcerrors.Unimplemented {
			return "", fmt.Errorf("%w: the bucket's driver cannot sign URLs", media.ErrUnsupported)
		}
		return "", s.fail("url", err)
	}
	return u, nil
}

// SignUpload returns a presigned PUT URL for one object, with the
// Content-Type signed: p.ContentType, which is required, since a
// presigned URL can only pin one type. Buckets do not look at the bytes
// or limit the size of a presigned upload, so DirectUpload.MaxBytes is
// zero: call Verify once the client reports the upload done. Drivers that
// cannot sign fail with media.ErrUnsupported.
func (s *Store) SignUpload(ctx context.Context, p *media.DirectUploadParams) (_ *media.DirectUpload, err error) {
	ctx, ob := media.StartObservation(ctx, s.obs, Name, "sign_upload")
	defer func() { ob.End(err) }()
	if err := p.Check(0); err != nil {
		return nil, err
	}
	if p.ContentType == "" {
		return nil, fmt.Errorf("%w: %s direct uploads need ContentType, which the presigned URL pins", media.ErrInvalidParams, Name)
	}
	key := media.KeyID(media.ObjectPath(p.Folder, p.Name, media.ExtensionFor(p.ContentType)), p.Private)
	exp := p.Expiry()
	u, err := s.b.SignedURL(ctx, key, &blob.SignedURLOptions{Method: http.MethodPut, Expiry: exp, ContentType: p.ContentType})
	if err != nil {
		if gcerrors.Code(err) == gcerrors.Unimplemented {
			return nil, fmt.Errorf("%w: the bucket's driver cannot presign uploads", media.ErrUnsupported)
		}
		return nil, s.fail("sign", err)
	}
	return &media.DirectUpload{
		Provider:     Name,
		Method:       http.MethodPut,
		URL:          u,
		Header:       map[string]string{"Content-Type": p.ContentType},
		ID:           key,
		ExpiresAt:    s.now().Add(exp),
		AllowedTypes: []string{p.ContentType},
	}, nil
}

func (s *Store) fail(op string, err error) error {
	kind := media.ErrPermanent
	switch gcerrors.Code(err) {
	case gcerrors.Internal, gcerrors.Unknown, gcerrors.ResourceExhausted, gcerrors.DeadlineExceeded:
		kind = media.ErrTemporary
	case gcerrors.NotFound:
		kind = media.ErrNotFound
	case gcerrors.Canceled:
		return err
	}
	return &media.Error{Kind: kind, Provider: Name, Op: op, Err: err}
}
