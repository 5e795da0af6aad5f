package cloudinarymedia

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"net/url"
	"sort"
	"strings"
)

// Signature algorithms, as Cloudinary's signature_algorithm setting names
// them.
const (
	// SHA1 is the default of every Cloudinary account.
	SHA1 = "sha1"
	// SHA256 is used by accounts set to SHA-256 signatures.
	SHA256 = "sha256"
)

// unsigned lists the parameters Cloudinary leaves out of a signature.
var unsigned = map[string]bool{"file": true, "cloud_name": true, "resource_type": true, "api_key": true, "signature": true}

// StringToSign returns the string Cloudinary signs for params
// ("Generating authentication signatures"): every parameter but file,
// cloud_name, resource_type, api_key and signature, sorted by name, as
// name=value joined with '&', several values of one name joined with ','.
// Parameters with an empty value are left out, as the official SDKs do.
// Like the official Go SDK's default (signature version 2), an '&' inside
// a value is written "%26", so that a value cannot smuggle in another
// parameter.
func StringToSign(params url.Values) string {
	keys := make([]string, 0, len(params))
	for k, v := range params {
		if unsigned[k] || len(v) == 0 || (len(v) == 1 && v[0] == "") {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strings.ReplaceAll(strings.Join(params[k], ","), "&", "%26"))
	}
	return b.String()
}

// Sign returns the hex signature of params with apiSecret: the SHA-1 or
// SHA-256 digest of StringToSign(params) followed directly by the secret.
func Sign(params url.Values, apiSecret, algorithm string) (string, error) {
	h, err := newHash(algorithm)
	if err != nil {
		return "", err
	}
	h.Write([]byte(StringToSign(params)))
	h.Write([]byte(apiSecret))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func newHash(algorithm string) (hash.Hash, error) {
	switch algorithm {
	case SHA1, "":
		return sha1.New(), nil
	case SHA256:
		return sha256.New(), nil
	}
	return nil, fmt.Errorf("cloudinarymedia: unknown signature algorithm %q", algorithm)
}
