package mediatest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/switchboard-go/switchboard/media"
)

// MemoryName is the Provider of assets kept by a Memory store.
const MemoryName = "memory"

// MemoryBaseURL starts the URLs a Memory store hands out.
const MemoryBaseURL = "https://media.invalid/"

// Memory is a media.Store that keeps assets in memory, for users' tests.
// It runs the same checks as every backend (so tests see the same
// errors), records every asset and can be made to fail. It is safe for
// concurrent use; the zero value is not usable, build it with NewMemory.
type Memory struct {
	mu      sync.Mutex
	assets  map[string]*memAsset
	pending map[string]*media.DirectUploadParams
	calls   int
	failErr error
	key     []byte
	now     func() time.Time
}

type memAsset struct {
	asset media.Asset
	data  []byte
}

var _ media.Store = (*Memory)(nil)

// NewMemory returns an empty Memory store.
func NewMemory() *Memory {
	return &Memory{
		assets:  map[string]*memAsset{},
		pending: map[string]*media.DirectUploadParams{},
		key:     []byte(media.RandomName()),
		now:     time.Now,
	}
}

// Fail makes every later call fail with err (for example media.ErrTemporary)
// until Fail(nil).
func (m *Memory) Fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failErr = err
}

// Calls returns how many calls reached the store's backend, that is passed
// the checks.
func (m *Memory) Calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls
}

// Get returns a copy of asset id and its bytes, or false.
func (m *Memory) Get(id string) (media.Asset, []byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.assets[id]
	if !ok {
		return media.Asset{}, nil, false
	}
	return a.asset, bytes.Clone(a.data), true
}

// IDs returns the IDs of the stored assets, in no order.
func (m *Memory) IDs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.assets))
	for id := range m.assets {
		out = append(out, id)
	}
	return out
}

// backend counts a call that reached the backend and returns the
// injected failure, if any.
func (m *Memory) backend(op string) error {
	m.calls++
	if m.failErr != nil {
		return &media.Error{Kind: m.failErr, Provider: MemoryName, Op: op, Message: "injected failure"}
	}
	return nil
}

// Upload implements media.Store.
func (m *Memory) Upload(ctx context.Context, in *media.Upload) (*media.Asset, error) {
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
	return m.store(in.Folder, in.Name, c, data, in.Private, in.Overwrite, in.Metadata)
}

func (m *Memory) store(folder, name string, c media.Content, data []byte, private, overwrite bool, md map[string]string) (*media.Asset, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.backend("upload"); err != nil {
		return nil, err
	}
	id := media.KeyID(media.ObjectPath(folder, name, c.Ext), private)
	if _, ok := m.assets[id]; ok && !overwrite {
		return nil, fmt.Errorf("%w: %s", media.ErrExists, id)
	}
	now := m.now()
	a := media.Asset{
		ID: id, Provider: MemoryName, Bytes: int64(len(data)), ContentType: c.Type,
		Width: c.Width, Height: c.Height, Version: strconv.FormatInt(now.UnixNano(), 10),
		Private: private, CreatedAt: now,
	}
	if len(md) > 0 {
		a.Metadata = make(map[string]string, len(md))
		for k, v := range md {
			a.Metadata[k] = v
		}
	}
	if !private {
		a.URL = MemoryBaseURL + id
	}
	m.assets[id] = &memAsset{asset: a, data: data}
	out := a
	return &out, nil
}

// Delete implements media.Store.
func (m *Memory) Delete(ctx context.Context, id string) error {
	if _, err := media.ParseKeyID(id); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.backend("delete"); err != nil {
		return err
	}
	delete(m.assets, id)
	return nil
}

// URL implements media.Store: MemoryBaseURL and the ID, with an expiry
// and an HMAC signature for a private asset (see ServeHTTP).
func (m *Memory) URL(_ context.Context, id string, opts *media.URLOptions) (string, error) {
	private, err := media.ParseKeyID(id)
	if err != nil {
		return "", err
	}
	if err := opts.Check(); err != nil {
		return "", err
	}
	if opts != nil && opts.Transform != nil {
		return "", fmt.Errorf("%w: %s has no transformations", media.ErrUnsupported, MemoryName)
	}
	if !private {
		return MemoryBaseURL + id, nil
	}
	exp := strconv.FormatInt(m.now().Add(opts.Expiry()).Unix(), 10)
	return MemoryBaseURL + id + "?expires=" + exp + "&sig=" + m.sign(id+"|"+exp), nil
}

func (m *Memory) sign(s string) string {
	h := hmac.New(sha256.New, m.key)
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil))
}

// SignUpload implements media.Store: the DirectUpload's "token" field
// names the parameters kept by the store; CompleteDirectUpload plays the
// browser's part.
func (m *Memory) SignUpload(_ context.Context, p *media.DirectUploadParams) (*media.DirectUpload, error) {
	if err := p.Check(0); err != nil {
		return nil, err
	}
	max, types, err := p.Limits.Resolve()
	if err != nil {
		return nil, err
	}
	cp := *p
	if cp.Name == "" {
		cp.Name = media.RandomName()
	}
	if p.ContentType != "" {
		types = []string{p.ContentType}
	}
	cp.Limits = media.Limits{MaxBytes: max, AllowedTypes: types}
	token := media.RandomName()
	exp := m.now().Add(p.Expiry())
	m.mu.Lock()
	m.pending[token] = &cp
	m.mu.Unlock()
	return &media.DirectUpload{
		Provider: MemoryName, Method: http.MethodPost, URL: MemoryBaseURL + "upload",
		Fields:    map[string]string{"token": token, "signature": m.sign(token)},
		FileField: "file", ExpiresAt: exp, MaxBytes: max, AllowedTypes: types,
	}, nil
}

// CompleteDirectUpload uploads file as a browser would with du, once.
func (m *Memory) CompleteDirectUpload(du *media.DirectUpload, file []byte) (*media.Asset, error) {
	token, sig := du.Fields["token"], du.Fields["signature"]
	if !hmac.Equal([]byte(sig), []byte(m.sign(token))) {
		return nil, media.ErrInvalidSignature
	}
	m.mu.Lock()
	p, ok := m.pending[token]
	delete(m.pending, token)
	m.mu.Unlock()
	if !ok {
		return nil, media.ErrInvalidSignature
	}
	if m.now().After(du.ExpiresAt) {
		return nil, fmt.Errorf("%w: expired", media.ErrInvalidSignature)
	}
	c, data, err := media.ReadAll(bytes.NewReader(file), p.Limits)
	if err != nil {
		return nil, err
	}
	return m.store(p.Folder, p.Name, c, data, p.Private, false, nil)
}

// ServeHTTP serves the stored assets at the paths of the URLs the store
// hands out, checking a private asset's signature and expiry.
func (m *Memory) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Path
	if len(id) > 0 && id[0] == '/' {
		id = id[1:]
	}
	private, err := media.ParseKeyID(id)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if private {
		exp := r.URL.Query().Get("expires")
		t, err := strconv.ParseInt(exp, 10, 64)
		if err != nil || !hmac.Equal([]byte(r.URL.Query().Get("sig")), []byte(m.sign(id+"|"+exp))) || m.now().Unix() > t {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
	}
	a, data, ok := m.Get(id)
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
}

// Fetch returns the status and body the store's ServeHTTP answers for
// rawURL, a URL it handed out.
func (m *Memory) Fetch(rawURL string) (int, []byte) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return http.StatusBadRequest, nil
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	m.ServeHTTP(rec, &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}})
	return rec.status, rec.body.Bytes()
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(s int)           { r.status = s }
