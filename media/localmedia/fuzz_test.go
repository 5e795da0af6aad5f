package localmedia_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/localmedia"
	"github.com/switchboard-go/switchboard/media/mediatest"
)

// FuzzHandlerGet sends arbitrary paths and queries to the file server:
// nothing outside public/ may ever be served, and private/ only with a
// signature the Store made.
func FuzzHandlerGet(f *testing.F) {
	for _, s := range []string{"public/p/a.png", "private/p/a.png", "../outside.txt", "public/%2e%2e/%2e%2e/outside.txt", ".meta/public/p/a.png.json", "public/p/", ""} {
		f.Add(s, "expires=9999999999&sig=x")
	}
	dir := f.TempDir()
	store, err := localmedia.New(filepath.Join(dir, "root"), localmedia.WithSigningKey(testKey))
	if err != nil {
		f.Fatal(err)
	}
	defer store.Close()
	_, err = store.Upload(context.Background(), &media.Upload{Folder: "p", Name: "a", Body: bytes.NewReader(mediatest.PNG(2, 2)), Private: true})
	if err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "outside.txt"), []byte("outside secret"), 0o644); err != nil {
		f.Fatal(err)
	}
	h := store.Handler()
	f.Fuzz(func(t *testing.T, p, q string) {
		u := &url.URL{Path: "/media/" + p, RawQuery: q}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL = u
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return
		}
		if strings.Contains(rec.Body.String(), "outside secret") {
			t.Fatalf("served a file outside the directory for %q", p)
		}
		if !strings.HasPrefix(p, media.PublicPrefix) {
			t.Fatalf("served %q without a valid signature", p)
		}
	})
}

// FuzzUploadPolicy posts arbitrary policies and signatures: none may
// store a file.
func FuzzUploadPolicy(f *testing.F) {
	f.Add("eyJuIjoieCIsIm0iOjEwMCwidCI6WyJpbWFnZS9wbmciXSwiZSI6OTk5OTk5OTk5OX0", "sig")
	f.Add("", "")
	f.Add("%%%", "....")
	dir := f.TempDir()
	store, err := localmedia.New(dir, localmedia.WithSigningKey(testKey))
	if err != nil {
		f.Fatal(err)
	}
	defer store.Close()
	h := store.Handler()
	img := mediatest.PNG(2, 2)
	f.Fuzz(func(t *testing.T, policy, sig string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField(localmedia.PolicyField, policy)
		_ = mw.WriteField(localmedia.SignatureField, sig)
		fw, _ := mw.CreateFormFile(localmedia.FileField, "x.png")
		_, _ = fw.Write(img)
		_ = mw.Close()
		req := httptest.NewRequest(http.MethodPost, "/media/"+localmedia.UploadPath, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code < 400 {
			t.Fatalf("an unsigned policy stored a file: %d %s", rec.Code, rec.Body.String())
		}
	})
}
