package webhookstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// GenerateSendGridKey returns a new ECDSA P-256 key pair for SendGrid's
// signed Event Webhook, with the public key in the form SendGrid shows it
// (base64 of its DER, PKIX encoding) to pass to webhooks.NewSendGrid.
func GenerateSendGridKey() (*ecdsa.PrivateKey, string, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, "", err
	}
	return priv, base64.StdEncoding.EncodeToString(der), nil
}

// SignSendGrid signs an Event Webhook body as SendGrid does:
// X-Twilio-Email-Event-Webhook-Timestamp is the Unix time and
// X-Twilio-Email-Event-Webhook-Signature the base64 ASN.1 DER ECDSA
// signature of the SHA-256 of the timestamp followed by the body.
// SendGrid's bodies are JSON arrays of events ending in "\r\n";
// SampleEvent("sendgrid", ...) returns one.
func SignSendGrid(payload []byte, priv *ecdsa.PrivateKey, t time.Time) (http.Header, error) {
	if priv == nil {
		return nil, errors.New("webhookstest: nil SendGrid private key")
	}
	ts := strconv.FormatInt(t.Unix(), 10)
	d := sha256.New()
	d.Write([]byte(ts))
	d.Write(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, priv, d.Sum(nil))
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Twilio-Email-Event-Webhook-Timestamp", ts)
	h.Set("X-Twilio-Email-Event-Webhook-Signature", base64.StdEncoding.EncodeToString(sig))
	return h, nil
}
