package webhooks

import (
	"fmt"
	"time"
)

// Shopify delivery headers.
const (
	// ShopifySignatureHeader carries the base64 HMAC-SHA256 of the body,
	// keyed with the app's client secret.
	ShopifySignatureHeader = "X-Shopify-Hmac-Sha256"
	// ShopifyEventIDHeader identifies the event; duplicates share it.
	ShopifyEventIDHeader = "X-Shopify-Event-Id"
	// ShopifyWebhookIDHeader identifies the delivery; used as the event ID
	// when X-Shopify-Event-Id is absent.
	ShopifyWebhookIDHeader = "X-Shopify-Webhook-Id"
	// ShopifyTopicHeader carries the topic ("orders/create", ...).
	ShopifyTopicHeader = "X-Shopify-Topic"
	// ShopifyTriggeredAtHeader carries when the event was triggered.
	ShopifyTriggeredAtHeader = "X-Shopify-Triggered-At"
)

// ShopifyVerifier verifies Shopify webhook deliveries. Build it with
// NewShopify.
type ShopifyVerifier struct {
	scheme *hmacScheme
}

// NewShopify returns a verifier for Shopify webhooks signed with the app's
// client secret. After a secret rotation Shopify may sign with the old
// secret for up to an hour, so pass the old one through WithSecrets until
// then. The event ID is X-Shopify-Event-Id, else X-Shopify-Webhook-Id; the
// type is X-Shopify-Topic; the time is X-Shopify-Triggered-At when it
// parses.
func NewShopify(clientSecret string, opts ...Option) (*ShopifyVerifier, error) {
	o := newOptions(opts)
	secrets, err := secretList("shopify", clientSecret, o)
	if err != nil {
		return nil, err
	}
	s, err := newHMACScheme("shopify", stringKeys(secrets), SHA256, Base64, ShopifySignatureHeader, "", "", "", "", o)
	if err != nil {
		return nil, err
	}
	return &ShopifyVerifier{scheme: s}, nil
}

// Provider returns "shopify".
func (v *ShopifyVerifier) Provider() string { return "shopify" }

// Verify checks the signature and returns the delivery's one event.
func (v *ShopifyVerifier) Verify(d *Delivery) ([]Event, error) {
	if _, err := v.scheme.verify(d); err != nil {
		return nil, err
	}
	id := headerValue(d.Header, ShopifyEventIDHeader)
	if id == "" {
		id = headerValue(d.Header, ShopifyWebhookIDHeader)
	}
	if id == "" {
		return nil, fmt.Errorf("%w: shopify headers X-Shopify-Event-Id and X-Shopify-Webhook-Id are absent", ErrMalformedHeader)
	}
	topic := headerValue(d.Header, ShopifyTopicHeader)
	if topic == "" {
		return nil, fmt.Errorf("%w: shopify header X-Shopify-Topic is absent", ErrMalformedHeader)
	}
	e := Event{Provider: "shopify", ID: id, Type: topic, Data: d.Body, Delivery: d}
	if at := headerValue(d.Header, ShopifyTriggeredAtHeader); at != "" {
		if t, err := time.Parse(time.RFC3339Nano, at); err == nil {
			e.Time = t
		}
	}
	return []Event{e}, nil
}
