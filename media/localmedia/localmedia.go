package localmedia

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-go/switchboard/media"
)

// Name is the backend's name in assets, errors and log lines.
const Name = "local"

// DefaultBaseURL is where the Handler is expected to be mounted when
// WithBaseURL is not given.
const DefaultBaseURL = "/media/"

// MinKeyLength is the shortest signing key WithSigningKey accepts.
const MinKeyLength = 32

// metaDir holds a JSON side file per asset with metadata. Its name starts
// with a dot, which no asset ID segment may, so it is never served.
const metaDir = ".meta"

type config struct {
	baseURL string
	key     []byte
	keySet  bool
	log     *slog.Logger
	now     func() time.Time
	obs     *media.Observer
	errs    []error
}

// Option configures a Store.
type Option func(*config)

// WithBaseURL sets the URL prefix the Handler is mounted at, which asset
// URLs start with: a path ("/media/") or an absolute http or https URL
// ("https://cdn.example.com/media/"). A missing trailing slash is added.
// The default is DefaultBaseURL.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithSigningKey sets the HMAC-SHA256 key of signed URLs and direct-upload
// policies, at least MinKeyLength bytes. Replicas serving the same
// directory need the same key. Without it the Store draws a random key,
// so its signed URLs only verify in this process.
func WithSigningKey(key []byte) Option {
	return func(c *config) { c.key = append([]byte(nil), key...); c.keySet = true }
}

// WithLogger logs uploads, deletes and rejected requests to l. By default
// nothing is logged. Signatures are never logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithClock sets the clock for expiring URLs and policies; the default is
// time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now == nil {
			c.errs = append(c.errs, media.ConfigError(Name, "WithClock", "needs a function"))
			return
		}
		c.now = now
	}
}

// Store keeps assets in a local directory. It is safe for concurrent use,
// including by several processes sharing the directory. Files are opened
// through an os.Root, so no name, symbolic link or ".." can reach outside
// the directory.
type Store struct {
	root     *os.Root
	dir      string
	base     string // with trailing slash
	basePath string // the URL path of base
	key      []byte
	log      *slog.Logger
	now      func() time.Time
	obs      *media.Observer
	// dirs remembers the folders already created, so that an upload
	// into a known folder costs no MkdirAll.
	dirs sync.Map
}

var _ media.Store = (*Store)(nil)

// New returns a Store keeping assets in dir, which is created (with its
// parents, mode 0o755) when missing.
func New(dir string, opts ...Option) (*Store, error) {
	cfg := config{baseURL: DefaultBaseURL, now: time.Now}
	for _, o := range opts {
		if o == nil {
			return nil, media.ConfigError(Name, "option", "is nil")
		}
		o(&cfg)
	}
	if len(cfg.errs) > 0 {
		return nil, cfg.errs[0]
	}
	if strings.TrimSpace(dir) == "" {
		return nil, media.ConfigError(Name, "directory", "is empty")
	}
	base, basePath, err := parseBase(cfg.baseURL)
	if err != nil {
		return nil, err
	}
	if cfg.keySet && len(cfg.key) < MinKeyLength {
		return nil, media.ConfigError(Name, "WithSigningKey", fmt.Sprintf("needs at least %d bytes", MinKeyLength))
	}
	if !cfg.keySet {
		cfg.key = make([]byte, 32)
		if _, err := rand.Read(cfg.key); err != nil {
			return nil, fmt.Errorf("localmedia: drawing a signing key: %w", err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: %s: directory cannot be created: %v", media.ErrInvalidConfig, Name, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: directory cannot be opened: %v", media.ErrInvalidConfig, Name, err)
	}
	log := cfg.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{root: root, dir: dir, base: base, basePath: basePath, key: cfg.key, log: log, now: cfg.now, obs: cfg.obs}, nil
}

func parseBase(b string) (base, basePath string, err error) {
	if b == "" {
		return "", "", media.ConfigError(Name, "WithBaseURL", "is empty")
	}
	u, perr := url.Parse(b)
	if perr != nil || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", "", media.ConfigError(Name, "WithBaseURL", "is not a URL or path without query, fragment or credentials")
	}
	switch {
	case u.Scheme == "" && u.Host == "":
		if !strings.HasPrefix(u.Path, "/") {
			return "", "", media.ConfigError(Name, "WithBaseURL", "must be an absolute path or an http(s) URL")
		}
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
		if u.Path == "" {
			u.Path = "/"
		}
	default:
		return "", "", media.ConfigError(Name, "WithBaseURL", "must be an absolute path or an http(s) URL")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	if strings.Contains(u.Path, "//") || strings.Contains(u.Path, "/../") || strings.Contains(u.Path, "/./") {
		return "", "", media.ConfigError(Name, "WithBaseURL", "has an empty, '.' or '..' path segment")
	}
	return u.String(), u.Path, nil
}

// Close releases the directory handle. The Store must not be used
// afterwards.
func (s *Store) Close() error { return s.root.Close() }

// Dir returns the directory the Store keeps assets in.
func (s *Store) Dir() string { return s.dir }

// String describes the Store without its signing key.
func (s *Store) String() string {
	return fmt.Sprintf("localmedia.Store{dir: %s, base: %s}", s.dir, s.base)
}

// GoString is String, so %#v does not print the key either.
func (s *Store) GoString() string { return s.String() }

// sideFile is the JSON kept next to an asset that has metadata.
type sideFile struct {
	ContentType string            `json:"content_type"`
	Width       int               `json:"width,omitempty"`
	Height      int               `json:"height,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

func metaPath(id string) string { return metaDir + "/" + id + ".json" }

// Upload checks in (media.CheckUpload, media.Check) and writes the body
// to a temporary file in the asset's folder, which is renamed into place
// once complete, so a reader never sees a partial file and a failed
// upload leaves nothing behind. Without in.Overwrite an existing asset
// of the same name makes it fail with media.ErrExists.
func (s *Store) Upload(ctx context.Context, in *media.Upload) (_ *media.Asset, err error) {
	ctx, ob := media.StartObservation(ctx, s.obs, Name, "upload")
	defer func() { ob.End(err) }()
	if err := media.CheckUpload(in); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := media.Check(in.Body, in.Limits)
	if err != nil {
		return nil, err
	}
	id := media.KeyID(media.ObjectPath(in.Folder, in.Name, c.Ext), in.Private)
	dir := path.Dir(id)
	tmp := dir + "/.upload-" + media.RandomName()
	f, err := s.createTemp(dir, tmp)
	if err != nil {
		return nil, s.fail("upload", err)
	}
	_, werr := c.WriteTo(f)
	if werr == nil {
		werr = f.Sync()
	}
	var fi fs.FileInfo
	if werr == nil {
		fi, werr = f.Stat()
	}
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = ctx.Err()
	}
	if werr != nil {
		_ = s.root.Remove(tmp)
		if errors.Is(werr, media.ErrTooLarge) || errors.Is(werr, context.Canceled) || errors.Is(werr, context.DeadlineExceeded) {
			return nil, werr
		}
		return nil, s.fail("upload", werr)
	}
	if len(in.Metadata) > 0 {
		if err := s.writeSide(id, c, in.Metadata); err != nil {
			_ = s.root.Remove(tmp)
			return nil, s.fail("upload", err)
		}
	}
	if in.Overwrite {
		err = s.root.Rename(tmp, id)
	} else {
		// A hard link fails when the name exists, atomically; a rename
		// would replace it.
		err = s.root.Link(tmp, id)
		_ = s.root.Remove(tmp)
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("%w: %s", media.ErrExists, id)
		}
	}
	if err != nil {
		_ = s.root.Remove(tmp)
		return nil, s.fail("upload", err)
	}
	if len(in.Metadata) == 0 && in.Overwrite {
		// The asset replaced may have had metadata.
		_ = s.root.Remove(metaPath(id))
	}
	a := &media.Asset{
		ID:          id,
		Provider:    Name,
		Bytes:       fi.Size(),
		ContentType: c.Type,
		Width:       c.Width,
		Height:      c.Height,
		Version:     etag(fi),
		Private:     in.Private,
		Metadata:    copyMap(in.Metadata),
		CreatedAt:   fi.ModTime(),
	}
	if !in.Private {
		a.URL = s.base + id
	}
	if s.log.Enabled(ctx, slog.LevelInfo) {
		s.log.LogAttrs(ctx, slog.LevelInfo, "media uploaded", slog.String("provider", Name),
			slog.String("id", id), slog.Int64("bytes", a.Bytes), slog.String("type", a.ContentType))
	}
	return a, nil
}

// createTemp creates the temporary file of an upload in dir, creating dir
// first when it is not known to exist.
func (s *Store) createTemp(dir, tmp string) (*os.File, error) {
	if _, ok := s.dirs.Load(dir); !ok {
		if err := s.root.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		s.dirs.Store(dir, struct{}{})
	}
	f, err := s.root.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if errors.Is(err, fs.ErrNotExist) {
		// The directory was removed behind the Store's back.
		if err := s.root.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		f, err = s.root.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	}
	return f, err
}

func (s *Store) writeSide(id string, c *media.Checked, md map[string]string) error {
	b, err := json.Marshal(sideFile{ContentType: c.Type, Width: c.Width, Height: c.Height, Metadata: md})
	if err != nil {
		return err
	}
	p := metaPath(id)
	if err := s.root.MkdirAll(path.Dir(p), 0o755); err != nil {
		return err
	}
	return s.root.WriteFile(p, b, 0o644)
}

// Metadata returns the metadata stored with asset id, or nil when it has
// none. A missing asset wraps media.ErrNotFound.
func (s *Store) Metadata(id string) (map[string]string, error) {
	if _, err := media.ParseKeyID(id); err != nil {
		return nil, err
	}
	if _, err := s.root.Stat(id); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", media.ErrNotFound, id)
		}
		return nil, s.fail("metadata", err)
	}
	b, err := s.root.ReadFile(metaPath(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("metadata", err)
	}
	var sf sideFile
	if err := json.Unmarshal(b, &sf); err != nil {
		return nil, s.fail("metadata", err)
	}
	return sf.Metadata, nil
}

// Delete removes asset id and its metadata. A missing asset is not an
// error.
func (s *Store) Delete(ctx context.Context, id string) (err error) {
	ctx, ob := media.StartObservation(ctx, s.obs, Name, "delete")
	defer func() { ob.End(err) }()
	if _, err := media.ParseKeyID(id); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.root.Remove(id); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.fail("delete", err)
	}
	if err := s.root.Remove(metaPath(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.fail("delete", err)
	}
	if s.log.Enabled(ctx, slog.LevelInfo) {
		s.log.LogAttrs(ctx, slog.LevelInfo, "media deleted", slog.String("provider", Name), slog.String("id", id))
	}
	return nil
}

// URL returns the base URL followed by id for a public asset, and for a
// private one the same URL with "expires" (Unix seconds) and "sig" (the
// base64url HMAC-SHA256 of the ID and expiry) query parameters, which the
// Handler checks. Transformations wrap media.ErrUnsupported.
func (s *Store) URL(_ context.Context, id string, opts *media.URLOptions) (string, error) {
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
	if !private {
		return s.base + id, nil
	}
	exp := s.now().Add(opts.Expiry()).Unix()
	return s.base + id + "?expires=" + strconv.FormatInt(exp, 10) + "&sig=" + s.urlSig(id, exp), nil
}

// urlSig signs a private asset's ID and expiry.
func (s *Store) urlSig(id string, exp int64) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("localmedia-url\x00"))
	m.Write([]byte(id))
	m.Write([]byte{0})
	m.Write([]byte(strconv.FormatInt(exp, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkURLSig verifies a private asset's signature in constant time.
func (s *Store) checkURLSig(id, expires, sig string) error {
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || exp <= 0 || len(expires) > 12 {
		return fmt.Errorf("%w: malformed expiry", media.ErrInvalidSignature)
	}
	want := s.urlSig(id, exp)
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return fmt.Errorf("%w: signature does not match", media.ErrInvalidSignature)
	}
	if s.now().Unix() > exp {
		return fmt.Errorf("%w: expired", media.ErrInvalidSignature)
	}
	return nil
}

func (s *Store) fail(op string, err error) error {
	return &media.Error{Kind: media.ErrPermanent, Provider: Name, Op: op, Err: sanitizePathError(err)}
}

// sanitizePathError keeps the operation and cause of a file system error
// but drops the directory, which is configuration rather than news.
func sanitizePathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s %s: %w", pe.Op, path.Base(pe.Path), pe.Err)
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return fmt.Errorf("%s %s: %w", le.Op, path.Base(le.New), le.Err)
	}
	return err
}

func etag(fi fs.FileInfo) string {
	return strconv.FormatInt(fi.ModTime().UnixNano(), 36) + "-" + strconv.FormatInt(fi.Size(), 36)
}

func copyMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
