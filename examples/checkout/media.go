package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/switchboard-go/switchboard/examples/internal/demo"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:///... bucket URLs
	_ "gocloud.dev/blob/memblob"  // mem:// bucket URLs

	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/blobmedia"
	"github.com/switchboard-go/switchboard/media/cloudinarymedia"
	"github.com/switchboard-go/switchboard/media/localmedia"
	"github.com/switchboard-go/switchboard/webhooks"
)

// maxImageBytes bounds product image uploads.
const maxImageBytes = 10 << 20

// mediaService is the app's product images: a media.Store chosen by
// MEDIA_URL and the routes that use it.
type mediaService struct {
	store  media.Store
	local  *localmedia.Store
	bucket *blob.Bucket
	log    *slog.Logger
}

// setupMedia opens the store MEDIA_URL names and mounts the media routes:
//
//	""                          a local directory, DATA_DIR/media, served under /media/
//	cloudinary://key:secret@cloud   Cloudinary (CLOUDINARY_API_URL replaces its API host)
//	file:///dir, mem://         a Go CDK bucket (import another driver, such as
//	                            gocloud.dev/blob/s3blob, for s3:// and the like)
func (a *app) setupMedia(ctx context.Context, baseURL string) error {
	ms := &mediaService{log: a.log}
	a.media = ms
	raw := a.cfg.MediaURL
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("MEDIA_URL is not a URL") // the error would quote a secret
	}
	switch {
	case raw == "":
		dir := filepath.Join(a.cfg.DataDir, "media")
		if err := demo.MkdirPrivate(dir); err != nil {
			return fmt.Errorf("media: %w", err)
		}
		s, err := localmedia.New(dir,
			localmedia.WithBaseURL(strings.TrimRight(baseURL, "/")+"/media/"), localmedia.WithLogger(a.log))
		if err != nil {
			return fmt.Errorf("media: %w", err)
		}
		ms.store, ms.local = s, s
		a.mux.Handle("/media/", s.Handler())
	case u.Scheme == "cloudinary":
		var opts []cloudinarymedia.Option
		if a.cfg.CloudinaryAPIURL != "" {
			opts = append(opts, cloudinarymedia.WithBaseURL(a.cfg.CloudinaryAPIURL))
		}
		opts = append(opts, cloudinarymedia.WithLogger(a.log))
		s, err := cloudinarymedia.NewFromURL(raw, opts...)
		if err != nil {
			return fmt.Errorf("MEDIA_URL: %w", err)
		}
		secret, _ := u.User.Password()
		v, err := webhooks.NewCloudinary(secret)
		if err != nil {
			return fmt.Errorf("cloudinary notifications: %w", err)
		}
		h, err := webhooks.NewHandler(v, a.observeWebhooks(webhooks.WithStore(a.store), webhooks.WithLogger(a.log))...)
		if err != nil {
			return fmt.Errorf("cloudinary notifications: %w", err)
		}
		media.HandleNotifications(h, s, ms.onEvent)
		a.mux.Handle("/webhooks/cloudinary", h)
		ms.store = s
	default:
		b, err := blob.OpenBucket(ctx, raw)
		if err != nil {
			return fmt.Errorf("MEDIA_URL: cannot open bucket %s: %w", a.redactedMediaURL(), err)
		}
		s, err := blobmedia.New(b, blobmedia.WithLogger(a.log))
		if err != nil {
			_ = b.Close()
			return fmt.Errorf("media: %w", err)
		}
		ms.store, ms.bucket = s, b
	}
	a.mux.Handle("POST /media", a.auth(http.HandlerFunc(ms.upload)))
	a.mux.Handle("POST /media/sign", a.auth(http.HandlerFunc(ms.sign)))
	a.mux.Handle("DELETE /media/{id...}", a.auth(http.HandlerFunc(ms.delete)))
	return nil
}

func (a *app) redactedMediaURL() string { return redactURL(a.cfg.MediaURL) }

func (ms *mediaService) close() error {
	if ms == nil {
		return nil
	}
	var errs []error
	if ms.local != nil {
		errs = append(errs, ms.local.Close())
	}
	if ms.bucket != nil {
		errs = append(errs, ms.bucket.Close())
	}
	return errors.Join(errs...)
}

// assetJSON is what the media routes answer for an asset.
type assetJSON struct {
	ID          string `json:"id"`
	URL         string `json:"url,omitempty"`
	Bytes       int64  `json:"bytes"`
	ContentType string `json:"content_type"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	Version     string `json:"version,omitempty"`
}

// upload stores a product image sent as multipart/form-data: an optional
// "product" field (the image then replaces that product's image) before
// the "file" field. The file is streamed into the store, never buffered
// whole here, and checked by its bytes.
func (ms *mediaService) upload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImageBytes+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		problem(w, http.StatusBadRequest, "expected multipart/form-data", "send the image in the form field \"file\"")
		return
	}
	var product string
	for {
		part, err := mr.NextPart()
		if err != nil {
			problem(w, http.StatusBadRequest, "missing file", "send the image in the form field \"file\"")
			return
		}
		switch part.FormName() {
		case "product":
			b, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				problem(w, http.StatusBadRequest, "malformed form", "")
				return
			}
			product = string(b)
			continue
		case "file":
		default:
			continue
		}
		in := &media.Upload{
			Folder: "products",
			Name:   product,
			Body:   part,
			Limits: media.Limits{MaxBytes: maxImageBytes},
		}
		if product != "" {
			in.Overwrite = true
			in.Metadata = map[string]string{"product": product}
		}
		asset, err := ms.store.Upload(r.Context(), in)
		if err != nil {
			ms.fail(w, r, "upload", err)
			return
		}
		writeJSON(w, http.StatusCreated, assetJSON{
			ID: asset.ID, URL: asset.URL, Bytes: asset.Bytes, ContentType: asset.ContentType,
			Width: asset.Width, Height: asset.Height, Version: asset.Version,
		})
		return
	}
}

// signRequest is the optional JSON body of POST /media/sign.
type signRequest struct {
	// ContentType pins the type of the file (required by buckets).
	ContentType string `json:"content_type"`
}

// signResponse is what a browser needs for a direct upload.
type signResponse struct {
	Provider     string            `json:"provider"`
	Method       string            `json:"method"`
	URL          string            `json:"url"`
	Fields       map[string]string `json:"fields,omitempty"`
	FileField    string            `json:"file_field,omitempty"`
	Headers      map[string]string `json:"headers,omitempty"`
	ID           string            `json:"id,omitempty"`
	ExpiresAt    time.Time         `json:"expires_at"`
	MaxBytes     int64             `json:"max_bytes,omitempty"`
	AllowedTypes []string          `json:"allowed_types,omitempty"`
	CloudName    string            `json:"cloud_name,omitempty"`
	APIKey       string            `json:"api_key,omitempty"`
}

// sign answers the fields a browser needs to upload one product image
// directly to the store; the server picks the name and the limits.
func (ms *mediaService) sign(w http.ResponseWriter, r *http.Request) {
	var req signRequest
	if r.ContentLength != 0 {
		dec := json.NewDecoder(io.LimitReader(r.Body, 4<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil && !errors.Is(err, io.EOF) {
			problem(w, http.StatusBadRequest, "malformed JSON body", `send {"content_type": "image/png"} or nothing`)
			return
		}
	}
	du, err := ms.store.SignUpload(r.Context(), &media.DirectUploadParams{
		Folder:      "products",
		ContentType: req.ContentType,
		Limits:      media.Limits{MaxBytes: maxImageBytes},
		Expires:     15 * time.Minute,
	})
	if err != nil {
		ms.fail(w, r, "sign", err)
		return
	}
	resp := signResponse{
		Provider: du.Provider, Method: du.Method, URL: du.URL, Fields: du.Fields, FileField: du.FileField,
		Headers: du.Header, ID: du.ID, ExpiresAt: du.ExpiresAt, MaxBytes: du.MaxBytes, AllowedTypes: du.AllowedTypes,
	}
	if c, ok := ms.store.(*cloudinarymedia.Store); ok {
		resp.CloudName, resp.APIKey = c.CloudName(), c.APIKey()
	}
	writeJSON(w, http.StatusOK, resp)
}

func (ms *mediaService) delete(w http.ResponseWriter, r *http.Request) {
	if err := ms.store.Delete(r.Context(), r.PathValue("id")); err != nil {
		ms.fail(w, r, "delete", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// fail answers a media error with the status its kind calls for.
func (ms *mediaService) fail(w http.ResponseWriter, r *http.Request, op string, err error) {
	var tooLarge *http.MaxBytesError
	status, title := http.StatusBadGateway, "media backend failed"
	switch {
	case errors.Is(err, media.ErrTooLarge), errors.As(err, &tooLarge):
		status, title = http.StatusRequestEntityTooLarge, "file too large"
	case errors.Is(err, media.ErrTypeNotAllowed), errors.Is(err, media.ErrInvalidContent):
		status, title = http.StatusUnsupportedMediaType, "file type not allowed"
	case errors.Is(err, media.ErrEmpty):
		status, title = http.StatusBadRequest, "file is empty"
	case errors.Is(err, media.ErrInvalidName):
		status, title = http.StatusBadRequest, "invalid name"
	case errors.Is(err, media.ErrInvalidParams):
		status, title = http.StatusBadRequest, "invalid parameters"
	case errors.Is(err, media.ErrExists):
		status, title = http.StatusConflict, "asset exists"
	case errors.Is(err, media.ErrUnsupported):
		status, title = http.StatusNotImplemented, "not supported by the configured media store"
	case errors.Is(err, media.ErrTemporary):
		status, title = http.StatusServiceUnavailable, "media backend unavailable"
	}
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	ms.log.LogAttrs(r.Context(), level, "media request failed", slog.String("op", op), slog.Int("status", status), slog.String("error", err.Error()))
	problem(w, status, title, "")
}

// onEvent runs once per verified Cloudinary notification.
func (ms *mediaService) onEvent(ctx context.Context, e *media.Event) error {
	switch e.Type {
	case media.EventUploaded:
		ms.log.LogAttrs(ctx, slog.LevelInfo, "media uploaded", slog.String("provider", e.Provider),
			slog.String("id", e.Asset.ID), slog.Int64("bytes", e.Asset.Bytes))
	case media.EventDeleted:
		ms.log.LogAttrs(ctx, slog.LevelInfo, "media deleted", slog.String("provider", e.Provider),
			slog.Int("count", len(e.IDs)))
	}
	return nil
}
