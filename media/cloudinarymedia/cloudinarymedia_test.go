package cloudinarymedia_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/cloudinarymedia"
	"github.com/switchboard-go/switchboard/media/mediatest"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

const (
	cloud  = "demo"
	key    = "123456789012345"
	secret = "abcd1234SECRETefgh5678"
)

type vector struct {
	Name         string            `json:"name"`
	Source       string            `json:"source"`
	Params       map[string]string `json:"params"`
	Secret       string            `json:"secret"`
	StringToSign string            `json:"string_to_sign"`
	SHA1         string            `json:"sha1"`
	SHA256       string            `json:"sha256"`
}

func TestSignatureVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/signatures.json")
	require.NoError(t, err)
	var vs []vector
	require.NoError(t, json.Unmarshal(raw, &vs))
	require.NotEmpty(t, vs)
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			require.NotEmpty(t, v.Source)
			p := url.Values{}
			for k, val := range v.Params {
				p.Set(k, val)
			}
			require.Equal(t, v.StringToSign, cloudinarymedia.StringToSign(p))
			got, err := cloudinarymedia.Sign(p, v.Secret, cloudinarymedia.SHA1)
			require.NoError(t, err)
			require.Equal(t, v.SHA1, got, "SHA-1 signature")
			got, err = cloudinarymedia.Sign(p, v.Secret, cloudinarymedia.SHA256)
			require.NoError(t, err)
			require.Equal(t, v.SHA256, got, "SHA-256 signature")
		})
	}
}

// TestSignatureEscapesAmpersand is the regression test of the
// parameter-smuggling property: a value holding "&x=y" must not sign the
// same as a request with a separate x parameter.
func TestSignatureEscapesAmpersand(t *testing.T) {
	a := url.Values{"context": {"alt=a&public_id=evil"}, "timestamp": {"1"}}
	b := url.Values{"context": {"alt=a"}, "public_id": {"evil"}, "timestamp": {"1"}}
	sa, _ := cloudinarymedia.Sign(a, "s", cloudinarymedia.SHA1)
	sb, _ := cloudinarymedia.Sign(b, "s", cloudinarymedia.SHA1)
	require.NotEqual(t, sa, sb)
	_, err := cloudinarymedia.Sign(a, "s", "md5")
	require.Error(t, err)
}

func newStore(t *testing.T, f *mediatest.FakeCloudinary, opts ...cloudinarymedia.Option) *cloudinarymedia.Store {
	t.Helper()
	base := []cloudinarymedia.Option{
		cloudinarymedia.WithBaseURL(f.URL()),
		cloudinarymedia.WithDeliveryURL(f.URL()),
		cloudinarymedia.WithHTTPOptions(httpclient.WithBackoff(time.Millisecond, 5*time.Millisecond), httpclient.WithRetries(1)),
	}
	s, err := cloudinarymedia.New(cloud, key, secret, append(base, opts...)...)
	require.NoError(t, err)
	return s
}

func fetch(t *testing.T, u string) (int, []byte) {
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func harness(alg string) mediatest.Harness {
	var cur *mediatest.FakeCloudinary
	return mediatest.Harness{
		New: func(t *testing.T) media.Store {
			cur = mediatest.NewFakeCloudinary(t, cloud, key, secret, alg)
			return newStore(t, cur, cloudinarymedia.WithSignatureAlgorithm(alg))
		},
		Read:  func(t *testing.T, s media.Store, id string) ([]byte, bool) { return cur.Read(id) },
		Calls: func() int { return cur.Calls() },
		InjectError: func(t *testing.T, kind error) bool {
			if kind == nil {
				cur.Fail(0, 0)
				return true
			}
			if kind != media.ErrTemporary {
				return false
			}
			cur.Fail(http.StatusServiceUnavailable, -1)
			return true
		},
		Fetch: fetch,
		DirectUpload: func(t *testing.T, du *media.DirectUpload, file []byte) (int, string) {
			resp, _, err := mediatest.SendDirectUpload(context.Background(), nil, du, "x.png", file)
			require.NoError(t, err)
			return resp.StatusCode, du.ID
		},
		Transformations: true,
		Secrets:         []string{secret},
	}
}

func TestConformanceSHA1(t *testing.T)   { mediatest.Run(t, harness(cloudinarymedia.SHA1)) }
func TestConformanceSHA256(t *testing.T) { mediatest.Run(t, harness(cloudinarymedia.SHA256)) }

func TestNewRejectsBadConfig(t *testing.T) {
	for name, tc := range map[string]struct {
		cloud, key, secret string
		opts               []cloudinarymedia.Option
	}{
		"empty cloud":       {"", key, secret, nil},
		"cloud with slash":  {"de/mo", key, secret, nil},
		"empty key":         {cloud, "", secret, nil},
		"empty secret":      {cloud, key, "", nil},
		"padded secret":     {cloud, key, " " + secret, nil},
		"secret with space": {cloud, key, "ab cd", nil},
		"algorithm":         {cloud, key, secret, []cloudinarymedia.Option{cloudinarymedia.WithSignatureAlgorithm("md5")}},
		"base url":          {cloud, key, secret, []cloudinarymedia.Option{cloudinarymedia.WithBaseURL("ftp://x")}},
		"base url creds":    {cloud, key, secret, []cloudinarymedia.Option{cloudinarymedia.WithBaseURL("https://u:p@x")}},
		"delivery url":      {cloud, key, secret, []cloudinarymedia.Option{cloudinarymedia.WithDeliveryURL("res.cloudinary.com")}},
		"notification url":  {cloud, key, secret, []cloudinarymedia.Option{cloudinarymedia.WithNotificationURL("/hooks")}},
		"nil http client":   {cloud, key, secret, []cloudinarymedia.Option{cloudinarymedia.WithHTTPClient(nil)}},
		"nil clock":         {cloud, key, secret, []cloudinarymedia.Option{cloudinarymedia.WithClock(nil)}},
		"nil option":        {cloud, key, secret, []cloudinarymedia.Option{nil}},
	} {
		_, err := cloudinarymedia.New(tc.cloud, tc.key, tc.secret, tc.opts...)
		require.ErrorIs(t, err, media.ErrInvalidConfig, name)
		require.Contains(t, err.Error(), cloudinarymedia.Name, name)
		require.NotContains(t, err.Error(), secret, name)
	}
}

func TestNewFromURL(t *testing.T) {
	f := mediatest.NewFakeCloudinary(t, cloud, key, secret, "sha256")
	s, err := cloudinarymedia.NewFromURL("cloudinary://"+key+":"+secret+"@"+cloud+"?signature_algorithm=sha256&upload_prefix="+url.QueryEscape(f.URL()),
		cloudinarymedia.WithDeliveryURL(f.URL()))
	require.NoError(t, err)
	require.Equal(t, cloud, s.CloudName())
	_, err = s.Upload(context.Background(), &media.Upload{Body: bytes.NewReader(mediatest.PNG(3, 3))})
	require.NoError(t, err, "the URL's algorithm and API host are used")
	require.NotContains(t, s.String(), secret)
	require.NotContains(t, (&struct{ S any }{s}).S.(interface{ GoString() string }).GoString(), secret)

	for _, bad := range []string{
		"cloudinary://" + key + "@" + cloud,
		"https://" + key + ":" + secret + "@" + cloud,
		"cloudinary://" + key + ":" + secret + "@" + cloud + "?secure_distribution=x",
		"cloudinary://" + key + ":" + secret + "@" + cloud + "/path",
		"cloudinary://" + key + ":" + secret + "@",
		"cloudinary://" + key + ":" + secret + "@" + cloud + "%zz",
	} {
		_, err := cloudinarymedia.NewFromURL(bad)
		require.ErrorIs(t, err, media.ErrInvalidConfig, bad)
		require.NotContains(t, err.Error(), secret, "the secret never appears in an error")
	}
}

func TestURLs(t *testing.T) {
	f := mediatest.NewFakeCloudinary(t, cloud, key, secret, "sha1")
	now := time.Now()
	s := newStore(t, f, cloudinarymedia.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	a, err := s.Upload(ctx, &media.Upload{Folder: "products", Name: "shoe", Body: bytes.NewReader(mediatest.JPEG(20, 10))})
	require.NoError(t, err)
	require.Equal(t, "image/upload/products/shoe.jpg", a.ID)
	require.Contains(t, a.URL, "/"+cloud+"/image/upload/v", "the asset URL carries its version")
	u, err := s.URL(ctx, a.ID, &media.URLOptions{Transform: &media.Transformation{Width: 200, Height: 100, Crop: "fill", Format: "webp", Quality: 80}})
	require.NoError(t, err)
	require.Equal(t, f.URL()+"/"+cloud+"/image/upload/c_fill,f_webp,h_100,q_80,w_200/products/shoe.jpg", u)
	u, err = s.URL(ctx, a.ID, &media.URLOptions{Transform: &media.Transformation{Width: 64}})
	require.NoError(t, err)
	require.Contains(t, u, "/q_auto,w_64/")

	p, err := s.Upload(ctx, &media.Upload{Folder: "inv", Body: bytes.NewReader(mediatest.PNG(5, 5)), Private: true})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(p.ID, "image/private/inv/"))
	u, err = s.URL(ctx, p.ID, &media.URLOptions{Expires: time.Minute})
	require.NoError(t, err)
	require.Contains(t, u, "/image/download?")
	q, _ := url.Parse(u)
	require.Equal(t, strconvI(now.Add(time.Minute).Unix()), q.Query().Get("expires_at"))
	require.Empty(t, q.Query().Get("api_secret"))
	status, _ := fetch(t, u)
	require.Equal(t, http.StatusOK, status)
	f.SetClock(func() time.Time { return now.Add(2 * time.Minute) })
	status, _ = fetch(t, u)
	require.NotEqual(t, http.StatusOK, status, "the download URL expires")
	_, err = s.URL(ctx, p.ID, &media.URLOptions{Transform: &media.Transformation{Width: 5}})
	require.ErrorIs(t, err, media.ErrUnsupported)

	for _, bad := range []string{"image/authenticated/x.png", "document/upload/x.pdf", "image/upload", "image/upload/../x.png"} {
		_, err := s.URL(ctx, bad, nil)
		require.ErrorIs(t, err, media.ErrInvalidName, bad)
	}
}

func strconvI(n int64) string { return strings.TrimSpace(strings.Replace(jsonNum(n), "\n", "", -1)) }

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestMetadataIsContext(t *testing.T) {
	f := mediatest.NewFakeCloudinary(t, cloud, key, secret, "sha1")
	s := newStore(t, f)
	md := map[string]string{"alt": "a=b|c\\d", "sku": "42"}
	a, err := s.Upload(context.Background(), &media.Upload{Body: bytes.NewReader(mediatest.PNG(2, 2)), Metadata: md})
	require.NoError(t, err)
	require.Equal(t, md, f.Context(a.ID), "context escapes '=', '|' and backslashes")
}

func TestAPIErrorsAreTyped(t *testing.T) {
	ctx := context.Background()
	f := mediatest.NewFakeCloudinary(t, cloud, key, secret, "sha1")
	wrong, err := cloudinarymedia.New(cloud, key, "wrong-secret", cloudinarymedia.WithBaseURL(f.URL()))
	require.NoError(t, err)
	_, err = wrong.Upload(ctx, &media.Upload{Body: bytes.NewReader(mediatest.PNG(2, 2))})
	require.ErrorIs(t, err, media.ErrPermanent, "an invalid signature is an error, never a nil error with a message")
	var me *media.Error
	require.ErrorAs(t, err, &me)
	require.Equal(t, http.StatusUnauthorized, me.StatusCode)
	require.Contains(t, me.Message, "Invalid Signature")
	require.NotContains(t, err.Error(), "wrong-secret")

	stale, err := cloudinarymedia.New(cloud, key, secret, cloudinarymedia.WithBaseURL(f.URL()),
		cloudinarymedia.WithClock(func() time.Time { return time.Now().Add(-2 * time.Hour) }))
	require.NoError(t, err)
	_, err = stale.Upload(ctx, &media.Upload{Body: bytes.NewReader(mediatest.PNG(2, 2))})
	require.ErrorIs(t, err, media.ErrPermanent)
	require.Contains(t, err.Error(), "Stale request")

	s := newStore(t, f)
	f.Fail(420, -1)
	_, err = s.Upload(ctx, &media.Upload{Body: bytes.NewReader(mediatest.PNG(2, 2))})
	require.ErrorIs(t, err, media.ErrTemporary, "Cloudinary's 420 rate limit is temporary")
	f.Fail(0, 0)
	f.Fail(http.StatusServiceUnavailable, 1)
	_, err = s.Upload(ctx, &media.Upload{Body: bytes.NewReader(mediatest.PNG(2, 2))})
	require.NoError(t, err, "one 503 is retried")

	// A 200 answer holding an error document is an error.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"error":{"message":"Resource not found"}}`))
	}))
	defer srv.Close()
	odd, err := cloudinarymedia.New(cloud, key, secret, cloudinarymedia.WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = odd.Upload(ctx, &media.Upload{Body: bytes.NewReader(mediatest.PNG(2, 2))})
	require.ErrorIs(t, err, media.ErrPermanent)
	require.Error(t, odd.Delete(ctx, "image/upload/x.png"))
}

// TestBytesTravelAsFilePart is the regression test of the local-path
// pitfall: whatever the upload's name, the request carries the bytes as a
// multipart file part, never a string Cloudinary (or its SDK) could read
// as a path or URL.
func TestBytesTravelAsFilePart(t *testing.T) {
	var sawFile bool
	var fileValue string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseMultipartForm(1<<20))
		_, sawFile = r.MultipartForm.File["file"]
		fileValue = r.FormValue("file")
		_, _ = w.Write([]byte(`{"public_id":"x","resource_type":"image","format":"png","version":1,"bytes":1}`))
	}))
	defer srv.Close()
	s, err := cloudinarymedia.New(cloud, key, secret, cloudinarymedia.WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = s.Upload(context.Background(), &media.Upload{Name: "etc-passwd", Body: bytes.NewReader(mediatest.PNG(2, 2))})
	require.NoError(t, err)
	require.True(t, sawFile, "the bytes are a file part")
	require.Empty(t, fileValue, "no string file parameter")
}

func TestSignUploadFields(t *testing.T) {
	f := mediatest.NewFakeCloudinary(t, cloud, key, secret, "sha1")
	now := time.Unix(1_700_000_000, 0)
	f.SetClock(func() time.Time { return now })
	s := newStore(t, f, cloudinarymedia.WithClock(func() time.Time { return now }), cloudinarymedia.WithNotificationURL("https://shop.example.com/webhooks/cloudinary"))
	ctx := context.Background()
	du, err := s.SignUpload(ctx, &media.DirectUploadParams{Folder: "products", Expires: 10 * time.Minute})
	require.NoError(t, err)
	require.Equal(t, key, du.Fields["api_key"])
	require.NotEmpty(t, du.Fields["signature"])
	require.Equal(t, "false", du.Fields["overwrite"])
	require.Equal(t, "https://shop.example.com/webhooks/cloudinary", du.Fields["notification_url"], "the notification URL is signed in")
	require.Contains(t, du.Fields["allowed_formats"], "png")
	require.True(t, strings.HasPrefix(du.Fields["public_id"], "products/"), "the server chose the public ID")
	require.Equal(t, now.Add(10*time.Minute).Unix(), du.ExpiresAt.Unix(), "the timestamp is set back so the hour ends at the expiry")
	require.Zero(t, du.MaxBytes, "Cloudinary has no per-request size limit, and the answer says so")
	for k, v := range du.Fields {
		require.NotContains(t, v, secret, k)
	}
	_, err = s.SignUpload(ctx, &media.DirectUploadParams{Expires: 2 * time.Hour})
	require.ErrorIs(t, err, media.ErrInvalidParams, "Cloudinary signatures last an hour at most")

	// The browser posts; changing any signed field fails.
	img := mediatest.PNG(3, 3)
	tampered := *du
	tampered.Fields = map[string]string{}
	for k, v := range du.Fields {
		tampered.Fields[k] = v
	}
	tampered.Fields["public_id"] = "products/someone-elses"
	resp, _, err := mediatest.SendDirectUpload(ctx, nil, &tampered, "x.png", img)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "a changed public_id breaks the signature")
	delete(tampered.Fields, "allowed_formats")
	tampered.Fields["public_id"] = du.Fields["public_id"]
	resp, _, err = mediatest.SendDirectUpload(ctx, nil, &tampered, "x.png", img)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "dropping a signed field breaks the signature")
	resp, _, err = mediatest.SendDirectUpload(ctx, nil, du, "x.png", mediatest.HTML())
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "allowed_formats refuses what is not an image")
	resp, obj, err := mediatest.SendDirectUpload(ctx, nil, du, "x.png", img)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, du.Fields["public_id"], obj["public_id"])
	now = now.Add(11 * time.Minute)
	resp, _, err = mediatest.SendDirectUpload(ctx, nil, du, "x.png", img)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "after the expiry Cloudinary calls the request stale")
}

func TestNotifications(t *testing.T) {
	f := mediatest.NewFakeCloudinary(t, cloud, key, secret, "sha1")
	s := newStore(t, f)
	v, err := webhooks.NewCloudinary(secret)
	require.NoError(t, err)
	h, err := webhooks.NewHandler(v)
	require.NoError(t, err)
	var got []*media.Event
	media.HandleNotifications(h, s, func(ctx context.Context, e *media.Event) error {
		got = append(got, e)
		return nil
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(body []byte, hd http.Header) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header = hd
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	now := time.Now()
	body := webhookstest.CloudinaryUploadNotification(cloud, "products/shoe", "jpg", 800, 600, 1234, now)
	require.Equal(t, http.StatusOK, post(body, webhookstest.SignCloudinary(body, secret, now)))
	require.Len(t, got, 1)
	e := got[0]
	require.Equal(t, media.EventUploaded, e.Type)
	require.Equal(t, "image/upload/products/shoe.jpg", e.Asset.ID, "the ID is the Store's")
	require.Equal(t, 800, e.Asset.Width)
	require.Equal(t, int64(1234), e.Asset.Bytes)
	require.Equal(t, "image/jpeg", e.Asset.ContentType)
	require.Contains(t, e.Asset.URL, f.URL())

	require.Equal(t, http.StatusOK, post(body, webhookstest.SignCloudinary(body, secret, now)))
	require.Len(t, got, 1, "a redelivered notification runs once")
	require.Equal(t, http.StatusBadRequest, post(body, webhookstest.SignCloudinary(body, "forged", now)))
	require.Equal(t, http.StatusBadRequest, post(body, webhookstest.SignCloudinarySHA256(body, secret, now)), "no downgrade or upgrade: one algorithm")

	del := []byte(`{"notification_type":"delete","resources":[{"resource_type":"image","type":"upload","public_id":"products/shoe"}]}`)
	require.Equal(t, http.StatusOK, post(del, webhookstest.SignCloudinary(del, secret, now)))
	require.Len(t, got, 2)
	require.Equal(t, media.EventDeleted, got[1].Type)
	require.Equal(t, []string{"image/upload/products/shoe"}, got[1].IDs)

	other := []byte(`{"notification_type":"eager"}`)
	require.Equal(t, http.StatusOK, post(other, webhookstest.SignCloudinary(other, secret, now)), "other types are acknowledged")
	evil := []byte(`{"notification_type":"upload","public_id":"../../etc","resource_type":"image","type":"upload","format":"png"}`)
	require.Equal(t, http.StatusInternalServerError, post(evil, webhookstest.SignCloudinary(evil, secret, now)), "a public ID that is not a safe path is refused")
	require.Len(t, got, 2)
}
