package mediatest

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"image"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FakeCloudinary is a fake of Cloudinary's Upload API and delivery host
// on httptest, built from the documented requests and answers ("Upload
// API reference", "Generating authentication signatures"):
//
//   - POST /v1_1/<cloud>/<resource type>/upload (multipart or form):
//     checks api_key, the timestamp (refused when more than an hour old,
//     "Stale request") and the signature over every parameter but file,
//     cloud_name, resource_type, api_key and signature; honours public_id,
//     folder, type, overwrite, allowed_formats and context; answers the
//     documented JSON (asset_id, public_id, version, width, height,
//     format, resource_type, type, bytes, etag as the MD5 of the file,
//     secure_url, existing, context).
//   - POST /v1_1/<cloud>/<resource type>/destroy: {"result":"ok"} or
//     {"result":"not found"}.
//   - GET /v1_1/<cloud>/<resource type>/download: a signed private
//     download, refused once expires_at has passed.
//   - GET /<cloud>/<resource type>/upload/[transformations/][v<n>/]<id>:
//     delivery of public assets.
//
// Errors are {"error":{"message":...}} with 400, 401 or 404. Fail injects
// failures.
type FakeCloudinary struct {
	// Server is the running fake; its URL serves both the API and
	// delivery.
	Server *httptest.Server

	cloud, key, secret, algorithm string

	mu      sync.Mutex
	assets  map[string]*fakeAsset // resource type + "/" + type + "/" + public id
	version int64
	calls   int
	failing int
	status  int
	now     func() time.Time
}

type fakeAsset struct {
	data    []byte
	format  string
	width   int
	height  int
	version int64
	context map[string]string
	created time.Time
}

// NewFakeCloudinary starts a fake for cloud, accepting requests signed
// with apiKey and apiSecret using algorithm ("sha1" or "sha256"). It is
// closed when the test ends.
func NewFakeCloudinary(t interface {
	Cleanup(func())
}, cloud, apiKey, apiSecret, algorithm string) *FakeCloudinary {
	f := &FakeCloudinary{cloud: cloud, key: apiKey, secret: apiSecret, algorithm: algorithm, assets: map[string]*fakeAsset{}, now: time.Now}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Server.Close)
	return f
}

// URL returns the fake's base URL, for both WithBaseURL and
// WithDeliveryURL.
func (f *FakeCloudinary) URL() string { return f.Server.URL }

// SetClock replaces the fake's clock.
func (f *FakeCloudinary) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// Calls returns how many API requests (not deliveries) the fake received.
func (f *FakeCloudinary) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// Fail makes the next API requests answer status (500, 503, 420, 429):
// n of them, or all of them until Fail(0, 0) when n is negative.
func (f *FakeCloudinary) Fail(status, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if status == 0 {
		f.failing = 0
		return
	}
	f.failing = n
	f.status = status
}

// Read returns the bytes stored for an asset ID of cloudinarymedia
// ("<resource type>/<type>/<public id>[.<format>]"), or false.
func (f *FakeCloudinary) Read(id string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a, ok := f.assets[id]; ok {
		return bytes.Clone(a.data), true
	}
	if dot := strings.LastIndexByte(id, '.'); dot > strings.LastIndexByte(id, '/') {
		if a, ok := f.assets[id[:dot]]; ok && a.format == id[dot+1:] {
			return bytes.Clone(a.data), true
		}
	}
	return nil, false
}

// Context returns the context metadata stored with an asset ID, or nil.
func (f *FakeCloudinary) Context(id string) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if dot := strings.LastIndexByte(id, '.'); dot > strings.LastIndexByte(id, '/') {
		if a, ok := f.assets[id[:dot]]; ok {
			return a.context
		}
	}
	if a, ok := f.assets[id]; ok {
		return a.context
	}
	return nil
}

func (f *FakeCloudinary) fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"message": msg}})
}

func (f *FakeCloudinary) serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if len(parts) >= 4 && parts[0] == "v1_1" {
		f.api(w, r, parts[1:])
		return
	}
	f.deliver(w, r, parts)
}

func (f *FakeCloudinary) api(w http.ResponseWriter, r *http.Request, parts []string) {
	f.mu.Lock()
	f.calls++
	if f.failing != 0 {
		if f.failing > 0 {
			f.failing--
		}
		status := f.status
		f.mu.Unlock()
		f.fail(w, status, "injected failure")
		return
	}
	f.mu.Unlock()
	if parts[0] != f.cloud || len(parts) != 3 {
		f.fail(w, http.StatusNotFound, "Unknown cloud or path")
		return
	}
	rt, action := parts[1], parts[2]
	var params url.Values
	var file []byte
	switch r.Method {
	case http.MethodPost:
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			if err := r.ParseMultipartForm(64 << 20); err != nil {
				f.fail(w, http.StatusBadRequest, "Malformed multipart body")
				return
			}
			params = url.Values(r.MultipartForm.Value)
			if fh := r.MultipartForm.File["file"]; len(fh) == 1 {
				fr, err := fh[0].Open()
				if err == nil {
					var b bytes.Buffer
					_, _ = b.ReadFrom(fr)
					fr.Close()
					file = b.Bytes()
				}
			}
		} else {
			if err := r.ParseForm(); err != nil {
				f.fail(w, http.StatusBadRequest, "Malformed form body")
				return
			}
			params = r.PostForm
		}
	case http.MethodGet:
		params = r.URL.Query()
	default:
		f.fail(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	if msg := f.checkSignature(params); msg != "" {
		f.fail(w, http.StatusUnauthorized, msg)
		return
	}
	switch {
	case action == "upload" && r.Method == http.MethodPost:
		f.upload(w, rt, params, file)
	case action == "destroy" && r.Method == http.MethodPost:
		f.destroy(w, rt, params)
	case action == "download" && r.Method == http.MethodGet:
		f.download(w, rt, params)
	default:
		f.fail(w, http.StatusNotFound, "Unknown action")
	}
}

// checkSignature verifies a request as Cloudinary documents it, with its
// own implementation of the signing rules.
func (f *FakeCloudinary) checkSignature(params url.Values) string {
	if params.Get("api_key") != f.key {
		return "Unknown API key"
	}
	ts, err := strconv.ParseInt(params.Get("timestamp"), 10, 64)
	if err != nil {
		return "Missing required parameter - timestamp"
	}
	f.mu.Lock()
	now := f.now()
	f.mu.Unlock()
	if now.Sub(time.Unix(ts, 0)) > time.Hour {
		return "Stale request - reported time is " + params.Get("timestamp") + " which is more than 1 hour ago"
	}
	if time.Unix(ts, 0).Sub(now) > time.Hour {
		return "Invalid timestamp"
	}
	var names []string
	for k, v := range params {
		switch k {
		case "file", "cloud_name", "resource_type", "api_key", "signature":
			continue
		}
		if len(v) == 0 || v[0] == "" {
			continue
		}
		names = append(names, k)
	}
	sort.Strings(names)
	var s strings.Builder
	for i, k := range names {
		if i > 0 {
			s.WriteString("&")
		}
		s.WriteString(k + "=" + strings.ReplaceAll(strings.Join(params[k], ","), "&", "%26"))
	}
	var h hash.Hash = sha1.New()
	if f.algorithm == "sha256" {
		h = sha256.New()
	}
	h.Write([]byte(s.String() + f.secret))
	want := hex.EncodeToString(h.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(want), []byte(params.Get("signature"))) != 1 {
		return "Invalid Signature " + params.Get("signature") + ". String to sign - '" + s.String() + "'."
	}
	return ""
}

var formatNames = map[string]string{"jpeg": "jpg", "png": "png", "gif": "gif", "webp": "webp", "bmp": "bmp"}

func (f *FakeCloudinary) upload(w http.ResponseWriter, rt string, params url.Values, file []byte) {
	if file == nil {
		if params.Get("file") != "" {
			f.fail(w, http.StatusBadRequest, "Remote and data URI uploads are not supported by this fake")
			return
		}
		f.fail(w, http.StatusBadRequest, "Missing required parameter - file")
		return
	}
	if len(file) == 0 {
		f.fail(w, http.StatusBadRequest, "Empty file")
		return
	}
	a := &fakeAsset{data: file}
	cfg, name, err := image.DecodeConfig(bytes.NewReader(file))
	isImage := err == nil
	if isImage {
		a.format, a.width, a.height = formatNames[name], cfg.Width, cfg.Height
	} else if bytes.HasPrefix(file, []byte("%PDF-")) {
		a.format = "pdf"
	}
	switch rt {
	case "auto":
		rt = "raw"
		if isImage || a.format == "pdf" {
			rt = "image"
		}
	case "image":
		if !isImage && a.format != "pdf" {
			f.fail(w, http.StatusBadRequest, "Invalid image file")
			return
		}
	case "raw", "video":
	default:
		f.fail(w, http.StatusNotFound, "Unknown resource type")
		return
	}
	if allowed := params.Get("allowed_formats"); allowed != "" {
		ok := false
		for _, fm := range strings.Split(allowed, ",") {
			if fm == a.format && a.format != "" {
				ok = true
			}
		}
		if !ok {
			f.fail(w, http.StatusBadRequest, "File format not allowed")
			return
		}
	}
	publicID := params.Get("public_id")
	if publicID == "" {
		publicID = RandomHex(10)
	}
	if folder := params.Get("folder"); folder != "" {
		publicID = folder + "/" + publicID
	}
	dtype := params.Get("type")
	if dtype == "" {
		dtype = "upload"
	}
	if dtype != "upload" && dtype != "private" && dtype != "authenticated" {
		f.fail(w, http.StatusBadRequest, "Invalid type")
		return
	}
	a.context = parseContext(params.Get("context"))
	key := rt + "/" + dtype + "/" + publicID
	f.mu.Lock()
	defer f.mu.Unlock()
	if old, ok := f.assets[key]; ok && params.Get("overwrite") == "false" {
		f.answer(w, rt, dtype, publicID, old, true)
		return
	}
	f.version++
	a.version = 1700000000 + f.version
	a.created = f.now().UTC()
	f.assets[key] = a
	f.answer(w, rt, dtype, publicID, a, false)
}

func (f *FakeCloudinary) answer(w http.ResponseWriter, rt, dtype, publicID string, a *fakeAsset, existing bool) {
	sum := md5.Sum(a.data)
	sig := sha1.Sum([]byte("public_id=" + publicID + "&version=" + strconv.FormatInt(a.version, 10) + f.secret))
	res := map[string]any{
		"asset_id": RandomHex(16), "public_id": publicID, "version": a.version,
		"version_id": RandomHex(16), "signature": hex.EncodeToString(sig[:]),
		"resource_type": rt, "type": dtype, "created_at": a.created.Format(time.RFC3339),
		"tags": []string{}, "bytes": len(a.data), "etag": hex.EncodeToString(sum[:]), "placeholder": false,
		"original_filename": "file", "api_key": f.key,
	}
	if a.format != "" {
		res["format"] = a.format
	}
	if a.width > 0 {
		res["width"], res["height"] = a.width, a.height
	}
	path := fmt.Sprintf("%s/%s/%s/v%d/%s", f.cloud, rt, dtype, a.version, publicID)
	if rt != "raw" && a.format != "" {
		path += "." + a.format
	}
	res["url"] = f.Server.URL + "/" + path
	res["secure_url"] = f.Server.URL + "/" + path
	if existing {
		res["existing"] = true
	}
	if len(a.context) > 0 {
		res["context"] = map[string]any{"custom": a.context}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(res)
}

func parseContext(s string) map[string]string {
	if s == "" {
		return nil
	}
	out := map[string]string{}
	var key, cur strings.Builder
	inValue := false
	flush := func() {
		if key.Len() > 0 || cur.Len() > 0 {
			out[key.String()] = cur.String()
		}
		key.Reset()
		cur.Reset()
		inValue = false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			if inValue {
				cur.WriteByte(s[i])
			} else {
				key.WriteByte(s[i])
			}
		case c == '=' && !inValue:
			inValue = true
		case c == '|':
			flush()
		case inValue:
			cur.WriteByte(c)
		default:
			key.WriteByte(c)
		}
	}
	flush()
	return out
}

func (f *FakeCloudinary) destroy(w http.ResponseWriter, rt string, params url.Values) {
	dtype := params.Get("type")
	if dtype == "" {
		dtype = "upload"
	}
	key := rt + "/" + dtype + "/" + params.Get("public_id")
	f.mu.Lock()
	_, ok := f.assets[key]
	delete(f.assets, key)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if ok {
		_, _ = w.Write([]byte(`{"result":"ok"}`))
		return
	}
	_, _ = w.Write([]byte(`{"result":"not found"}`))
}

func (f *FakeCloudinary) download(w http.ResponseWriter, rt string, params url.Values) {
	exp, err := strconv.ParseInt(params.Get("expires_at"), 10, 64)
	f.mu.Lock()
	now := f.now()
	f.mu.Unlock()
	if err == nil && now.Unix() > exp {
		f.fail(w, http.StatusUnauthorized, "Expired")
		return
	}
	dtype := params.Get("type")
	if dtype == "" {
		dtype = "upload"
	}
	f.mu.Lock()
	a, ok := f.assets[rt+"/"+dtype+"/"+params.Get("public_id")]
	f.mu.Unlock()
	if !ok || (params.Get("format") != "" && params.Get("format") != a.format) {
		f.fail(w, http.StatusNotFound, "Resource not found")
		return
	}
	_, _ = w.Write(a.data)
}

// deliver serves /<cloud>/<resource type>/upload/[...]/<public id>.<ext>
// for public assets, skipping transformation and version segments.
func (f *FakeCloudinary) deliver(w http.ResponseWriter, r *http.Request, parts []string) {
	if len(parts) < 4 || parts[0] != f.cloud || parts[2] != "upload" || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	rt, rest := parts[1], parts[3:]
	for len(rest) > 1 && (strings.Contains(rest[0], "_") && strings.ContainsAny(rest[0], ",") || strings.HasPrefix(rest[0], "c_") || strings.HasPrefix(rest[0], "q_") || isVersion(rest[0])) {
		rest = rest[1:]
	}
	id := rt + "/upload/" + strings.Join(rest, "/")
	data, ok := f.Read(id)
	if !ok {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write(data)
}

func isVersion(s string) bool {
	if len(s) < 2 || s[0] != 'v' {
		return false
	}
	_, err := strconv.ParseInt(s[1:], 10, 64)
	return err == nil
}

// RandomHex returns n random hexadecimal characters.
func RandomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
