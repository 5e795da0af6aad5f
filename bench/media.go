package main

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/cloudinarymedia"
	"github.com/switchboard-go/switchboard/media/localmedia"
	"github.com/switchboard-go/switchboard/media/mediatest"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

func mediaRows(cfg config) []Row {
	var rows []Row
	for _, size := range []struct {
		name string
		w    int
	}{{"64 KiB", 128}, {"1 MiB", 512}} {
		name := fmt.Sprintf("localmedia Upload (%s PNG) vs bare io.Copy to a file", size.name)
		if cfg.want(name) {
			rows = append(rows, localUploadRow(cfg, name, mediatest.PNG(size.w, size.w)))
		}
	}
	if name := "Cloudinary request signature (SHA-1, 6 params) vs bare sha1 of the signed string"; cfg.want(name) {
		rows = append(rows, cloudinarySignRow(cfg, name))
	}
	if name := "Cloudinary notification Verify vs bare sha1"; cfg.want(name) {
		rows = append(rows, cloudinaryVerifyRow(cfg, name))
	}
	return rows
}

// localUploadRow compares a local upload (type sniffing, image header
// decoding, size limit, temporary file, sync, link into place) with a bare
// io.Copy of the same bytes into a file that is synced and closed, checks
// left out.
func localUploadRow(cfg config, name string, body []byte) Row {
	const goal = "≤ 1.20x time"
	dir, err := os.MkdirTemp("", "switchboard-bench-media")
	if err != nil {
		return errorRow(name, goal, err)
	}
	defer os.RemoveAll(dir)
	store, err := localmedia.New(filepath.Join(dir, "store"))
	if err != nil {
		return errorRow(name, goal, err)
	}
	defer store.Close()
	ctx := context.Background()
	bareDir := filepath.Join(dir, "bare")
	if err := os.MkdirAll(bareDir, 0o755); err != nil {
		return errorRow(name, goal, err)
	}
	s, b := micro{
		subject: func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for i := 0; i < b.N; i++ {
				a, err := store.Upload(ctx, &media.Upload{Folder: "bench", Name: "img", Body: bytes.NewReader(body), Overwrite: true})
				guard(b, err == nil && a.Bytes == int64(len(body)), "upload", err)
			}
		},
		baseline: func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for i := 0; i < b.N; i++ {
				f, err := os.Create(filepath.Join(bareDir, "img.png"))
				guard(b, err == nil, "create", err)
				_, err = io.Copy(f, bytes.NewReader(body))
				guard(b, err == nil, "copy", err)
				guard(b, f.Sync() == nil, "sync", nil)
				guard(b, f.Close() == nil, "close", nil)
			}
		},
	}.run(cfg.rounds)
	row := microRow(name, s, b, goal, func(r float64) bool { return r <= 1.2 })
	row.Note = "both sync the file; the upload also sniffs, decodes the header, writes a temporary file and renames it into place"
	return row
}

func cloudinarySignRow(cfg config, name string) Row {
	params := url.Values{
		"timestamp": {"1715000000"}, "public_id": {"products/0f3c9a1d2b4e5f60718293a4b5c6d7e8"},
		"overwrite": {"false"}, "allowed_formats": {"jpg,jpeg,png,gif,webp"},
		"notification_url": {"https://shop.example.com/webhooks/cloudinary"}, "type": {"upload"},
		"api_key": {"123456789012345"}, "file": {"ignored"},
	}
	const secret = "abcd1234SECRETefgh5678"
	signed := cloudinarymedia.StringToSign(params) + secret
	s, b := micro{
		subject: func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sig, err := cloudinarymedia.Sign(params, secret, cloudinarymedia.SHA1)
				guard(b, err == nil && len(sig) == 40, "sign", err)
			}
		},
		baseline: func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sum := sha1.Sum([]byte(signed))
				guard(b, len(hex.EncodeToString(sum[:])) == 40, "sha1", nil)
			}
		},
	}.run(cfg.rounds)
	row := microRow(name, s, b, "", nil)
	row.Note = "building the sorted string costs more than hashing it"
	return row
}

func cloudinaryVerifyRow(cfg config, name string) Row {
	now := time.Unix(1715000000, 0)
	const secret = "abcd1234SECRETefgh5678"
	body := webhookstest.CloudinaryUploadNotification("demo", "products/shoe", "jpg", 800, 600, 120253, now)
	h := webhookstest.SignCloudinary(body, secret, now)
	v, err := webhooks.NewCloudinary(secret, webhooks.WithClock(func() time.Time { return now }))
	if err != nil {
		return errorRow(name, "", err)
	}
	d := &webhooks.Delivery{Method: http.MethodPost, Header: h, Body: body, ReceivedAt: now}
	if _, err := v.Verify(d); err != nil {
		return errorRow(name, "", err)
	}
	ts := []byte(h.Get(webhooks.CloudinaryTimestampHeader))
	want := h.Get(webhooks.CloudinarySignatureHeader)
	bare := func() bool {
		s := sha1.New()
		s.Write(body)
		s.Write(ts)
		s.Write([]byte(secret))
		return hex.EncodeToString(s.Sum(nil)) == want
	}
	s, b := micro{
		subject:  verifyBench(v, d, func(ev []webhooks.Event) bool { return len(ev) == 1 }),
		baseline: bareBench(bare),
	}.run(cfg.rounds)
	row := microRow(fmt.Sprintf("%s (%d B)", name, len(body)), s, b, "", nil)
	row.Note = "verify + timestamp window + notification_type and body hash for the event ID"
	return row
}
