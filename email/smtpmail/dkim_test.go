package smtpmail

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
)

// verifyDKIM checks the DKIM-Signature of a raw message against pub,
// following RFC 6376 (simple and relaxed canonicalization, rsa-sha256)
// and RFC 8463 (ed25519-sha256). It is written independently of the
// signer so the test proves the signature verifies.
func verifyDKIM(raw []byte, pub crypto.PublicKey) (map[string]string, error) {
	headerBlock, body, found := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !found {
		return nil, errors.New("no header/body separator")
	}
	var fields []string // raw header fields, folding kept, without final CRLF
	for _, line := range strings.Split(string(headerBlock), "\r\n") {
		if (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")) && len(fields) > 0 {
			fields[len(fields)-1] += "\r\n" + line
			continue
		}
		fields = append(fields, line)
	}
	var sigField string
	for _, f := range fields {
		if strings.HasPrefix(strings.ToLower(f), "dkim-signature:") {
			sigField = f
		}
	}
	if sigField == "" {
		return nil, errors.New("no DKIM-Signature header")
	}
	tags := dkimTags(sigField[len("DKIM-Signature:"):])
	hc, bc, _ := strings.Cut(tags["c"], "/")

	// Body hash.
	var cb []byte
	if bc == "relaxed" {
		lines := strings.Split(string(body), "\r\n")
		for i, l := range lines {
			l = wsp.ReplaceAllString(l, " ")
			lines[i] = strings.TrimRight(l, " ")
		}
		cb = []byte(strings.Join(lines, "\r\n"))
	} else {
		cb = body
	}
	for bytes.HasSuffix(cb, []byte("\r\n")) {
		cb = cb[:len(cb)-2]
	}
	if len(cb) > 0 || bc != "relaxed" {
		cb = append(cb, "\r\n"...)
	}
	bh := sha256.Sum256(cb)
	if tags["bh"] != base64.StdEncoding.EncodeToString(bh[:]) {
		return tags, errors.New("body hash mismatch")
	}

	canon := func(f string) string {
		if hc != "relaxed" {
			return f
		}
		name, value, _ := strings.Cut(f, ":")
		value = strings.NewReplacer("\r\n", "").Replace(value)
		value = strings.TrimSpace(wsp.ReplaceAllString(value, " "))
		return strings.ToLower(strings.TrimSpace(name)) + ":" + value
	}
	// Signed headers, each taken from the bottom up.
	used := make(map[int]bool)
	var in strings.Builder
	for _, name := range strings.Split(tags["h"], ":") {
		for i := len(fields) - 1; i >= 0; i-- {
			fname, _, _ := strings.Cut(fields[i], ":")
			if used[i] || !strings.EqualFold(strings.TrimSpace(fname), strings.TrimSpace(name)) {
				continue
			}
			used[i] = true
			in.WriteString(canon(fields[i]) + "\r\n")
			break
		}
	}
	// The signature header itself, with an empty b= value.
	loc := bEqual.FindStringIndex(sigField)
	if loc == nil {
		return tags, errors.New("no b= tag")
	}
	in.WriteString(canon(sigField[:loc[1]]))
	digest := sha256.Sum256([]byte(in.String()))
	sig, err := base64.StdEncoding.DecodeString(tags["b"])
	if err != nil {
		return tags, err
	}
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if tags["a"] != "ed25519-sha256" {
			return tags, fmt.Errorf("algorithm %q", tags["a"])
		}
		if !ed25519.Verify(k, digest[:], sig) {
			return tags, errors.New("ed25519 signature does not verify")
		}
	case *rsa.PublicKey:
		if tags["a"] != "rsa-sha256" {
			return tags, fmt.Errorf("algorithm %q", tags["a"])
		}
		if err := rsa.VerifyPKCS1v15(k, crypto.SHA256, digest[:], sig); err != nil {
			return tags, fmt.Errorf("RSA signature does not verify: %w", err)
		}
	default:
		return tags, fmt.Errorf("unsupported key %T", pub)
	}
	return tags, nil
}

var (
	wsp    = regexp.MustCompile(`[ \t]+`)
	bEqual = regexp.MustCompile(`[;\s]b=`)
)

func dkimTags(value string) map[string]string {
	out := make(map[string]string)
	value = strings.NewReplacer("\r", "", "\n", "", "\t", "", " ", "").Replace(value)
	for _, kv := range strings.Split(value, ";") {
		k, v, ok := strings.Cut(kv, "=")
		if ok {
			out[k] = v
		}
	}
	return out
}

func TestDKIM(t *testing.T) {
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	require.NoError(t, err)
	parsed, err := ParseDKIMKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}))
	require.NoError(t, err)

	cases := []struct {
		name   string
		key    crypto.Signer
		pub    crypto.PublicKey
		simple bool
	}{
		{"Ed25519Relaxed", edKey, edPub, false},
		{"Ed25519Simple", edKey, edPub, true},
		{"RSARelaxed", parsed, &rsaKey.PublicKey, false},
		{"RSASimple", rsaKey, &rsaKey.PublicKey, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFakeServer(t, serverConfig{})
			s, err := New(fs.host, fs.port, WithDKIM(DKIM{Domain: "example.com", Selector: "mail", Key: tc.key, Simple: tc.simple}))
			require.NoError(t, err)
			m := testMessage("dkim")
			m.HTML = "<p>Signed   body</p>  \n\n"
			m.Attachments = []email.Attachment{{Filename: "a.txt", ContentType: "text/plain", Data: []byte("attached")}}
			// Concurrent sends share the configuration.
			var wg sync.WaitGroup
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := s.Send(context.Background(), m)
					assert.NoError(t, err)
				}()
			}
			wg.Wait()
			msgs := fs.messages()
			require.Len(t, msgs, 3)
			for _, got := range msgs {
				tags, err := verifyDKIM(got.Data, tc.pub)
				require.NoError(t, err)
				assert.Equal(t, "example.com", tags["d"])
				assert.Equal(t, "mail", tags["s"])
				want := "relaxed/relaxed"
				if tc.simple {
					want = "simple/simple"
				}
				assert.Equal(t, want, tags["c"])
				assert.Contains(t, strings.ToLower(tags["h"]), "from")
			}
			// A changed body or signed header no longer verifies.
			for _, change := range [][2]string{{"Hello dkim", "Hello DKIM"}, {"Subject: Test dkim", "Subject: Test DKIM"}} {
				tampered := bytes.Replace(msgs[0].Data, []byte(change[0]), []byte(change[1]), 1)
				require.NotEqual(t, msgs[0].Data, tampered, change[0])
				_, err := verifyDKIM(tampered, tc.pub)
				require.Error(t, err, change[0])
			}
		})
	}

	_, err = New("localhost", 25, WithDKIM(DKIM{Domain: "example.com", Key: edKey}))
	require.Error(t, err, "selector is required")
	_, err = New("localhost", 25, WithDKIM(DKIM{Domain: "example.com", Selector: "s"}))
	require.Error(t, err, "key is required")
	_, err = ParseDKIMKey([]byte("not pem"))
	require.Error(t, err)
}
