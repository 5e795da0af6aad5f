package localmedia_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/localmedia"
	"github.com/switchboard-go/switchboard/media/mediatest"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// serve starts a server for a Store built with opts; the Store's base URL
// is the server's /media/.
func serve(t *testing.T, dir string, opts ...localmedia.Option) (*localmedia.Store, *httptest.Server) {
	t.Helper()
	var h atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Load().(http.Handler).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s, err := localmedia.New(dir, append([]localmedia.Option{localmedia.WithBaseURL(srv.URL + "/media/"), localmedia.WithSigningKey(testKey)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	h.Store(s.Handler())
	return s, srv
}

func get(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

func TestConformance(t *testing.T) {
	mediatest.Run(t, mediatest.Harness{
		New: func(t *testing.T) media.Store {
			s, _ := serve(t, t.TempDir())
			return s
		},
		Read: func(t *testing.T, s media.Store, id string) ([]byte, bool) {
			b, err := os.ReadFile(filepath.Join(s.(*localmedia.Store).Dir(), filepath.FromSlash(id)))
			return b, err == nil
		},
		Fetch: get,
		DirectUpload: func(t *testing.T, du *media.DirectUpload, file []byte) (int, string) {
			resp, obj, err := mediatest.SendDirectUpload(context.Background(), nil, du, "photo.png", file)
			require.NoError(t, err)
			id, _ := obj["id"].(string)
			return resp.StatusCode, id
		},
		Secrets: []string{string(testKey)},
	})
}

func TestNewRejectsBadConfig(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		dir  string
		opts []localmedia.Option
	}{
		"empty dir":     {dir: " "},
		"short key":     {dir: dir, opts: []localmedia.Option{localmedia.WithSigningKey([]byte("short"))}},
		"empty key":     {dir: dir, opts: []localmedia.Option{localmedia.WithSigningKey(nil)}},
		"relative base": {dir: dir, opts: []localmedia.Option{localmedia.WithBaseURL("media/")}},
		"empty base":    {dir: dir, opts: []localmedia.Option{localmedia.WithBaseURL("")}},
		"ftp base":      {dir: dir, opts: []localmedia.Option{localmedia.WithBaseURL("ftp://x/")}},
		"base query":    {dir: dir, opts: []localmedia.Option{localmedia.WithBaseURL("/media/?a=b")}},
		"base dot-dot":  {dir: dir, opts: []localmedia.Option{localmedia.WithBaseURL("/a/../media/")}},
		"nil clock":     {dir: dir, opts: []localmedia.Option{localmedia.WithClock(nil)}},
		"nil option":    {dir: dir, opts: []localmedia.Option{nil}},
		"dir is a file": {dir: filepath.Join(dir, "file")},
	} {
		t.Run(name, func(t *testing.T) {
			if name == "dir is a file" {
				require.NoError(t, os.WriteFile(tc.dir, []byte("x"), 0o644))
			}
			_, err := localmedia.New(tc.dir, tc.opts...)
			require.ErrorIs(t, err, media.ErrInvalidConfig)
			require.Contains(t, err.Error(), localmedia.Name, "the error names the backend")
		})
	}
	s, err := localmedia.New(filepath.Join(dir, "fresh", "nested"))
	require.NoError(t, err, "zero configuration: only a directory, created when missing")
	require.NoError(t, s.Close())
}

func TestHandlerServesSafely(t *testing.T) {
	s, srv := serve(t, t.TempDir())
	ctx := context.Background()
	img := mediatest.PNG(8, 8)
	a, err := s.Upload(ctx, &media.Upload{Folder: "p", Name: "pic", Body: bytes.NewReader(img)})
	require.NoError(t, err)
	pdf, err := s.Upload(ctx, &media.Upload{Folder: "p", Name: "doc", Body: strings.NewReader("%PDF-1.4\n%%EOF\n"),
		Limits: media.Limits{AllowedTypes: []string{"application/pdf"}}})
	require.NoError(t, err)

	resp, err := http.Get(a.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, img, body)
	require.Equal(t, "image/png", resp.Header.Get("Content-Type"), "the sniffed type, from the stored extension")
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "sandbox")
	require.Empty(t, resp.Header.Get("Content-Disposition"), "images display inline")
	require.NotEmpty(t, resp.Header.Get("ETag"))

	resp, err = http.Get(srv.URL + "/media/" + pdf.ID)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	require.True(t, strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment"), "non-images are downloads")

	// HEAD and conditional requests.
	req, _ := http.NewRequest(http.MethodGet, a.URL, nil)
	req.Header.Set("If-None-Match", `"`+a.Version+`"`)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotModified, resp.StatusCode, "the ETag is the asset's version")
}

// TestHandlerHostileRequests tries what an attacker would against the
// file server: traversal in every encoding, listings, side files,
// temporary files, symbolic links out of the directory, other methods.
func TestHandlerHostileRequests(t *testing.T) {
	dir := t.TempDir()
	s, srv := serve(t, dir)
	ctx := context.Background()
	_, err := s.Upload(ctx, &media.Upload{Folder: "p", Name: "pic", Body: bytes.NewReader(mediatest.PNG(4, 4)), Metadata: map[string]string{"k": "v"}})
	require.NoError(t, err)
	outside := filepath.Join(filepath.Dir(dir), "outside-secret.txt")
	require.NoError(t, os.WriteFile(outside, []byte("top secret"), 0o644))
	t.Cleanup(func() { os.Remove(outside) })
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "public", "p", "link.png")))
	require.NoError(t, os.Symlink(filepath.Dir(dir), filepath.Join(dir, "public", "up")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "public", "p", ".upload-abc"), []byte("partial"), 0o644))

	for _, p := range []string{
		"/media/",
		"/media/public/",
		"/media/public/p",
		"/media/public/p/",
		"/media/.meta/public/p/pic.png.json",
		"/media/public/p/.upload-abc",
		"/media/public/../../outside-secret.txt",
		"/media/public/%2e%2e/%2e%2e/outside-secret.txt",
		"/media/public/%252e%252e/outside-secret.txt",
		"/media/public/..%2f..%2foutside-secret.txt",
		"/media/public/..%5c..%5coutside-secret.txt",
		"/media/public/p/pic.png%00.txt",
		"/media/public/p/link.png",
		"/media/public/up/outside-secret.txt",
		"/media//etc/passwd",
		"/media/private/p/pic.png",
		"/media/public/p/PIC.PNG",
		"/other/public/p/pic.png",
	} {
		t.Run(p, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+p, nil)
			require.NoError(t, err)
			req.URL.Opaque = p // send the path exactly as written
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.GreaterOrEqual(t, resp.StatusCode, 400, "%s must not be served", p)
			require.NotContains(t, string(b), "top secret")
			require.NotContains(t, string(b), "partial")
			require.NotContains(t, string(b), "pic.png", "no listing")
		})
	}
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPost, http.MethodPatch} {
		req, _ := http.NewRequest(m, srv.URL+"/media/public/p/pic.png", nil)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "%s of an asset", m)
	}
	resp, err := http.Get(srv.URL + "/media/" + localmedia.UploadPath)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "the upload endpoint only takes POST")
}

func TestPrivateURLs(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	s, srv := serve(t, t.TempDir(), localmedia.WithClock(clock))
	ctx := context.Background()
	img := mediatest.PNG(6, 6)
	a, err := s.Upload(ctx, &media.Upload{Folder: "inv", Name: "secret", Body: bytes.NewReader(img), Private: true})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(a.ID, media.PrivatePrefix))
	u, err := s.URL(ctx, a.ID, &media.URLOptions{Expires: time.Minute})
	require.NoError(t, err)
	status, body := get(t, u)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, img, body)

	plain := srv.URL + "/media/" + a.ID
	for name, bad := range map[string]string{
		"unsigned":        plain,
		"expiry extended": strings.Replace(u, "expires=", "expires=9", 1),
		"signature cut":   u[:len(u)-2],
		"other asset":     strings.Replace(u, "secret.png", "secres.png", 1),
		"signature alone": plain + "?sig=" + u[strings.Index(u, "sig=")+4:],
		"empty signature": plain + "?expires=9999999999&sig=",
		"huge expiry":     plain + "?expires=99999999999999999999&sig=x",
		"negative expiry": plain + "?expires=-1&sig=x",
	} {
		status, b := get(t, bad)
		require.Equal(t, http.StatusForbidden, status, name)
		require.NotEqual(t, img, b)
	}
	now = now.Add(2 * time.Minute)
	status, _ = get(t, u)
	require.Equal(t, http.StatusForbidden, status, "an expired URL is refused")

	resp, err := http.Get(u)
	require.NoError(t, err)
	resp.Body.Close()
	require.NotContains(t, resp.Header.Get("Cache-Control"), "public")
}

func TestSigningKeySharedAcrossReplicas(t *testing.T) {
	dir := t.TempDir()
	a, srvA := serve(t, dir)
	b, err := localmedia.New(dir, localmedia.WithBaseURL(srvA.URL+"/media/"), localmedia.WithSigningKey(testKey))
	require.NoError(t, err)
	defer b.Close()
	asset, err := a.Upload(context.Background(), &media.Upload{Body: bytes.NewReader(mediatest.PNG(2, 2)), Private: true})
	require.NoError(t, err)
	u, err := b.URL(context.Background(), asset.ID, nil)
	require.NoError(t, err)
	status, _ := get(t, u)
	require.Equal(t, http.StatusOK, status, "a URL signed by one replica verifies on another with the same key")

	c, err := localmedia.New(dir, localmedia.WithBaseURL(srvA.URL+"/media/"))
	require.NoError(t, err)
	defer c.Close()
	u, err = c.URL(context.Background(), asset.ID, nil)
	require.NoError(t, err)
	status, _ = get(t, u)
	require.Equal(t, http.StatusForbidden, status, "a random key does not verify elsewhere")
}

func postForm(t *testing.T, u string, fields [][2]string, fileField string, file []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range fields {
		require.NoError(t, mw.WriteField(f[0], f[1]))
	}
	if fileField != "" {
		fw, err := mw.CreateFormFile(fileField, "x.png")
		require.NoError(t, err)
		_, _ = fw.Write(file)
	}
	require.NoError(t, mw.Close())
	resp, err := http.Post(u, mw.FormDataContentType(), &body)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDirectUploadPolicy(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s, _ := serve(t, t.TempDir(), localmedia.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	du, err := s.SignUpload(ctx, &media.DirectUploadParams{Folder: "u", Limits: media.Limits{MaxBytes: 4096}, Expires: time.Minute})
	require.NoError(t, err)
	pol, sig := du.Fields[localmedia.PolicyField], du.Fields[localmedia.SignatureField]
	ok := [][2]string{{localmedia.PolicyField, pol}, {localmedia.SignatureField, sig}}
	small := mediatest.PNG(4, 4)

	status, body := postForm(t, du.URL, ok, localmedia.FileField, mediatest.HTML())
	require.Equal(t, http.StatusUnsupportedMediaType, status, "spoofed type in a direct upload: %s", body)
	status, _ = postForm(t, du.URL, ok, localmedia.FileField, mediatest.PNG(100, 100))
	require.Equal(t, http.StatusRequestEntityTooLarge, status, "the policy's size limit holds")
	status, _ = postForm(t, du.URL, ok, localmedia.FileField, nil)
	require.Equal(t, http.StatusBadRequest, status, "zero bytes")
	status, _ = postForm(t, du.URL, [][2]string{{localmedia.SignatureField, sig}, {localmedia.PolicyField, pol + "x"}}, localmedia.FileField, small)
	require.Equal(t, http.StatusForbidden, status, "a changed policy does not verify")
	status, _ = postForm(t, du.URL, [][2]string{{localmedia.PolicyField, pol}}, localmedia.FileField, small)
	require.Equal(t, http.StatusForbidden, status, "no signature")
	status, _ = postForm(t, du.URL, append(ok, [2]string{"folder", "../../etc"}), localmedia.FileField, small)
	require.Equal(t, http.StatusBadRequest, status, "fields the policy does not know are refused")
	status, _ = postForm(t, du.URL, ok, "", nil)
	require.Equal(t, http.StatusBadRequest, status, "no file")

	status, body = postForm(t, du.URL, ok, localmedia.FileField, small)
	require.Equal(t, http.StatusCreated, status, body)
	require.Contains(t, body, `"content_type":"image/png"`)
	status, _ = postForm(t, du.URL, ok, localmedia.FileField, small)
	require.Equal(t, http.StatusConflict, status, "a policy stores one file")

	du2, err := s.SignUpload(ctx, &media.DirectUploadParams{Expires: time.Minute})
	require.NoError(t, err)
	now = now.Add(2 * time.Minute)
	status, _ = postForm(t, du2.URL, [][2]string{{localmedia.PolicyField, du2.Fields[localmedia.PolicyField]}, {localmedia.SignatureField, du2.Fields[localmedia.SignatureField]}}, localmedia.FileField, small)
	require.Equal(t, http.StatusForbidden, status, "an expired policy is refused")
}

func TestUploadLeavesNothingBehindOnFailure(t *testing.T) {
	dir := t.TempDir()
	s, err := localmedia.New(dir)
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Upload(context.Background(), &media.Upload{Folder: "f", Body: bytes.NewReader(mediatest.PNG(50, 50)), Limits: media.Limits{MaxBytes: 1000}})
	require.ErrorIs(t, err, media.ErrTooLarge)
	_, err = s.Upload(context.Background(), &media.Upload{Folder: "f", Body: io.MultiReader(bytes.NewReader(mediatest.PNG(2, 2)), errReader{})})
	require.Error(t, err)
	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	}))
	require.Empty(t, files, "a failed upload leaves no file, not even a temporary one")
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestMetadataSideFile(t *testing.T) {
	s, err := localmedia.New(t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()
	a, err := s.Upload(ctx, &media.Upload{Name: "m", Body: bytes.NewReader(mediatest.PNG(2, 2)), Metadata: map[string]string{"alt": "x"}})
	require.NoError(t, err)
	md, err := s.Metadata(a.ID)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"alt": "x"}, md)
	_, err = s.Upload(ctx, &media.Upload{Name: "m", Body: bytes.NewReader(mediatest.PNG(3, 3)), Overwrite: true})
	require.NoError(t, err)
	md, err = s.Metadata(a.ID)
	require.NoError(t, err)
	require.Nil(t, md, "an overwrite without metadata drops the old metadata")
	require.NoError(t, s.Delete(ctx, a.ID))
	_, err = s.Metadata(a.ID)
	require.ErrorIs(t, err, media.ErrNotFound)
}
