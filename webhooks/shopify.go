package webhooks

import (
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/webhooks/internal/jsonscan"
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

// shopifyScheme is Shopify's signature: the base64 HMAC-SHA256 of the
// body.
var shopifyScheme = HMACConfig{Provider: "shopify", Header: ShopifySignatureHeader, Hash: SHA256, Encoding: Base64}

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
//
// Shopify signs the body but none of those headers. The Handler therefore
// de-duplicates on the body (Event.DedupKey is "sha256:" and the hex
// SHA-256 of the body), so a captured body resent under a new ID is a
// duplicate and an ID sent in advance never suppresses another body. The
// body must be valid JSON; when it carries a top-level
// admin_graphql_api_id naming an orders, products, customers, draft
// orders, collections, fulfillments, refunds, inventory items or locations
// object, a topic about another of those resources is rejected
// (ErrMalformedHeader). The action within a resource ("orders/create"
// against "orders/updated") is said nowhere in a signed byte, and two
// genuine deliveries with byte-identical bodies within the Handler's TTL
// (Shopify may send orders/create and orders/updated with the same body)
// are processed once, under the topic that arrives first.
func NewShopify(clientSecret string, opts ...VerifierOption) (*ShopifyVerifier, error) {
	c, err := newVerifierConfig("shopify", shopifyScheme.accepts(), opts)
	if err != nil {
		return nil, err
	}
	secrets, err := checkSecrets("shopify", "client secret", clientSecret, c.secrets)
	if err != nil {
		return nil, err
	}
	s, err := newHMACScheme(shopifyScheme, stringKeys(secrets), c)
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
	// The topic is not signed: where the body names its resource, the
	// topic must be about that resource.
	var vals [1][]byte
	if err := readJSON("shopify", "body", shopifyFields, d.Body, vals[:]); err != nil {
		return nil, err
	}
	if gid, _ := jsonscan.String(vals[0]); !shopifyTopicMatches(topic, gid) {
		return nil, fmt.Errorf("%w: shopify X-Shopify-Topic does not match the signed body's admin_graphql_api_id", ErrMalformedHeader)
	}
	// Neither the ID headers nor the topic are signed: de-duplicate on the
	// signed body.
	e := Event{Provider: "shopify", ID: id, DedupKey: digestKey(d.Body), Type: topic, Data: d.Body, Delivery: d}
	if at := headerValue(d.Header, ShopifyTriggeredAtHeader); at != "" {
		if t, err := time.Parse(time.RFC3339Nano, at); err == nil {
			e.Time = t
		}
	}
	return []Event{e}, nil
}

var shopifyFields = jsonscan.NewFields("admin_graphql_api_id")

// shopifyResources maps the resource part of a topic ("orders" in
// "orders/paid") to the object type of the admin_graphql_api_id its
// payloads carry ("gid://shopify/Order/...").
var shopifyResources = map[string]string{
	"orders": "Order", "products": "Product", "customers": "Customer", "draft_orders": "DraftOrder",
	"collections": "Collection", "fulfillments": "Fulfillment", "refunds": "Refund",
	"inventory_items": "InventoryItem", "locations": "Location",
}

// shopifyTopicMatches reports whether topic can be the topic of a body
// whose top-level admin_graphql_api_id is gid. It refuses only what it
// knows: a topic about one resource of shopifyResources on a body about
// another of them.
func shopifyTopicMatches(topic, gid string) bool {
	resource, _, _ := strings.Cut(topic, "/")
	want, known := shopifyResources[resource]
	rest, ok := strings.CutPrefix(gid, "gid://shopify/")
	if !known || !ok {
		return true
	}
	got, _, _ := strings.Cut(rest, "/")
	if got == want {
		return true
	}
	for _, t := range shopifyResources {
		if t == got {
			return false
		}
	}
	return true
}
