package webhookstest

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"strconv"
	"time"
)

// SignCloudinary signs a notification as Cloudinary does for an account
// that signs with SHA-1: X-Cld-Timestamp is the Unix time and
// X-Cld-Signature the hex SHA-1 of the body, the timestamp and the API
// secret, concatenated.
func SignCloudinary(payload []byte, apiSecret string, t time.Time) http.Header {
	return signCloudinary(sha1.New, payload, apiSecret, t)
}

// SignCloudinarySHA256 is SignCloudinary for accounts that sign with
// SHA-256.
func SignCloudinarySHA256(payload []byte, apiSecret string, t time.Time) http.Header {
	return signCloudinary(sha256.New, payload, apiSecret, t)
}

func signCloudinary(newHash func() hash.Hash, payload []byte, secret string, t time.Time) http.Header {
	ts := strconv.FormatInt(t.Unix(), 10)
	h := newHash()
	h.Write(payload)
	h.Write([]byte(ts))
	h.Write([]byte(secret))
	hd := jsonHeader()
	hd.Set("X-Cld-Timestamp", ts)
	hd.Set("X-Cld-Signature", hex.EncodeToString(h.Sum(nil)))
	return hd
}

// CloudinaryUploadNotification returns the body of an "upload"
// notification for an image asset, shaped like Cloudinary's documented
// payload.
func CloudinaryUploadNotification(cloud, publicID, format string, width, height int, bytes int64, t time.Time) []byte {
	version := strconv.FormatInt(t.Unix(), 10)
	u := "https://res.cloudinary.com/" + cloud + "/image/upload/v" + version + "/" + publicID + "." + format
	return []byte(`{"notification_type":"upload","timestamp":"` + t.UTC().Format(time.RFC3339) + `",` +
		`"request_id":"` + randomHex(16) + `","asset_id":"` + randomHex(16) + `","public_id":` + strconv.Quote(publicID) +
		`,"version":` + version + `,"version_id":"` + randomHex(16) + `","width":` + strconv.Itoa(width) +
		`,"height":` + strconv.Itoa(height) + `,"format":` + strconv.Quote(format) + `,"resource_type":"image",` +
		`"created_at":"` + t.UTC().Format(time.RFC3339) + `","tags":[],"bytes":` + strconv.FormatInt(bytes, 10) +
		`,"type":"upload","etag":"` + randomHex(16) + `","placeholder":false,"url":` + strconv.Quote("http"+u[5:]) +
		`,"secure_url":` + strconv.Quote(u) + `,"original_filename":"upload"}`)
}
