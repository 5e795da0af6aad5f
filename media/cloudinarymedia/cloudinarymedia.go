package cloudinarymedia

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/media"
)

// Name is the backend's name in assets, errors and log lines.
const Name = "cloudinary"

// Default hosts.
const (
	// DefaultBaseURL is the Upload API host (WithBaseURL).
	DefaultBaseURL = "https://api.cloudinary.com"
	// DefaultDeliveryURL is the delivery host of asset URLs
	// (WithDeliveryURL).
	DefaultDeliveryURL = "https://res.cloudinary.com"
)

// MaxUploadExpiry is how long Cloudinary accepts a signed request after
// its timestamp: one hour.
const MaxUploadExpiry = time.Hour

const userAgent = "switchboard-go/cloudinarymedia"

type config struct {
	baseURL     string
	deliveryURL string
	hc          *http.Client
	httpOpts    []httpclient.Option
	log         *slog.Logger
	now         func() time.Time
	algorithm   string
	notifyURL   string
	obs         *media.Observer
	errs        []error
}

// Option configures a Store.
type Option func(*config)

// WithBaseURL replaces the Upload API host (DefaultBaseURL), for tests, a
// proxy or a regional host. Paths /v1_1/<cloud>/... are appended to it.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithDeliveryURL replaces the host of asset URLs (DefaultDeliveryURL),
// for a custom delivery domain (CNAME) or tests.
func WithDeliveryURL(u string) Option { return func(c *config) { c.deliveryURL = u } }

// WithHTTPClient sends the Store's requests through hc (its transport,
// proxy and TLS settings), under the retry rules of httpclient.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) {
		if hc == nil {
			c.errs = append(c.errs, media.ConfigError(Name, "WithHTTPClient", "needs a client"))
			return
		}
		c.hc = hc
	}
}

// WithHTTPOptions passes options to the httpclient.Client the Store
// builds (timeouts, retries, circuit breaker).
func WithHTTPOptions(opts ...httpclient.Option) Option {
	return func(c *config) { c.httpOpts = append(c.httpOpts, opts...) }
}

// WithLogger logs uploads, deletes and request attempts to l. By default
// nothing is logged. The API secret and signatures are never logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithClock sets the clock of request timestamps and URL expiries; the
// default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now == nil {
			c.errs = append(c.errs, media.ConfigError(Name, "WithClock", "needs a function"))
			return
		}
		c.now = now
	}
}

// WithSignatureAlgorithm sets the account's signature algorithm, SHA1 (the
// default) or SHA256.
func WithSignatureAlgorithm(alg string) Option { return func(c *config) { c.algorithm = alg } }

// WithNotificationURL asks Cloudinary to report every upload, from the
// server or a browser, to u (an absolute https or http URL), where a
// webhooks.Handler built on webhooks.NewCloudinary verifies it. It is
// signed into every request, so a browser cannot change it.
func WithNotificationURL(u string) Option { return func(c *config) { c.notifyURL = u } }

// Store is a media.Store on Cloudinary's Upload API. It is safe for
// concurrent use.
type Store struct {
	cloud     string
	apiKey    string
	secret    string
	api       string // base URL + /v1_1/<cloud>
	delivery  string // delivery URL + /<cloud>
	algorithm string
	notifyURL string
	http      *httpclient.Client
	log       *slog.Logger
	now       func() time.Time
	obs       *media.Observer
}

var (
	_ media.Store              = (*Store)(nil)
	_ media.NotificationParser = (*Store)(nil)
)

// New returns a Store for the product environment cloudName, signing
// requests with apiKey and apiSecret (Console, API Keys).
func New(cloudName, apiKey, apiSecret string, opts ...Option) (*Store, error) {
	cfg := config{baseURL: DefaultBaseURL, deliveryURL: DefaultDeliveryURL, now: time.Now, algorithm: SHA1}
	for _, o := range opts {
		if o == nil {
			return nil, media.ConfigError(Name, "option", "is nil")
		}
		o(&cfg)
	}
	if len(cfg.errs) > 0 {
		return nil, cfg.errs[0]
	}
	if err := checkCloudName(cloudName); err != nil {
		return nil, err
	}
	if err := checkCredential("API key", apiKey); err != nil {
		return nil, err
	}
	if err := checkCredential("API secret", apiSecret); err != nil {
		return nil, err
	}
	if cfg.algorithm != SHA1 && cfg.algorithm != SHA256 {
		return nil, media.ConfigError(Name, "WithSignatureAlgorithm", `must be "sha1" or "sha256"`)
	}
	base, err := httpBase("WithBaseURL", cfg.baseURL)
	if err != nil {
		return nil, err
	}
	delivery, err := httpBase("WithDeliveryURL", cfg.deliveryURL)
	if err != nil {
		return nil, err
	}
	if cfg.notifyURL != "" {
		if _, err := httpBase("WithNotificationURL", cfg.notifyURL); err != nil {
			return nil, err
		}
	}
	log := cfg.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hopts := []httpclient.Option{httpclient.WithUserAgent(userAgent), httpclient.WithLogger(log), httpclient.WithTimeout(2 * time.Minute)}
	if cfg.hc != nil {
		hopts = append(hopts, httpclient.WithHTTPClient(cfg.hc))
	}
	hopts = append(hopts, cfg.httpOpts...)
	hc, err := httpclient.New(hopts...)
	if err != nil {
		return nil, &media.Error{Kind: media.ErrInvalidConfig, Provider: Name, Message: "HTTP options", Err: err}
	}
	return &Store{
		cloud: cloudName, apiKey: apiKey, secret: apiSecret,
		api: base + "/v1_1/" + cloudName, delivery: delivery + "/" + cloudName,
		algorithm: cfg.algorithm, notifyURL: cfg.notifyURL,
		http: hc, log: log, now: cfg.now, obs: cfg.obs,
	}, nil
}

// NewFromURL returns a Store configured by a CLOUDINARY_URL,
// "cloudinary://<api key>:<api secret>@<cloud name>", with the optional
// query parameters signature_algorithm (sha1 or sha256) and upload_prefix
// (the API host, as WithBaseURL). Any other parameter is a configuration
// error rather than being ignored. Options given here win over the URL's.
func NewFromURL(cloudinaryURL string, opts ...Option) (*Store, error) {
	u, err := url.Parse(cloudinaryURL)
	if err != nil || u.Scheme != "cloudinary" {
		// url.Parse errors quote the URL, secret included: never return it.
		return nil, media.ConfigError(Name, "URL", `must be cloudinary://<api key>:<api secret>@<cloud name>`)
	}
	secret, ok := u.User.Password()
	if !ok || u.User.Username() == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, media.ConfigError(Name, "URL", `must be cloudinary://<api key>:<api secret>@<cloud name>`)
	}
	var pre []Option
	for k, v := range u.Query() {
		switch k {
		case "signature_algorithm":
			pre = append(pre, WithSignatureAlgorithm(v[0]))
		case "upload_prefix":
			pre = append(pre, WithBaseURL(v[0]))
		default:
			return nil, media.ConfigError(Name, "URL", fmt.Sprintf("has the unsupported parameter %q", k))
		}
	}
	return New(u.Host, u.User.Username(), secret, append(pre, opts...)...)
}

func checkCloudName(c string) error {
	if c == "" {
		return media.ConfigError(Name, "cloud name", "is empty")
	}
	for i := 0; i < len(c); i++ {
		ch := c[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
			return media.ConfigError(Name, "cloud name", "holds a character outside [A-Za-z0-9_-]")
		}
	}
	return nil
}

func checkCredential(what, v string) error {
	switch {
	case v == "":
		return media.ConfigError(Name, what, "is empty")
	case strings.TrimSpace(v) != v:
		return media.ConfigError(Name, what, "has leading or trailing white space")
	case strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return media.ConfigError(Name, what, "holds white space or control characters")
	}
	return nil
}

func httpBase(what, s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", media.ConfigError(Name, what, "must be an absolute http(s) URL without credentials, query or fragment")
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// String describes the Store without its credentials.
func (s *Store) String() string {
	return fmt.Sprintf("cloudinarymedia.Store{cloud: %s, api: %s}", s.cloud, s.api)
}

// GoString is String, so %#v does not print the secret either.
func (s *Store) GoString() string { return s.String() }

// sign adds timestamp (when absent), signature and api_key to params.
func (s *Store) sign(params url.Values) {
	if params.Get("timestamp") == "" {
		params.Set("timestamp", strconv.FormatInt(s.now().Unix(), 10))
	}
	params.Del("signature")
	params.Del("api_key")
	sig, _ := Sign(params, s.secret, s.algorithm) // the algorithm was checked by New
	params.Set("signature", sig)
	params.Set("api_key", s.apiKey)
}

// assetID is a parsed Cloudinary asset ID.
type assetID struct {
	resourceType string // image, video, raw
	deliveryType string // upload, private
	publicID     string
	format       string // image and video only; may be empty
}

func (a assetID) String() string {
	id := a.resourceType + "/" + a.deliveryType + "/" + a.publicID
	if a.format != "" {
		id += "." + a.format
	}
	return id
}

// parseID checks an asset ID "<resource type>/<delivery type>/<public
// id>[.<format>]".
func parseID(id string) (assetID, error) {
	if err := media.CheckPath("id", id); err != nil {
		return assetID{}, err
	}
	parts := strings.SplitN(id, "/", 3)
	if len(parts) != 3 {
		return assetID{}, fmt.Errorf("%w: id %q is not <resource type>/<delivery type>/<public id>", media.ErrInvalidName, id)
	}
	a := assetID{resourceType: parts[0], deliveryType: parts[1], publicID: parts[2]}
	switch a.resourceType {
	case "image", "video", "raw":
	default:
		return assetID{}, fmt.Errorf("%w: id %q: resource type must be image, video or raw", media.ErrInvalidName, id)
	}
	switch a.deliveryType {
	case "upload", "private":
	default:
		return assetID{}, fmt.Errorf("%w: id %q: delivery type must be upload or private", media.ErrInvalidName, id)
	}
	if a.resourceType != "raw" {
		last := strings.LastIndexByte(a.publicID, '/')
		if dot := strings.LastIndexByte(a.publicID, '.'); dot > last+1 {
			a.publicID, a.format = a.publicID[:dot], a.publicID[dot+1:]
		}
	}
	return a, nil
}

func resourceTypeFor(ctype string) string {
	switch {
	case strings.HasPrefix(ctype, "image/"):
		return "image"
	case strings.HasPrefix(ctype, "video/"):
		return "video"
	}
	return "raw"
}

// uploadResult is the part of Cloudinary's upload answer the Store reads.
type uploadResult struct {
	AssetID      string          `json:"asset_id"`
	PublicID     string          `json:"public_id"`
	Version      int64           `json:"version"`
	Width        int             `json:"width"`
	Height       int             `json:"height"`
	Format       string          `json:"format"`
	ResourceType string          `json:"resource_type"`
	Type         string          `json:"type"`
	CreatedAt    string          `json:"created_at"`
	Bytes        int64           `json:"bytes"`
	ETag         string          `json:"etag"`
	SecureURL    string          `json:"secure_url"`
	Existing     bool            `json:"existing"`
	Context      json.RawMessage `json:"context"`
	Error        *apiError       `json:"error"`
}

type apiError struct {
	Message string `json:"message"`
}

// Upload checks in (media.CheckUpload, media.Check), reads the body into
// memory (at most the limit) and posts it to Cloudinary's Upload API as
// multipart/form-data to /<resource type>/upload, the resource type
// following the sniffed type (image, video, otherwise raw). The request
// is signed and carries the public ID (folder, name), the delivery type
// (upload, or private for a private asset), overwrite, the metadata as
// Cloudinary context and the notification URL. The bytes are sent as a
// file part, never as a string Cloudinary could read as a URL.
//
// Without in.Overwrite the request says overwrite=false, and Cloudinary
// answers with the existing asset instead of an error; that answer is
// media.ErrExists unless the existing asset's ETag is the MD5 of these
// bytes (a retried request that had already succeeded).
func (s *Store) Upload(ctx context.Context, in *media.Upload) (_ *media.Asset, err error) {
	ctx, ob := media.StartObservation(ctx, s.obs, Name, "upload")
	defer func() { ob.End(err) }()
	if err := media.CheckUpload(in); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, data, err := media.ReadAll(in.Body, in.Limits)
	if err != nil {
		return nil, err
	}
	rt := resourceTypeFor(c.Type)
	p := media.ObjectPath(in.Folder, in.Name, c.Ext)
	publicID := p
	if rt != "raw" {
		publicID = strings.TrimSuffix(p, c.Ext)
	}
	dtype := "upload"
	if in.Private {
		dtype = "private"
	}
	params := url.Values{}
	params.Set("public_id", publicID)
	params.Set("type", dtype)
	params.Set("overwrite", strconv.FormatBool(in.Overwrite))
	if in.Overwrite {
		params.Set("invalidate", "true")
	}
	if len(in.Metadata) > 0 {
		params.Set("context", encodeContext(in.Metadata))
	}
	if s.notifyURL != "" {
		params.Set("notification_url", s.notifyURL)
	}
	s.sign(params)
	body, ctype, err := multipartBody(params, data)
	if err != nil {
		return nil, err
	}
	var res uploadResult
	if err := s.post(ctx, "upload", "/"+rt+"/upload", body, ctype, &res); err != nil {
		return nil, err
	}
	if res.Existing {
		sum := md5.Sum(data)
		if !strings.EqualFold(res.ETag, hex.EncodeToString(sum[:])) {
			return nil, fmt.Errorf("%w: %s", media.ErrExists, publicID)
		}
	}
	if res.PublicID == "" || res.ResourceType == "" {
		return nil, &media.Error{Kind: media.ErrPermanent, Provider: Name, Op: "upload", Message: "answer without public_id or resource_type"}
	}
	a := assetID{resourceType: res.ResourceType, deliveryType: dtype, publicID: res.PublicID}
	if res.ResourceType != "raw" {
		a.format = res.Format
	}
	asset := &media.Asset{
		ID:          a.String(),
		Provider:    Name,
		Bytes:       res.Bytes,
		ContentType: c.Type,
		Width:       res.Width,
		Height:      res.Height,
		Version:     strconv.FormatInt(res.Version, 10),
		Private:     in.Private,
		Metadata:    copyMap(in.Metadata),
	}
	if asset.Bytes == 0 {
		asset.Bytes = int64(len(data))
	}
	if asset.Width == 0 {
		asset.Width, asset.Height = c.Width, c.Height
	}
	if t, err := time.Parse(time.RFC3339, res.CreatedAt); err == nil {
		asset.CreatedAt = t
	}
	if !in.Private {
		asset.URL = s.deliveryURL(a, "", res.Version)
	}
	if s.log.Enabled(ctx, slog.LevelInfo) {
		s.log.LogAttrs(ctx, slog.LevelInfo, "media uploaded", slog.String("provider", Name),
			slog.String("id", asset.ID), slog.Int64("bytes", asset.Bytes), slog.String("type", asset.ContentType))
	}
	return asset, nil
}

// encodeContext writes metadata as Cloudinary context, key=value pairs
// joined with '|', with '=' and '|' in values escaped by a backslash.
func encodeContext(md map[string]string) string {
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	esc := strings.NewReplacer(`\`, `\\`, "=", `\=`, "|", `\|`)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + esc.Replace(md[k])
	}
	return strings.Join(parts, "|")
}

func multipartBody(params url.Values, data []byte) ([]byte, string, error) {
	var buf bytes.Buffer
	buf.Grow(len(data) + 1024)
	mw := multipart.NewWriter(&buf)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := mw.WriteField(k, params.Get(k)); err != nil {
			return nil, "", err
		}
	}
	fw, err := mw.CreateFormFile("file", "upload")
	if err != nil {
		return nil, "", err
	}
	if _, err := fw.Write(data); err != nil {
		return nil, "", err
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

// post sends a signed request and decodes the answer into out. The
// request is retryable: uploads name their public ID and destroys are
// idempotent.
func (s *Store) post(ctx context.Context, op, path string, body []byte, ctype string, out any) error {
	resp, err := s.http.Post(ctx, s.api+path, body, httpclient.WithContentType(ctype),
		httpclient.WithIdempotencyKey(media.RandomName()))
	if err != nil {
		return s.httpError(ctx, op, err)
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return &media.Error{Kind: media.ErrPermanent, Provider: Name, Op: op, StatusCode: resp.StatusCode, Message: "answer is not JSON", Err: err}
	}
	// Cloudinary documents {"error":{"message":...}} with a 4xx status;
	// an error document in a 2xx answer is an error all the same.
	var e struct {
		Error *apiError `json:"error"`
	}
	if json.Unmarshal(resp.Body, &e) == nil && e.Error != nil {
		return &media.Error{Kind: media.ErrPermanent, Provider: Name, Op: op, StatusCode: resp.StatusCode, Message: sanitize(e.Error.Message)}
	}
	return nil
}

// httpError maps an httpclient error to a *media.Error.
func (s *Store) httpError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("cloudinarymedia: %s: %w", op, ctx.Err())
	}
	var st *httpclient.StatusError
	if !errors.As(err, &st) {
		return &media.Error{Kind: media.ErrTemporary, Provider: Name, Op: op, Message: "request failed", Err: err}
	}
	e := &media.Error{Provider: Name, Op: op, StatusCode: st.StatusCode, RequestID: st.RequestID}
	var doc struct {
		Error *apiError `json:"error"`
	}
	if json.Unmarshal(st.Body, &doc) == nil && doc.Error != nil {
		e.Message = sanitize(doc.Error.Message)
	}
	switch {
	case st.StatusCode == http.StatusTooManyRequests || st.StatusCode == 420 || st.StatusCode >= 500:
		e.Kind = media.ErrTemporary
	case st.StatusCode == http.StatusNotFound:
		e.Kind = media.ErrNotFound
	default:
		e.Kind = media.ErrPermanent
	}
	return e
}

// sanitize keeps a provider message short and printable.
func sanitize(m string) string {
	m = strings.ToValidUTF8(m, "\uFFFD")
	m = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, m)
	if len(m) > 300 {
		m = m[:300] + "..."
	}
	return strings.TrimSpace(m)
}

// Delete destroys asset id (POST /<resource type>/destroy, with
// invalidate=true to purge CDN caches). Cloudinary answers "not found" for
// a missing asset, which is success: Delete is idempotent.
func (s *Store) Delete(ctx context.Context, id string) (err error) {
	ctx, ob := media.StartObservation(ctx, s.obs, Name, "delete")
	defer func() { ob.End(err) }()
	a, err := parseID(id)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	params := url.Values{}
	params.Set("public_id", a.publicID)
	params.Set("type", a.deliveryType)
	params.Set("invalidate", "true")
	s.sign(params)
	var res struct {
		Result string `json:"result"`
	}
	if err := s.post(ctx, "delete", "/"+a.resourceType+"/destroy", []byte(params.Encode()), "application/x-www-form-urlencoded", &res); err != nil {
		return err
	}
	switch res.Result {
	case "ok", "not found":
	default:
		return &media.Error{Kind: media.ErrPermanent, Provider: Name, Op: "delete", Message: "unexpected result " + strconv.Quote(sanitize(res.Result))}
	}
	if s.log.Enabled(ctx, slog.LevelInfo) {
		s.log.LogAttrs(ctx, slog.LevelInfo, "media deleted", slog.String("provider", Name), slog.String("id", id), slog.String("result", res.Result))
	}
	return nil
}

// URL returns a delivery URL for a public asset,
// <delivery>/<cloud>/<resource type>/upload/[<transformation>/]<public
// id>.<format>, with opts.Transform as Cloudinary transformation
// parameters (c_, w_, h_, q_, f_). For a private asset it returns a
// signed, expiring download URL of the Upload API
// (/<resource type>/download with expires_at), which serves the original
// only: a transformation on a private asset wraps media.ErrUnsupported.
func (s *Store) URL(_ context.Context, id string, opts *media.URLOptions) (string, error) {
	a, err := parseID(id)
	if err != nil {
		return "", err
	}
	if err := opts.Check(); err != nil {
		return "", err
	}
	var tr *media.Transformation
	if opts != nil {
		tr = opts.Transform
	}
	if a.deliveryType == "private" {
		if tr != nil {
			return "", fmt.Errorf("%w: %s serves private assets untransformed", media.ErrUnsupported, Name)
		}
		if a.resourceType != "raw" && a.format == "" {
			return "", fmt.Errorf("%w: the id of a private %s needs its format", media.ErrInvalidName, a.resourceType)
		}
		params := url.Values{}
		params.Set("public_id", a.publicID)
		params.Set("format", a.format)
		params.Set("type", a.deliveryType)
		params.Set("expires_at", strconv.FormatInt(s.now().Add(opts.Expiry()).Unix(), 10))
		s.sign(params)
		return s.api + "/" + a.resourceType + "/download?" + params.Encode(), nil
	}
	if tr != nil && a.resourceType == "raw" {
		return "", fmt.Errorf("%w: raw files have no transformations", media.ErrUnsupported)
	}
	return s.deliveryURL(a, transformation(tr), 0), nil
}

func (s *Store) deliveryURL(a assetID, tr string, version int64) string {
	u := s.delivery + "/" + a.resourceType + "/" + a.deliveryType + "/"
	if tr != "" {
		u += tr + "/"
	}
	if version > 0 {
		u += "v" + strconv.FormatInt(version, 10) + "/"
	}
	u += a.publicID
	if a.format != "" {
		u += "." + a.format
	}
	return u
}

// transformation writes t as one Cloudinary transformation component,
// its parameters in alphabetical order.
func transformation(t *media.Transformation) string {
	if t == nil {
		return ""
	}
	var parts []string
	if t.Crop != "" {
		parts = append(parts, "c_"+t.Crop)
	}
	if t.Format != "" {
		parts = append(parts, "f_"+t.Format)
	}
	if t.Height > 0 {
		parts = append(parts, "h_"+strconv.Itoa(t.Height))
	}
	if t.Quality > 0 {
		parts = append(parts, "q_"+strconv.Itoa(t.Quality))
	} else {
		parts = append(parts, "q_auto")
	}
	if t.Width > 0 {
		parts = append(parts, "w_"+strconv.Itoa(t.Width))
	}
	return strings.Join(parts, ",")
}

// formatsFor maps allowed media types to Cloudinary format names.
func formatsFor(types []string) ([]string, bool) {
	var out []string
	for _, t := range types {
		switch t {
		case "image/jpeg":
			out = append(out, "jpg", "jpeg")
		case "image/png":
			out = append(out, "png")
		case "image/gif":
			out = append(out, "gif")
		case "image/webp":
			out = append(out, "webp")
		case "image/bmp":
			out = append(out, "bmp")
		case "application/pdf":
			out = append(out, "pdf")
		case "video/mp4":
			out = append(out, "mp4")
		case "video/webm":
			out = append(out, "webm")
		default:
			return nil, false
		}
	}
	return out, true
}

// SignUpload signs a direct upload from a browser: a multipart POST to
// <api>/v1_1/<cloud>/<resource type>/upload with the returned Fields
// (api_key, timestamp, signature, public_id, overwrite=false,
// allowed_formats, type for a private asset, notification_url) and the
// file in "file". The public ID is chosen here (a random name when
// p.Name is empty), so the browser cannot overwrite another asset, and
// allowed_formats makes Cloudinary refuse other formats by their content.
// Cloudinary has no per-request size limit, so DirectUpload.MaxBytes is
// zero; notifications report the size. Cloudinary accepts a signature for
// one hour after its timestamp, so the timestamp is set back to make the
// signature expire after p.Expires; a longer expiry is
// media.ErrInvalidParams. The API secret is never part of the answer.
func (s *Store) SignUpload(ctx context.Context, p *media.DirectUploadParams) (_ *media.DirectUpload, err error) {
	_, ob := media.StartObservation(ctx, s.obs, Name, "sign_upload")
	defer func() { ob.End(err) }()
	if err := p.Check(MaxUploadExpiry); err != nil {
		return nil, err
	}
	_, types, err := p.Limits.Resolve()
	if err != nil {
		return nil, err
	}
	if p.ContentType != "" {
		types = []string{p.ContentType}
	}
	formats, ok := formatsFor(types)
	if !ok {
		return nil, fmt.Errorf("%w: %s direct uploads can only limit image, PDF, MP4 and WebM types", media.ErrInvalidParams, Name)
	}
	rt := "image"
	for _, t := range types {
		if resourceTypeFor(t) != "image" {
			rt = "auto"
		}
	}
	name := p.Name
	if name == "" {
		name = media.RandomName()
	}
	publicID := media.ObjectPath(p.Folder, name, "")
	now := s.now()
	ts := now.Add(p.Expiry() - MaxUploadExpiry)
	params := url.Values{}
	params.Set("timestamp", strconv.FormatInt(ts.Unix(), 10))
	params.Set("public_id", publicID)
	params.Set("overwrite", "false")
	params.Set("allowed_formats", strings.Join(formats, ","))
	if p.Private {
		params.Set("type", "private")
	}
	if s.notifyURL != "" {
		params.Set("notification_url", s.notifyURL)
	}
	s.sign(params)
	fields := make(map[string]string, len(params))
	for k := range params {
		fields[k] = params.Get(k)
	}
	du := &media.DirectUpload{
		Provider:     Name,
		Method:       http.MethodPost,
		URL:          s.api + "/" + rt + "/upload",
		Fields:       fields,
		FileField:    "file",
		ExpiresAt:    time.Unix(ts.Add(MaxUploadExpiry).Unix(), 0),
		AllowedTypes: types,
	}
	if strings.HasPrefix(p.ContentType, "image/") {
		dtype := "upload"
		if p.Private {
			dtype = "private"
		}
		du.ID = assetID{resourceType: "image", deliveryType: dtype, publicID: publicID, format: strings.TrimPrefix(media.ExtensionFor(p.ContentType), ".")}.String()
	}
	return du, nil
}

// CloudName returns the product environment's cloud name, which browsers
// need with a DirectUpload.
func (s *Store) CloudName() string { return s.cloud }

// APIKey returns the API key, which is public (browsers send it with a
// signed upload); the secret has no getter.
func (s *Store) APIKey() string { return s.apiKey }

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
