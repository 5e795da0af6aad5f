package localmedia

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/media"
)

// UploadPath is the path, below the base URL, that accepts signed direct
// uploads.
const UploadPath = "upload"

// Form fields of a direct upload.
const (
	// PolicyField carries the signed upload policy.
	PolicyField = "policy"
	// SignatureField carries the policy's signature.
	SignatureField = "signature"
	// FileField carries the file; it must come after the policy and
	// signature, so that nothing is read before they verify.
	FileField = "file"
)

// maxFormOverhead bounds what a direct upload's form may hold beyond the
// file: the policy, the signature and the multipart framing.
const maxFormOverhead = 64 << 10

// policy is what SignUpload signs and the Handler enforces.
type policy struct {
	Folder      string   `json:"f,omitempty"`
	Name        string   `json:"n"`
	MaxBytes    int64    `json:"m"`
	Types       []string `json:"t"`
	ContentType string   `json:"c,omitempty"`
	Private     bool     `json:"p,omitempty"`
	Expires     int64    `json:"e"`
}

// SignUpload signs a policy for one direct upload to the Handler: a POST
// of a multipart form to the base URL followed by UploadPath, with the
// fields "policy" and "signature" first and the file in "file". The
// Handler runs every check of Upload, enforces the policy's folder, name,
// size limit, allowed types (and ContentType, when set, as the only
// allowed type) and expiry, and never overwrites: a policy stores at most
// one file. An empty p.Name is replaced by a random one.
func (s *Store) SignUpload(ctx context.Context, p *media.DirectUploadParams) (_ *media.DirectUpload, err error) {
	_, ob := media.StartObservation(ctx, s.obs, Name, "sign_upload")
	defer func() { ob.End(err) }()
	if err := p.Check(0); err != nil {
		return nil, err
	}
	max, types, err := p.Limits.Resolve()
	if err != nil {
		return nil, err
	}
	if p.ContentType != "" {
		types = []string{p.ContentType}
	}
	name := p.Name
	if name == "" {
		name = media.RandomName()
	}
	exp := s.now().Add(p.Expiry())
	pol := policy{Folder: p.Folder, Name: name, MaxBytes: max, Types: types, ContentType: p.ContentType, Private: p.Private, Expires: exp.Unix()}
	raw, err := json.Marshal(pol)
	if err != nil {
		return nil, err
	}
	enc := base64.RawURLEncoding.EncodeToString(raw)
	du := &media.DirectUpload{
		Provider:     Name,
		Method:       http.MethodPost,
		URL:          s.base + UploadPath,
		Fields:       map[string]string{PolicyField: enc, SignatureField: s.policySig(enc)},
		FileField:    FileField,
		ExpiresAt:    time.Unix(exp.Unix(), 0),
		MaxBytes:     max,
		AllowedTypes: types,
	}
	if p.ContentType != "" {
		du.ID = media.KeyID(media.ObjectPath(p.Folder, name, media.ExtensionFor(p.ContentType)), p.Private)
	}
	return du, nil
}

func (s *Store) policySig(enc string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("localmedia-policy\x00"))
	m.Write([]byte(enc))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// parsePolicy verifies a policy's signature in constant time, then its
// expiry and contents.
func (s *Store) parsePolicy(enc, sig string) (*policy, error) {
	if enc == "" || sig == "" || len(enc) > maxFormOverhead/2 {
		return nil, fmt.Errorf("%w: missing policy or signature", media.ErrInvalidSignature)
	}
	if !hmac.Equal([]byte(sig), []byte(s.policySig(enc))) {
		return nil, fmt.Errorf("%w: policy signature does not match", media.ErrInvalidSignature)
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: policy is not base64url", media.ErrInvalidSignature)
	}
	var p policy
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("%w: policy is not JSON", media.ErrInvalidSignature)
	}
	if s.now().Unix() > p.Expires {
		return nil, fmt.Errorf("%w: policy expired", media.ErrInvalidSignature)
	}
	return &p, nil
}

// Handler returns an http.Handler to mount at the base URL's path (without
// http.StripPrefix), for example mux.Handle("/media/", store.Handler()).
// It serves:
//
//   - GET and HEAD of public assets: the file's bytes with the
//     Content-Type of its extension (which came from the sniffed type),
//     X-Content-Type-Options: nosniff, a sandboxing
//     Content-Security-Policy, Content-Disposition: attachment for
//     anything but images, ETag and range support.
//   - GET and HEAD of private assets, only with a valid, unexpired
//     signature from URL (403 otherwise).
//   - POST to UploadPath: a signed direct upload (see SignUpload),
//     answered 201 with the asset as JSON.
//
// Anything else is 404 (no directory listing, no hidden or side files, no
// path outside the directory) or 405.
func (s *Store) Handler() http.Handler { return &handler{s: s} }

type handler struct{ s *Store }

// AssetJSON is the JSON the Handler answers a direct upload with.
type AssetJSON struct {
	ID          string `json:"id"`
	URL         string `json:"url,omitempty"`
	Bytes       int64  `json:"bytes"`
	ContentType string `json:"content_type"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	Version     string `json:"version,omitempty"`
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, h.s.basePath)
	if !ok {
		h.reject(w, r, http.StatusNotFound, "not found", "outside the base path")
		return
	}
	if rest == UploadPath {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			h.reject(w, r, http.StatusMethodNotAllowed, "method not allowed", "")
			return
		}
		h.upload(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.reject(w, r, http.StatusMethodNotAllowed, "method not allowed", "")
		return
	}
	h.serve(w, r, rest)
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, id string) {
	private, err := media.ParseKeyID(id)
	if err != nil {
		h.reject(w, r, http.StatusNotFound, "not found", "malformed id")
		return
	}
	if private {
		q := r.URL.Query()
		if err := h.s.checkURLSig(id, q.Get("expires"), q.Get("sig")); err != nil {
			h.reject(w, r, http.StatusForbidden, "forbidden", err.Error())
			return
		}
	}
	f, err := h.s.root.Open(id)
	if err != nil {
		h.reject(w, r, http.StatusNotFound, "not found", "no such asset")
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		h.reject(w, r, http.StatusNotFound, "not found", "not a regular file")
		return
	}
	ext := path.Ext(id)
	ctype := media.TypeForExtension(ext)
	hd := w.Header()
	hd.Set("Content-Type", ctype)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Cross-Origin-Resource-Policy", "same-site")
	hd.Set("ETag", `"`+etag(fi)+`"`)
	if !strings.HasPrefix(ctype, "image/") {
		hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(id)}))
	}
	if private {
		hd.Set("Cache-Control", "private, no-store")
	} else {
		hd.Set("Cache-Control", "public, max-age=3600")
	}
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

func (h *handler) upload(w http.ResponseWriter, r *http.Request) {
	mr, err := r.MultipartReader()
	if err != nil {
		h.reject(w, r, http.StatusBadRequest, "expected a multipart/form-data body", "")
		return
	}
	// Before the policy verifies, only the form overhead may be read.
	body := &limitedBody{r: r.Body, n: maxFormOverhead}
	r.Body = body
	var enc, sig string
	var pol *policy
	for {
		part, err := mr.NextPart()
		if err != nil {
			h.reject(w, r, http.StatusBadRequest, "missing file", "no file part")
			return
		}
		switch part.FormName() {
		case PolicyField, SignatureField:
			v, err := io.ReadAll(io.LimitReader(part, maxFormOverhead/2+1))
			if err != nil || len(v) > maxFormOverhead/2 {
				h.reject(w, r, http.StatusBadRequest, "malformed form", "")
				return
			}
			if part.FormName() == PolicyField {
				enc = string(v)
			} else {
				sig = string(v)
			}
			continue
		case FileField:
		default:
			h.reject(w, r, http.StatusBadRequest, "unexpected form field", "")
			return
		}
		pol, err = h.s.parsePolicy(enc, sig)
		if err != nil {
			h.reject(w, r, http.StatusForbidden, "invalid or expired upload policy", err.Error())
			return
		}
		// The policy allows the file and a little framing after it.
		body.n = pol.MaxBytes + maxFormOverhead
		a, err := h.s.Upload(r.Context(), &media.Upload{
			Folder:  pol.Folder,
			Name:    pol.Name,
			Body:    part,
			Limits:  media.Limits{MaxBytes: pol.MaxBytes, AllowedTypes: pol.Types},
			Private: pol.Private,
		})
		if err != nil {
			status, msg := uploadStatus(err)
			h.reject(w, r, status, msg, err.Error())
			return
		}
		writeJSON(w, http.StatusCreated, AssetJSON{
			ID: a.ID, URL: a.URL, Bytes: a.Bytes, ContentType: a.ContentType,
			Width: a.Width, Height: a.Height, Version: a.Version,
		})
		return
	}
}

// uploadStatus maps an upload error to an HTTP status and a short reason
// that reveals nothing about the server.
func uploadStatus(err error) (int, string) {
	switch {
	case errors.Is(err, media.ErrTooLarge):
		return http.StatusRequestEntityTooLarge, "file too large"
	case errors.Is(err, media.ErrTypeNotAllowed):
		return http.StatusUnsupportedMediaType, "file type not allowed"
	case errors.Is(err, media.ErrInvalidContent):
		return http.StatusUnsupportedMediaType, "file content is malformed"
	case errors.Is(err, media.ErrEmpty):
		return http.StatusBadRequest, "file is empty"
	case errors.Is(err, media.ErrExists):
		return http.StatusConflict, "upload policy already used"
	case errors.Is(err, media.ErrInvalidName), errors.Is(err, media.ErrInvalidParams):
		return http.StatusBadRequest, "invalid upload"
	case errors.Is(err, errBodyTooLarge):
		return http.StatusRequestEntityTooLarge, "request too large"
	}
	return http.StatusInternalServerError, "upload failed"
}

var errBodyTooLarge = errors.New("localmedia: request body too large")

// limitedBody fails reads past n bytes, so that no form can make the
// handler read without bound.
type limitedBody struct {
	r io.ReadCloser
	n int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.r.Read(p)
	b.n -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.r.Close() }

func (h *handler) reject(w http.ResponseWriter, r *http.Request, status int, msg, detail string) {
	if h.s.log.Enabled(r.Context(), slog.LevelWarn) {
		h.s.log.LogAttrs(r.Context(), slog.LevelWarn, "media request rejected", slog.String("provider", Name),
			slog.String("method", r.Method), slog.Int("status", status), slog.String("reason", msg), slog.String("detail", detail))
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
