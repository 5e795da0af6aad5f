package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/mediatest"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// postMedia sends file (and product, when not empty) to POST /media.
func postMedia(t *testing.T, ta *testApp, token, product string, file []byte) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if product != "" {
		require.NoError(t, mw.WriteField("product", product))
	}
	fw, err := mw.CreateFormFile("file", "photo.png")
	require.NoError(t, err)
	_, _ = fw.Write(file)
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, ta.url+"/media", &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return doJSON(t, req)
}

func doJSON(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func authed(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	return req
}

func TestMediaLocalUploadServeDelete(t *testing.T) {
	ta := startApp(t, nil, nil)
	img := mediatest.PNG(30, 20)

	status, _ := postMedia(t, ta, "", "", img)
	require.Equal(t, http.StatusUnauthorized, status, "uploads need the demo auth")

	status, asset := postMedia(t, ta, testToken, "", img)
	require.Equal(t, http.StatusCreated, status, "%v", asset)
	require.Equal(t, "image/png", asset["content_type"])
	require.EqualValues(t, len(img), asset["bytes"])
	require.EqualValues(t, 30, asset["width"])
	id := asset["id"].(string)
	require.True(t, strings.HasPrefix(id, "public/products/"), id)
	u := asset["url"].(string)
	require.Equal(t, ta.url+"/media/"+id, u, "assets are served under /media/")

	resp, err := http.Get(u)
	require.NoError(t, err)
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, img, got)
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))

	status, _ = doJSON(t, authed(t, http.MethodDelete, ta.url+"/media/"+id, nil))
	require.Equal(t, http.StatusNoContent, status)
	status, _ = doJSON(t, authed(t, http.MethodDelete, ta.url+"/media/"+id, nil))
	require.Equal(t, http.StatusNoContent, status, "delete is idempotent")
	resp, err = http.Get(u)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)

	req, _ := http.NewRequest(http.MethodDelete, ta.url+"/media/"+id, nil)
	status, _ = doJSON(t, req)
	require.Equal(t, http.StatusUnauthorized, status, "deletes need the demo auth")
}

func TestMediaRejectsHostileUploads(t *testing.T) {
	ta := startApp(t, nil, nil)
	for name, tc := range map[string]struct {
		product string
		file    []byte
		want    int
	}{
		"html as png":      {file: mediatest.HTML(), want: http.StatusUnsupportedMediaType},
		"broken png":       {file: mediatest.BrokenPNG(), want: http.StatusUnsupportedMediaType},
		"zero bytes":       {file: nil, want: http.StatusBadRequest},
		"traversal":        {product: "../../etc/passwd", file: mediatest.PNG(2, 2), want: http.StatusBadRequest},
		"encoded":          {product: "%2e%2e", file: mediatest.PNG(2, 2), want: http.StatusBadRequest},
		"oversize":         {file: append(mediatest.PNG(2, 2), make([]byte, maxImageBytes)...), want: http.StatusRequestEntityTooLarge},
		"product replaced": {product: "sku-42", file: mediatest.PNG(2, 2), want: http.StatusCreated},
	} {
		t.Run(name, func(t *testing.T) {
			status, body := postMedia(t, ta, testToken, tc.product, tc.file)
			require.Equal(t, tc.want, status, "%v", body)
		})
	}
	status, asset := postMedia(t, ta, testToken, "sku-42", mediatest.JPEG(8, 8))
	require.Equal(t, http.StatusCreated, status, "a product's image is replaced")
	require.Equal(t, "public/products/sku-42.jpg", asset["id"])

	status, _ = doJSON(t, authed(t, http.MethodDelete, ta.url+"/media/public/a%5Cb.png", nil))
	require.Equal(t, http.StatusBadRequest, status, "a malformed id is refused")
	files, err := filepath.Glob(filepath.Join(ta.cfg.DataDir, "media", "public", "products", "*"))
	require.NoError(t, err)
	require.Len(t, files, 2, "only the accepted uploads were stored: %v", files)
}

func TestMediaLocalDirectUpload(t *testing.T) {
	ta := startApp(t, nil, nil)
	status, out := doJSON(t, authed(t, http.MethodPost, ta.url+"/media/sign", nil))
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Equal(t, "local", out["provider"])
	require.Equal(t, ta.url+"/media/upload", out["url"])
	du := &media.DirectUpload{Method: out["method"].(string), URL: out["url"].(string), FileField: out["file_field"].(string), Fields: map[string]string{}}
	for k, v := range out["fields"].(map[string]any) {
		du.Fields[k] = v.(string)
	}
	resp, asset, err := mediatest.SendDirectUpload(context.Background(), nil, du, "x.png", mediatest.PNG(5, 5))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "the browser's upload with the signed fields is accepted")
	require.True(t, strings.HasPrefix(asset["id"].(string), "public/products/"))

	req, _ := http.NewRequest(http.MethodPost, ta.url+"/media/sign", nil)
	status, _ = doJSON(t, req)
	require.Equal(t, http.StatusUnauthorized, status, "signing needs the demo auth")
	status, _ = doJSON(t, authed(t, http.MethodPost, ta.url+"/media/sign", strings.NewReader(`{"content_type":"text/html"}`)))
	require.Equal(t, http.StatusUnsupportedMediaType, status)
	status, _ = doJSON(t, authed(t, http.MethodPost, ta.url+"/media/sign", strings.NewReader(`{"folder":"../x"}`)))
	require.Equal(t, http.StatusBadRequest, status, "the client cannot choose the folder")
}

func TestMediaCloudinary(t *testing.T) {
	const key, secret = "123456789012345", "cld-secret-for-tests"
	fake := mediatest.NewFakeCloudinary(t, "demo", key, secret, "sha1")
	ta := startApp(t, map[string]string{
		"MEDIA_URL":          "cloudinary://" + key + ":" + secret + "@demo",
		"CLOUDINARY_API_URL": fake.URL(),
	}, nil)
	img := mediatest.JPEG(40, 30)
	status, asset := postMedia(t, ta, testToken, "sku-7", img)
	require.Equal(t, http.StatusCreated, status, "%v", asset)
	require.Equal(t, "image/upload/products/sku-7.jpg", asset["id"])
	require.Contains(t, asset["url"], "https://res.cloudinary.com/demo/image/upload/v")
	got, ok := fake.Read(asset["id"].(string))
	require.True(t, ok)
	require.Equal(t, img, got)

	status, out := doJSON(t, authed(t, http.MethodPost, ta.url+"/media/sign", nil))
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "demo", out["cloud_name"])
	require.Equal(t, key, out["api_key"])
	fields := out["fields"].(map[string]any)
	require.NotEmpty(t, fields["signature"])
	require.NotEmpty(t, fields["timestamp"])
	raw, _ := json.Marshal(out)
	require.NotContains(t, string(raw), secret, "the API secret is never handed out")

	status, _ = doJSON(t, authed(t, http.MethodDelete, ta.url+"/media/"+asset["id"].(string), nil))
	require.Equal(t, http.StatusNoContent, status)
	_, ok = fake.Read(asset["id"].(string))
	require.False(t, ok)

	// Notifications.
	body := webhookstest.CloudinaryUploadNotification("demo", "products/sku-8", "png", 10, 10, 99, time.Now())
	req, _ := http.NewRequest(http.MethodPost, ta.url+"/webhooks/cloudinary", bytes.NewReader(body))
	req.Header = webhookstest.SignCloudinary(body, secret, time.Now())
	status, _ = doJSON(t, req)
	require.Equal(t, http.StatusOK, status)
	req, _ = http.NewRequest(http.MethodPost, ta.url+"/webhooks/cloudinary", bytes.NewReader(body))
	req.Header = webhookstest.SignCloudinary(body, "forged", time.Now())
	status, _ = doJSON(t, req)
	require.Equal(t, http.StatusBadRequest, status, "a forged notification is refused")

	fake.Fail(http.StatusServiceUnavailable, -1)
	status, _ = postMedia(t, ta, testToken, "", img)
	require.Equal(t, http.StatusServiceUnavailable, status, "an outage is 503")
}

func TestMediaBucket(t *testing.T) {
	dir := t.TempDir()
	ta := startApp(t, map[string]string{"MEDIA_URL": "file://" + filepath.ToSlash(dir)}, nil)
	img := mediatest.GIF(6, 4)
	status, asset := postMedia(t, ta, testToken, "", img)
	require.Equal(t, http.StatusCreated, status, "%v", asset)
	require.Equal(t, "image/gif", asset["content_type"])
	got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(asset["id"].(string))))
	require.NoError(t, err)
	require.Equal(t, img, got)
	status, _ = doJSON(t, authed(t, http.MethodPost, ta.url+"/media/sign", strings.NewReader(`{"content_type":"image/png"}`)))
	require.Equal(t, http.StatusNotImplemented, status, "a file bucket opened without a URL signer cannot presign")
	status, _ = doJSON(t, authed(t, http.MethodDelete, ta.url+"/media/"+asset["id"].(string), nil))
	require.Equal(t, http.StatusNoContent, status)
	_, err = os.Stat(filepath.Join(dir, filepath.FromSlash(asset["id"].(string))))
	require.True(t, os.IsNotExist(err))
}

func TestMediaURLErrorsHideSecrets(t *testing.T) {
	cfg, err := configFromEnv(func(k string) string {
		return map[string]string{"DATA_DIR": t.TempDir(), "MEDIA_URL": "cloudinary://key:top-secret@"}[k]
	})
	require.NoError(t, err)
	_, err = newApp(context.Background(), cfg, appDeps{baseURL: "http://127.0.0.1:1"})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "top-secret")
}
