package blobmedia_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/blobmedia"
	"github.com/switchboard-go/switchboard/media/mediatest"
)

var signingKey = []byte("fileblob-test-signing-key-0123456789")

// fileServer serves a fileblob bucket's signed URLs the way an
// application would: GET and PUT only with a URL the bucket's URLSigner
// verifies, for the method and Content-Type it signed.
type fileServer struct {
	signer *fileblob.URLSignerHMAC
	bucket *blob.Bucket
}

func (f *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key, err := f.signer.KeyFromURL(r.Context(), r.URL)
	q := r.URL.Query()
	if err != nil || q.Get("method") != r.Method {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	switch r.Method {
	case http.MethodGet:
		b, err := f.bucket.ReadAll(r.Context(), key)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	case http.MethodPut:
		ct := r.Header.Get("Content-Type")
		if ct != q.Get("contentType") {
			http.Error(w, "content type not signed", http.StatusForbidden)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 10<<20))
		if err := f.bucket.WriteAll(r.Context(), key, body, &blob.WriterOptions{ContentType: ct}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusCreated)
	default:
		http.Error(w, "method", http.StatusMethodNotAllowed)
	}
}

// fileBucket opens a fileblob bucket whose signed URLs point at a test
// server that honours them.
func fileBucket(t *testing.T) (*blob.Bucket, *httptest.Server) {
	t.Helper()
	fs := &fileServer{}
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL + "/signed")
	fs.signer = fileblob.NewURLSignerHMAC(base, signingKey)
	b, err := fileblob.OpenBucket(t.TempDir(), &fileblob.Options{URLSigner: fs.signer, NoTempDir: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	fs.bucket = b
	return b, srv
}

func read(t *testing.T, s media.Store, id string) ([]byte, bool) {
	b, err := s.(*blobmedia.Store).Bucket().ReadAll(context.Background(), id)
	return b, err == nil
}

func TestConformanceFileblob(t *testing.T) {
	public := map[*blobmedia.Store]*blob.Bucket{}
	mediatest.Run(t, mediatest.Harness{
		New: func(t *testing.T) media.Store {
			b, _ := fileBucket(t)
			// Public assets are read straight from the bucket through a
			// server standing in for the public endpoint.
			pub := httptest.NewServer(http.StripPrefix("/pub/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				data, err := b.ReadAll(r.Context(), r.URL.Path)
				if err != nil || !strings.HasPrefix(r.URL.Path, media.PublicPrefix) {
					http.NotFound(w, r)
					return
				}
				_, _ = w.Write(data)
			})))
			t.Cleanup(pub.Close)
			s, err := blobmedia.New(b, blobmedia.WithBaseURL(pub.URL+"/pub/"))
			require.NoError(t, err)
			public[s] = b
			return s
		},
		Read: read,
		Fetch: func(t *testing.T, u string) (int, []byte) {
			resp, err := http.Get(u)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, b
		},
		DirectUpload: func(t *testing.T, du *media.DirectUpload, file []byte) (int, string) {
			resp, _, err := mediatest.SendDirectUpload(context.Background(), nil, du, "x.png", file)
			require.NoError(t, err)
			return resp.StatusCode, du.ID
		},
		Secrets: []string{string(signingKey)},
	})
}

func TestConformanceMemblob(t *testing.T) {
	mediatest.Run(t, mediatest.Harness{
		New: func(t *testing.T) media.Store {
			b := memblob.OpenBucket(nil)
			t.Cleanup(func() { _ = b.Close() })
			s, err := blobmedia.New(b, blobmedia.WithBaseURL("https://cdn.example.com/assets"))
			require.NoError(t, err)
			return s
		},
		Read: read,
		// memblob cannot sign URLs.
		NoDirectUploads: true,
		NoSignedURLs:    true,
	})
}

func TestNewRejectsBadConfig(t *testing.T) {
	b := memblob.OpenBucket(nil)
	defer b.Close()
	for name, tc := range map[string]struct {
		b    *blob.Bucket
		opts []blobmedia.Option
	}{
		"nil bucket":      {b: nil},
		"relative base":   {b: b, opts: []blobmedia.Option{blobmedia.WithBaseURL("/assets/")}},
		"base with query": {b: b, opts: []blobmedia.Option{blobmedia.WithBaseURL("https://cdn.example.com/?x=1")}},
		"base with user":  {b: b, opts: []blobmedia.Option{blobmedia.WithBaseURL("https://u:p@cdn.example.com/")}},
		"nil clock":       {b: b, opts: []blobmedia.Option{blobmedia.WithClock(nil)}},
		"nil option":      {b: b, opts: []blobmedia.Option{nil}},
	} {
		_, err := blobmedia.New(tc.b, tc.opts...)
		require.ErrorIs(t, err, media.ErrInvalidConfig, name)
		require.NotContains(t, err.Error(), "u:p", name)
	}
}

func TestRecordsTypeSizeAndDimensions(t *testing.T) {
	b := memblob.OpenBucket(nil)
	defer b.Close()
	s, err := blobmedia.New(b)
	require.NoError(t, err)
	ctx := context.Background()
	img := mediatest.GIF(11, 7)
	a, err := s.Upload(ctx, &media.Upload{Folder: "g", Name: "anim", Body: bytes.NewReader(img), Metadata: map[string]string{"alt": "dots"}})
	require.NoError(t, err)
	require.Empty(t, a.URL, "without a base URL there is no stable URL")
	attrs, err := b.Attributes(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, "image/gif", attrs.ContentType, "the sniffed type is recorded")
	require.Equal(t, int64(len(img)), attrs.Size)
	require.Equal(t, "inline", attrs.ContentDisposition)
	st, err := s.Stat(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, 11, st.Width)
	require.Equal(t, 7, st.Height)
	require.Equal(t, map[string]string{"alt": "dots"}, st.Metadata, "reserved keys stay hidden")
	_, err = s.Upload(ctx, &media.Upload{Body: bytes.NewReader(img), Metadata: map[string]string{"media-width": "1"}})
	require.ErrorIs(t, err, media.ErrInvalidParams, "reserved metadata keys")

	pdf, err := s.Upload(ctx, &media.Upload{Body: strings.NewReader("%PDF-1.4\n"), Limits: media.Limits{AllowedTypes: []string{"application/pdf"}}})
	require.NoError(t, err)
	attrs, err = b.Attributes(ctx, pdf.ID)
	require.NoError(t, err)
	require.Equal(t, "attachment", attrs.ContentDisposition, "documents are downloads")

	_, err = s.URL(ctx, a.ID, nil)
	require.ErrorIs(t, err, media.ErrUnsupported, "memblob cannot sign URLs, and says so")
	_, err = s.Stat(ctx, "public/none.png")
	require.ErrorIs(t, err, media.ErrNotFound)
}

func TestOversizeUploadIsAborted(t *testing.T) {
	b, _ := fileBucket(t)
	s, err := blobmedia.New(b)
	require.NoError(t, err)
	ctx := context.Background()
	_, err = s.Upload(ctx, &media.Upload{Name: "big", Body: bytes.NewReader(mediatest.PNG(100, 100)), Limits: media.Limits{MaxBytes: 5000}})
	require.ErrorIs(t, err, media.ErrTooLarge)
	keys, _, err := b.ListPage(ctx, blob.FirstPageToken, 100, nil)
	require.NoError(t, err)
	require.Empty(t, keys, "an aborted write leaves no object")
}

func TestVerifyDirectUpload(t *testing.T) {
	b, _ := fileBucket(t)
	s, err := blobmedia.New(b)
	require.NoError(t, err)
	ctx := context.Background()
	du, err := s.SignUpload(ctx, &media.DirectUploadParams{Folder: "d", ContentType: "image/png", Expires: time.Minute})
	require.NoError(t, err)
	require.Equal(t, http.MethodPut, du.Method)
	require.Equal(t, "image/png", du.Header["Content-Type"])
	require.Zero(t, du.MaxBytes, "buckets do not limit presigned uploads, and say so")

	// The client lies: HTML under an image/png Content-Type.
	resp, _, err := mediatest.SendDirectUpload(ctx, nil, du, "x.png", mediatest.HTML())
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	_, err = s.Verify(ctx, du.ID, media.Limits{})
	require.ErrorIs(t, err, media.ErrTypeNotAllowed, "Verify sniffs what the bucket did not")
	ok, err := b.Exists(ctx, du.ID)
	require.NoError(t, err)
	require.False(t, ok, "a failed object is deleted")

	du, err = s.SignUpload(ctx, &media.DirectUploadParams{ContentType: "image/png"})
	require.NoError(t, err)
	wrong := *du
	wrong.Header = map[string]string{"Content-Type": "text/html"}
	resp, _, err = mediatest.SendDirectUpload(ctx, nil, &wrong, "x.png", mediatest.HTML())
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "the signed Content-Type is pinned")
	tampered := *du
	tampered.URL = strings.Replace(du.URL, "public%2F", "private%2F", 1)
	resp, _, err = mediatest.SendDirectUpload(ctx, nil, &tampered, "x.png", mediatest.PNG(2, 2))
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "the signed key is pinned")

	resp, _, err = mediatest.SendDirectUpload(ctx, nil, du, "x.png", mediatest.PNG(30, 20))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	_, err = s.Verify(ctx, du.ID, media.Limits{MaxBytes: 100})
	require.ErrorIs(t, err, media.ErrTooLarge, "Verify enforces the size the bucket did not")

	du, err = s.SignUpload(ctx, &media.DirectUploadParams{ContentType: "image/png"})
	require.NoError(t, err)
	_, _, err = mediatest.SendDirectUpload(ctx, nil, du, "x.png", mediatest.PNG(30, 20))
	require.NoError(t, err)
	a, err := s.Verify(ctx, du.ID, media.Limits{})
	require.NoError(t, err)
	require.Equal(t, 30, a.Width)
	require.Equal(t, "image/png", a.ContentType)

	_, err = s.SignUpload(ctx, &media.DirectUploadParams{})
	require.ErrorIs(t, err, media.ErrInvalidParams, "a presigned URL needs the type it pins")
}
