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
	if name := "media.Check (64 KiB PNG) vs bare io.Copy, both to io.Discard"; cfg.want(name) {
		rows = append(rows, checkRow(cfg, name, mediatest.PNG(128, 128)))
	}
	if name := "Cloudinary request signature (SHA-1, 6 params) vs bare sha1 of the signed string"; cfg.want(name) {
		rows = append(rows, cloudinarySignRow(cfg, name))
	}
	if name := "Cloudinary notification Verify vs bare sha1"; cfg.want(name) {
		rows = append(rows, cloudinaryVerifyRow(cfg, name))
	}
	return rows
}

// localUploadRow compares a local upload of a new asset (type sniffing,
// image header decoding, size limit, temporary file, sync, link into
// place) with a bare io.Copy of the same bytes into a new file that is
// synced and closed, checks left out. Each iteration writes a new file, as
// uploads with random names do.
func localUploadRow(cfg config, name string, body []byte) Row {
	const goal = "≤ 1.20x time"
	dir, err := os.MkdirTemp("", "switchboard-bench-media")
	if err != nil {
		return errorRow(name, goal, err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	// fresh gives each benchmark run its own directory, removed after the
	// run outside the timer, so that runs do not fill the disk.
	fresh := func(b *testing.B) string {
		b.StopTimer()
		d, err := os.MkdirTemp(dir, "run")
		guard(b, err == nil, "mkdir", err)
		b.Cleanup(func() { _ = os.RemoveAll(d) })
		b.StartTimer()
		return d
	}
	s, b := micro{
		subject: func(b *testing.B) {
			store, err := localmedia.New(fresh(b))
			guard(b, err == nil, "new", err)
			defer store.Close()
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for i := 0; i < b.N; i++ {
				a, err := store.Upload(ctx, &media.Upload{Folder: "bench", Body: bytes.NewReader(body)})
				guard(b, err == nil && a.Bytes == int64(len(body)), "upload", err)
			}
		},
		baseline: func(b *testing.B) {
			d := filepath.Join(fresh(b), "public", "bench")
			guard(b, os.MkdirAll(d, 0o755) == nil, "mkdir", nil)
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for i := 0; i < b.N; i++ {
				f, err := os.Create(filepath.Join(d, media.RandomName()+".png"))
				guard(b, err == nil, "create", err)
				_, err = io.Copy(f, bytes.NewReader(body))
				guard(b, err == nil, "copy", err)
				guard(b, f.Sync() == nil, "sync", nil)
				guard(b, f.Close() == nil, "close", nil)
			}
		},
	}.run(max(cfg.rounds, 5)) // fsync latency on a shared disk is noisy: best of 5
	row := microRow(name, s, b, goal, func(r float64) bool { return r <= 1.2 })
	row.Note = "new file each time, both synced; the upload also sniffs, decodes the header, and writes a temporary file linked into place"
	return row
}

// checkRow isolates the content checks from the file system: sniffing,
// header decoding and the size limit over a stream, against copying it.
func checkRow(cfg config, name string, body []byte) Row {
	s, b := micro{
		subject: func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for i := 0; i < b.N; i++ {
				c, err := media.Check(bytes.NewReader(body), media.Limits{})
				guard(b, err == nil, "check", err)
				n, err := io.Copy(io.Discard, c)
				guard(b, err == nil && n == int64(len(body)), "copy", err)
			}
		},
		baseline: func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for i := 0; i < b.N; i++ {
				n, err := io.Copy(io.Discard, bytes.NewReader(body))
				guard(b, err == nil && n == int64(len(body)), "copy", err)
			}
		},
	}.run(cfg.rounds)
	row := microRow(name, s, b, "", nil)
	row.Note = "the checks alone, without the file system: what they add to an upload in absolute time"
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
