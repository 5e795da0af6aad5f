package mediatest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/media"
)

// Harness connects a Store to the conformance suite. Only New is
// required; a nil hook skips the checks that need it, naming the hook.
type Harness struct {
	// New returns the Store under test, fresh for each subtest.
	New func(t *testing.T) media.Store

	// Read returns the bytes stored for asset id, or false when it does not
	// exist. Without it the suite cannot compare what was stored.
	Read func(t *testing.T, s media.Store, id string) ([]byte, bool)

	// Calls returns how many requests the Store has sent to its backend so
	// far; the suite uses it to prove that rejected input never reaches the
	// backend.
	Calls func() int

	// InjectError makes the Store's next backend call fail as kind
	// (media.ErrTemporary: a 5xx or an outage); a nil kind clears it. It
	// returns false when it cannot produce kind.
	InjectError func(t *testing.T, kind error) bool

	// Fetch GETs a URL returned by the Store and returns the status and
	// body; without it the URLs are only checked for shape.
	Fetch func(t *testing.T, url string) (status int, body []byte)

	// DirectUpload sends file from a client as du describes and returns the
	// HTTP status and the created asset's ID (empty when the backend does
	// not answer it). Without it direct uploads are only checked for shape.
	DirectUpload func(t *testing.T, du *media.DirectUpload, file []byte) (status int, id string)

	// Transformations says the Store builds transformed URLs; otherwise the
	// suite checks that asking for one fails with media.ErrUnsupported.
	Transformations bool

	// NoDirectUploads says SignUpload is unsupported; the suite then checks
	// that it fails with media.ErrUnsupported.
	NoDirectUploads bool

	// NoSignedURLs says the Store cannot sign URLs for private assets (a
	// bucket whose driver cannot sign); the suite then checks that URL
	// fails with media.ErrUnsupported for them.
	NoSignedURLs bool

	// Secrets are values that must never appear in a DirectUpload, a URL or
	// an error (API secrets, signing keys).
	Secrets []string
}

// Run runs the conformance suite against h.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.NotNil(t, h.New, "Harness.New is required")
	s := suite{h: h}
	t.Run("UploadPNG", s.uploadPNG)
	t.Run("ExtensionFromSniffedType", s.extensionFromSniffedType)
	t.Run("SpoofedContentType", s.spoofedContentType)
	t.Run("MalformedImage", s.malformedImage)
	t.Run("Oversize", s.oversize)
	t.Run("ZeroBytes", s.zeroBytes)
	t.Run("Traversal", s.traversal)
	t.Run("InvalidParams", s.invalidParams)
	t.Run("DeleteIsIdempotent", s.deleteIdempotent)
	t.Run("NoOverwriteWithoutAsking", s.noOverwrite)
	t.Run("Overwrite", s.overwrite)
	t.Run("RandomNames", s.randomNames)
	t.Run("Metadata", s.metadata)
	t.Run("Private", s.private)
	t.Run("Transformations", s.transformations)
	t.Run("DirectUpload", s.directUpload)
	t.Run("TemporaryFailure", s.temporaryFailure)
	t.Run("Concurrent", s.concurrent)
	t.Run("CanceledContext", s.canceled)
}

type suite struct{ h Harness }

func (s suite) calls() int {
	if s.h.Calls == nil {
		return 0
	}
	return s.h.Calls()
}

// requireNoCall checks that fn makes no backend call.
func (s suite) requireNoCall(t *testing.T, what string, fn func()) {
	t.Helper()
	before := s.calls()
	fn()
	if s.h.Calls != nil {
		require.Equal(t, before, s.h.Calls(), "%s must fail before any backend call", what)
	}
}

func (s suite) read(t *testing.T, st media.Store, id string) ([]byte, bool) {
	t.Helper()
	if s.h.Read == nil {
		t.Skip("Harness.Read is nil: stored bytes cannot be compared")
	}
	return s.h.Read(t, st, id)
}

func (s suite) requireNoSecret(t *testing.T, values ...string) {
	t.Helper()
	for _, v := range values {
		for _, sec := range s.h.Secrets {
			if sec != "" {
				require.NotContains(t, v, sec, "a secret must never be handed out or logged")
			}
		}
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// countingReader counts what a Store read.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (s suite) uploadPNG(t *testing.T) {
	st := s.h.New(t)
	img := PNG(40, 30)
	a, err := st.Upload(ctx(t), &media.Upload{Folder: "products/shoes", Name: "red", Body: bytes.NewReader(img)})
	require.NoError(t, err, "a valid PNG must upload")
	require.NotEmpty(t, a.ID, "the asset needs an ID")
	require.NotEmpty(t, a.Provider, "the asset names its provider")
	require.Contains(t, a.ID, "products/shoes/red", "the ID keeps the folder and name")
	require.True(t, strings.HasSuffix(a.ID, ".png"), "a PNG's ID ends in .png, got %q", a.ID)
	require.Equal(t, int64(len(img)), a.Bytes, "bytes must be the stored size")
	require.Equal(t, "image/png", a.ContentType, "the type is sniffed")
	require.Equal(t, 40, a.Width, "width from the image header")
	require.Equal(t, 30, a.Height, "height from the image header")
	require.NotEmpty(t, a.Version, "a version or ETag")
	require.NotEmpty(t, a.URL, "a public asset has a URL")
	require.False(t, a.Private, "uploads are public by default")
	s.requireNoSecret(t, a.URL)
	u, err := st.URL(ctx(t), a.ID, nil)
	require.NoError(t, err, "URL of a public asset")
	require.NotEmpty(t, u)
	if s.h.Fetch != nil {
		status, body := s.h.Fetch(t, u)
		require.Equal(t, http.StatusOK, status, "the public URL must serve the asset")
		require.Equal(t, img, body, "the URL serves the stored bytes")
	}
	got, ok := s.read(t, st, a.ID)
	require.True(t, ok, "the asset must be stored")
	require.Equal(t, img, got, "the stored bytes are the uploaded ones")
}

func (s suite) extensionFromSniffedType(t *testing.T) {
	st := s.h.New(t)
	img := JPEG(16, 8)
	a, err := st.Upload(ctx(t), &media.Upload{Folder: "spoof", Name: "photo.png", Body: bytes.NewReader(img)})
	require.NoError(t, err, "a JPEG named .png is still a JPEG")
	require.Equal(t, "image/jpeg", a.ContentType, "the type comes from the bytes, not the name")
	require.True(t, strings.HasSuffix(a.ID, ".jpg"), "the extension comes from the sniffed type, got %q", a.ID)
	require.NotContains(t, a.ID, ".png", "the name's extension is replaced")
	require.Equal(t, 16, a.Width)
	require.Equal(t, 8, a.Height)
}

func (s suite) spoofedContentType(t *testing.T) {
	st := s.h.New(t)
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"html as png", HTML()},
		{"text as jpg", []byte("just some text, not an image at all")},
		{"pdf under image limits", []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")},
	} {
		s.requireNoCall(t, tc.name, func() {
			_, err := st.Upload(ctx(t), &media.Upload{Name: "avatar.png", Body: bytes.NewReader(tc.body)})
			require.ErrorIs(t, err, media.ErrTypeNotAllowed, "%s must be refused by its sniffed type", tc.name)
		})
	}
	// Allowing the type lets it through, with its real type.
	a, err := st.Upload(ctx(t), &media.Upload{Name: "doc", Body: strings.NewReader("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"),
		Limits: media.Limits{AllowedTypes: []string{"application/pdf"}}})
	require.NoError(t, err, "an allowed PDF uploads")
	require.Equal(t, "application/pdf", a.ContentType)
	require.True(t, strings.HasSuffix(a.ID, ".pdf"), "got %q", a.ID)
	require.Zero(t, a.Width, "a PDF has no image dimensions")
}

func (s suite) malformedImage(t *testing.T) {
	st := s.h.New(t)
	s.requireNoCall(t, "a PNG signature without a PNG", func() {
		_, err := st.Upload(ctx(t), &media.Upload{Body: bytes.NewReader(BrokenPNG())})
		require.ErrorIs(t, err, media.ErrInvalidContent, "an image header that does not decode is refused")
	})
}

func (s suite) oversize(t *testing.T) {
	st := s.h.New(t)
	img := PNG(200, 200)
	require.Greater(t, len(img), 2000)
	for _, limit := range []int64{1000, 100, int64(len(img)) - 1} {
		cr := &countingReader{r: bytes.NewReader(img)}
		s.requireNoCall(t, "an oversize upload", func() {
			_, err := st.Upload(ctx(t), &media.Upload{Name: "big", Body: cr, Limits: media.Limits{MaxBytes: limit}})
			require.ErrorIs(t, err, media.ErrTooLarge, "an upload over %d bytes is refused", limit)
		})
		require.LessOrEqual(t, cr.n, limit+1, "reading must stop at the limit plus one byte")
	}
	a, err := st.Upload(ctx(t), &media.Upload{Name: "exact", Body: bytes.NewReader(img), Limits: media.Limits{MaxBytes: int64(len(img))}})
	require.NoError(t, err, "an upload of exactly the limit is accepted")
	require.Equal(t, int64(len(img)), a.Bytes)
}

func (s suite) zeroBytes(t *testing.T) {
	st := s.h.New(t)
	s.requireNoCall(t, "an empty upload", func() {
		_, err := st.Upload(ctx(t), &media.Upload{Name: "empty", Body: bytes.NewReader(nil)})
		require.ErrorIs(t, err, media.ErrEmpty, "a zero-byte upload is refused")
	})
}

// HostileNames are folder and name pairs every Store must refuse.
var HostileNames = []struct{ Folder, Name string }{
	{"", "../escape"},
	{"..", "x"},
	{"a/../..", "x"},
	{"/etc", "passwd"},
	{"", "/abs"},
	{"a//b", "x"},
	{"a/", "x"},
	{"", "a/b"},
	{"", ".hidden"},
	{".meta", "x"},
	{"", "nul\x00byte"},
	{"", "back\\slash"},
	{"..\\..", "x"},
	{"", "%2e%2e"},
	{"%2e%2e", "x"},
	{"", "..%2fescape"},
	{"", "..%252f"},
	{"", "c:evil"},
	{"", "space name"},
	{"", "new\nline"},
	{"", "caf\u00e9"},
	{"", "\u2215etc\u2215passwd"},
	{"", "..\u2216x"},
	{"", strings.Repeat("a", media.MaxSegmentLength+1)},
}

func (s suite) traversal(t *testing.T) {
	st := s.h.New(t)
	for _, tc := range HostileNames {
		s.requireNoCall(t, fmt.Sprintf("folder %q name %q", tc.Folder, tc.Name), func() {
			_, err := st.Upload(ctx(t), &media.Upload{Folder: tc.Folder, Name: tc.Name, Body: bytes.NewReader(PNG(2, 2))})
			require.ErrorIs(t, err, media.ErrInvalidName, "folder %q name %q must be refused", tc.Folder, tc.Name)
			_, err = st.SignUpload(ctx(t), &media.DirectUploadParams{Folder: tc.Folder, Name: tc.Name})
			if !errors.Is(err, media.ErrUnsupported) {
				require.ErrorIs(t, err, media.ErrInvalidName, "a direct upload to folder %q name %q must be refused", tc.Folder, tc.Name)
			}
		})
	}
	for _, id := range []string{"", "../x", "/etc/passwd", "public/../../x", "public/a\\b", "public/%2e%2e/x", "public/.meta/x", "x\x00y"} {
		s.requireNoCall(t, fmt.Sprintf("id %q", id), func() {
			require.ErrorIs(t, st.Delete(ctx(t), id), media.ErrInvalidName, "Delete(%q) must be refused", id)
			_, err := st.URL(ctx(t), id, nil)
			require.ErrorIs(t, err, media.ErrInvalidName, "URL(%q) must be refused", id)
		})
	}
}

func (s suite) invalidParams(t *testing.T) {
	st := s.h.New(t)
	cases := []struct {
		name string
		in   *media.Upload
		want error
	}{
		{"nil upload", nil, media.ErrInvalidParams},
		{"nil body", &media.Upload{Name: "x"}, media.ErrInvalidParams},
		{"negative limit", &media.Upload{Body: bytes.NewReader(PNG(2, 2)), Limits: media.Limits{MaxBytes: -1}}, media.ErrInvalidParams},
		{"empty allowed list", &media.Upload{Body: bytes.NewReader(PNG(2, 2)), Limits: media.Limits{AllowedTypes: []string{}}}, media.ErrInvalidParams},
		{"malformed type", &media.Upload{Body: bytes.NewReader(PNG(2, 2)), Limits: media.Limits{AllowedTypes: []string{"png"}}}, media.ErrInvalidParams},
		{"metadata key", &media.Upload{Body: bytes.NewReader(PNG(2, 2)), Metadata: map[string]string{"a b": "x"}}, media.ErrInvalidParams},
		{"metadata key case", &media.Upload{Body: bytes.NewReader(PNG(2, 2)), Metadata: map[string]string{"Alt": "x"}}, media.ErrInvalidParams},
		{"metadata value", &media.Upload{Body: bytes.NewReader(PNG(2, 2)), Metadata: map[string]string{"k": "line\nbreak"}}, media.ErrInvalidParams},
	}
	for _, tc := range cases {
		s.requireNoCall(t, tc.name, func() {
			_, err := st.Upload(ctx(t), tc.in)
			require.ErrorIs(t, err, tc.want, "%s must be refused", tc.name)
		})
	}
	for _, o := range []*media.URLOptions{
		{Expires: -time.Second},
		{Transform: &media.Transformation{Width: -1}},
		{Transform: &media.Transformation{Crop: "explode", Width: 10}},
		{Transform: &media.Transformation{Format: "exe"}},
		{Transform: &media.Transformation{Quality: 101}},
	} {
		_, err := st.URL(ctx(t), validID(t, st), o)
		require.ErrorIs(t, err, media.ErrInvalidParams, "URL options %+v must be refused", o)
	}
}

// validID uploads a small image and returns its ID.
func validID(t *testing.T, st media.Store) string {
	t.Helper()
	a, err := st.Upload(ctx(t), &media.Upload{Folder: "ids", Body: bytes.NewReader(PNG(3, 3))})
	require.NoError(t, err)
	return a.ID
}

func (s suite) deleteIdempotent(t *testing.T) {
	st := s.h.New(t)
	a, err := st.Upload(ctx(t), &media.Upload{Folder: "del", Name: "gone", Body: bytes.NewReader(PNG(4, 4))})
	require.NoError(t, err)
	require.NoError(t, st.Delete(ctx(t), a.ID), "Delete of an existing asset")
	require.NoError(t, st.Delete(ctx(t), a.ID), "deleting again succeeds: Delete is idempotent")
	if s.h.Read != nil {
		_, ok := s.h.Read(t, st, a.ID)
		require.False(t, ok, "a deleted asset is gone")
	}
	never := strings.Replace(a.ID, "gone", "never-existed", 1)
	require.NoError(t, st.Delete(ctx(t), never), "deleting an asset that never existed succeeds")
}

func (s suite) noOverwrite(t *testing.T) {
	st := s.h.New(t)
	first := PNG(5, 5)
	a, err := st.Upload(ctx(t), &media.Upload{Folder: "ow", Name: "same", Body: bytes.NewReader(first)})
	require.NoError(t, err)
	_, err = st.Upload(ctx(t), &media.Upload{Folder: "ow", Name: "same", Body: bytes.NewReader(PNG(6, 6))})
	require.ErrorIs(t, err, media.ErrExists, "a second upload to the same name without Overwrite fails")
	if s.h.Read != nil {
		got, ok := s.h.Read(t, st, a.ID)
		require.True(t, ok)
		require.Equal(t, first, got, "the first upload is kept")
	}
}

func (s suite) overwrite(t *testing.T) {
	st := s.h.New(t)
	a, err := st.Upload(ctx(t), &media.Upload{Folder: "ow", Name: "replace", Body: bytes.NewReader(PNG(5, 5))})
	require.NoError(t, err)
	second := PNG(7, 7)
	b, err := st.Upload(ctx(t), &media.Upload{Folder: "ow", Name: "replace", Body: bytes.NewReader(second), Overwrite: true})
	require.NoError(t, err, "Overwrite replaces")
	require.Equal(t, a.ID, b.ID, "the same name gives the same ID")
	require.Equal(t, 7, b.Width)
	if s.h.Read != nil {
		got, ok := s.h.Read(t, st, b.ID)
		require.True(t, ok)
		require.Equal(t, second, got, "the new bytes are stored")
	}
}

func (s suite) randomNames(t *testing.T) {
	st := s.h.New(t)
	a, err := st.Upload(ctx(t), &media.Upload{Folder: "rnd", Body: bytes.NewReader(PNG(2, 2))})
	require.NoError(t, err)
	b, err := st.Upload(ctx(t), &media.Upload{Folder: "rnd", Body: bytes.NewReader(PNG(2, 2))})
	require.NoError(t, err)
	require.NotEqual(t, a.ID, b.ID, "two uploads without a name never collide")
}

func (s suite) metadata(t *testing.T) {
	st := s.h.New(t)
	md := map[string]string{"product_id": "sku-42", "alt": "A red shoe, side view"}
	a, err := st.Upload(ctx(t), &media.Upload{Folder: "md", Body: bytes.NewReader(PNG(2, 2)), Metadata: md})
	require.NoError(t, err)
	require.Equal(t, md, a.Metadata, "metadata is stored and returned")
}

func (s suite) private(t *testing.T) {
	st := s.h.New(t)
	img := PNG(9, 9)
	a, err := st.Upload(ctx(t), &media.Upload{Folder: "secret", Name: "invoice", Body: bytes.NewReader(img), Private: true})
	require.NoError(t, err, "private upload")
	require.True(t, a.Private)
	require.Empty(t, a.URL, "a private asset has no stable URL")
	if s.h.Read != nil {
		got, ok := s.h.Read(t, st, a.ID)
		require.True(t, ok, "the private asset is stored")
		require.Equal(t, img, got)
	}
	u, err := st.URL(ctx(t), a.ID, &media.URLOptions{Expires: time.Minute})
	if s.h.NoSignedURLs {
		require.ErrorIs(t, err, media.ErrUnsupported, "a backend that cannot sign says so")
		return
	}
	require.NoError(t, err, "a private asset gets a signed URL")
	require.NotEmpty(t, u)
	s.requireNoSecret(t, u)
	if s.h.Fetch != nil {
		status, body := s.h.Fetch(t, u)
		require.Equal(t, http.StatusOK, status, "the signed URL serves the asset")
		require.Equal(t, img, body)
		tampered := strings.Replace(u, "invoice", "invoicf", 1)
		status, _ = s.h.Fetch(t, tampered)
		require.NotEqual(t, http.StatusOK, status, "a URL whose path was changed must not serve")
	}
}

func (s suite) transformations(t *testing.T) {
	st := s.h.New(t)
	id := validID(t, st)
	tr := &media.Transformation{Width: 200, Height: 100, Crop: "fill", Format: "webp", Quality: 80}
	u, err := st.URL(ctx(t), id, &media.URLOptions{Transform: tr})
	if !s.h.Transformations {
		require.ErrorIs(t, err, media.ErrUnsupported, "a backend without transformations says so instead of ignoring them")
		return
	}
	require.NoError(t, err, "transformed URL")
	plain, err := st.URL(ctx(t), id, nil)
	require.NoError(t, err)
	require.NotEqual(t, plain, u, "a transformation changes the URL")
}

func (s suite) directUpload(t *testing.T) {
	st := s.h.New(t)
	p := &media.DirectUploadParams{Folder: "direct", ContentType: "image/png", Limits: media.Limits{MaxBytes: 1 << 20}, Expires: 10 * time.Minute}
	du, err := st.SignUpload(ctx(t), p)
	if s.h.NoDirectUploads {
		require.ErrorIs(t, err, media.ErrUnsupported, "a backend without direct uploads says so")
		return
	}
	require.NoError(t, err, "SignUpload")
	require.NotEmpty(t, du.URL, "where to send the file")
	require.Contains(t, []string{http.MethodPost, http.MethodPut}, du.Method)
	require.NotEmpty(t, du.Provider)
	require.False(t, du.ExpiresAt.IsZero(), "the signature expires")
	require.LessOrEqual(t, time.Until(du.ExpiresAt), 10*time.Minute+time.Second, "no longer than asked")
	if du.Method == http.MethodPost {
		require.NotEmpty(t, du.FileField, "a form names its file field")
	}
	vals := []string{du.URL}
	for k, v := range du.Fields {
		vals = append(vals, k, v)
	}
	for k, v := range du.Header {
		vals = append(vals, k, v)
	}
	s.requireNoSecret(t, vals...)
	_, err = st.SignUpload(ctx(t), &media.DirectUploadParams{ContentType: "text/html"})
	require.ErrorIs(t, err, media.ErrTypeNotAllowed, "a content type outside the allowed ones cannot be signed")
	if s.h.DirectUpload == nil {
		return
	}
	img := PNG(12, 10)
	status, id := s.h.DirectUpload(t, du, img)
	require.Less(t, status, 300, "the signed upload is accepted")
	if id != "" && s.h.Read != nil {
		got, ok := s.h.Read(t, st, id)
		require.True(t, ok, "the direct upload is stored")
		require.Equal(t, img, got)
	}
	du2, err := st.SignUpload(ctx(t), &media.DirectUploadParams{Folder: "direct", ContentType: "image/png"})
	require.NoError(t, err)
	if du2.Fields != nil {
		forged := &media.DirectUpload{Method: du2.Method, URL: du2.URL, FileField: du2.FileField, Header: du2.Header, Fields: map[string]string{}}
		for k, v := range du2.Fields {
			forged.Fields[k] = v
		}
		for k, v := range forged.Fields {
			if strings.Contains(strings.ToLower(k), "sign") && v != "" {
				// Another first character: "0" unless it is one already.
				first := "0"
				if v[0] == '0' {
					first = "1"
				}
				forged.Fields[k] = first + v[1:]
			}
		}
		status, _ = s.h.DirectUpload(t, forged, img)
		require.GreaterOrEqual(t, status, 400, "a forged signature is refused")
	}
}

func (s suite) temporaryFailure(t *testing.T) {
	if s.h.InjectError == nil {
		t.Skip("Harness.InjectError is nil")
	}
	st := s.h.New(t)
	if !s.h.InjectError(t, media.ErrTemporary) {
		t.Skip("the backend cannot fail temporarily")
	}
	_, err := st.Upload(ctx(t), &media.Upload{Body: bytes.NewReader(PNG(2, 2))})
	require.ErrorIs(t, err, media.ErrTemporary, "a backend outage is a temporary error")
	s.requireNoSecret(t, err.Error())
	s.h.InjectError(t, nil)
	_, err = st.Upload(ctx(t), &media.Upload{Body: bytes.NewReader(PNG(2, 2))})
	require.NoError(t, err, "after the outage uploads work again")
}

func (s suite) concurrent(t *testing.T) {
	st := s.h.New(t)
	const n = 8
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			a, err := st.Upload(ctx(t), &media.Upload{Folder: "many", Body: bytes.NewReader(PNG(i+1, i+1))})
			errs[i] = err
			if err == nil {
				ids[i] = a.ID
			}
		}(i)
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		require.NoError(t, errs[i], "concurrent upload %d", i)
		require.False(t, seen[ids[i]], "concurrent uploads get distinct IDs")
		seen[ids[i]] = true
	}
}

func (s suite) canceled(t *testing.T) {
	st := s.h.New(t)
	c, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := st.Upload(c, &media.Upload{Body: bytes.NewReader(PNG(2, 2))})
	require.Error(t, err, "a canceled context stops the upload")
	require.ErrorIs(t, err, context.Canceled)
}
