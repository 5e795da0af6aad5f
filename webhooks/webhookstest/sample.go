package webhookstest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrUnknownProvider is returned by SampleEvent for a provider it does not
// know.
var ErrUnknownProvider = errors.New("webhookstest: unknown provider")

// Providers lists the provider names SampleEvent accepts, as the
// verifiers' Provider methods spell them.
func Providers() []string {
	return []string{
		"stripe", "paystack", "github", "standardwebhooks", "svix", "twilio",
		"sendgrid", "slack", "shopify", "mandrill", "flutterwave", "hmac", "cloudinary", "africastalking",
	}
}

// EventTypes returns event types of provider whose sample payload
// SampleEvent shapes as the provider does, or nil when the provider lets
// the sender name any type (standardwebhooks, svix, hmac). For another
// type SampleEvent still returns a payload, but one the provider would not
// send with it: the GitHub verifier, which checks X-GitHub-Event against
// the payload's members, rejects it.
func EventTypes(provider string) []string {
	switch normalizeProvider(provider) {
	case "stripe":
		return []string{"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
			"payment_intent.processing", "payment_intent.requires_action", "charge.succeeded", "charge.failed",
			"charge.refunded", "charge.captured"}
	case "paystack":
		return []string{"charge.success", "charge.failed", "refund.processed", "refund.pending", "refund.failed",
			"transfer.success", "transfer.failed"}
	case "github":
		return []string{"ping", "push", "pull_request"}
	case "twilio":
		return []string{"message-status", "queued", "sending", "sent", "delivered", "undelivered", "failed", "received", "read",
			"initiated", "ringing", "answered", "in-progress", "completed", "busy", "no-answer", "canceled"}
	case "sendgrid":
		return []string{"processed", "deferred", "delivered", "bounce", "dropped", "open", "click",
			"spamreport", "unsubscribe", "group_unsubscribe", "group_resubscribe"}
	case "slack":
		return []string{"app_mention", "message", "reaction_added", "url_verification"}
	case "shopify":
		var out []string
		for r := range shopifyObjects {
			out = append(out, r+"/create", r+"/update")
		}
		sort.Strings(out)
		return append(out, "orders/paid", "orders/cancelled", "orders/fulfilled", "orders/updated", "products/delete")
	case "mandrill":
		return []string{"send", "deferral", "hard_bounce", "soft_bounce", "open", "click", "spam", "unsub", "reject"}
	case "flutterwave":
		return []string{"charge.completed", "transfer.completed"}
	case "cloudinary":
		return []string{"upload", "delete"}
	case "africastalking":
		return []string{"Success", "Failed", "Rejected", "Sent", "Submitted", "Buffered", "incoming"}
	}
	return nil
}

// DefaultEventType returns the event type SampleEvent uses for provider
// when given an empty one.
func DefaultEventType(provider string) string {
	switch normalizeProvider(provider) {
	case "stripe":
		return "payment_intent.succeeded"
	case "paystack":
		return "charge.success"
	case "github":
		return "push"
	case "standardwebhooks", "svix":
		return "invoice.paid"
	case "twilio":
		return "delivered"
	case "sendgrid":
		return "delivered"
	case "slack":
		return "app_mention"
	case "shopify":
		return "orders/create"
	case "mandrill":
		return "send"
	case "flutterwave":
		return "charge.completed"
	case "hmac":
		return "order.created"
	case "cloudinary":
		return "upload"
	case "africastalking":
		return "Success"
	}
	return ""
}

func normalizeProvider(p string) string {
	p = strings.ToLower(strings.TrimSpace(p))
	switch p {
	case "standard-webhooks", "standard_webhooks", "standard":
		return "standardwebhooks"
	case "mailchimp", "mailchimp-transactional":
		return "mandrill"
	case "generic":
		return "hmac"
	case "africas-talking", "africas_talking", "at":
		return "africastalking"
	}
	return p
}

// SampleEvent returns a realistic payload of eventType for provider, with
// fresh random identifiers and the current time, shaped like the
// provider's documented deliveries. An empty eventType means
// DefaultEventType(provider). The bytes are what the matching signer
// expects as payload:
//   - twilio: a form-encoded body (parse it with url.ParseQuery for
//     SignTwilio, or send it as is). eventType is a message status
//     ("delivered", "received", ...), "message-status" for the status
//     callback of a delivered outbound message, or a call status
//     ("ringing", "completed", ...).
//   - africastalking: a form-encoded SMS notification for
//     SignAfricasTalking: a delivery report of the status eventType
//     ("Success", "Failed", ...), or an incoming message for "incoming".
//   - cloudinary: an upload or delete notification for SignCloudinary.
//   - mandrill: the JSON array of events for SignMandrill.
//   - sendgrid: a JSON array of events ending in "\r\n".
//   - slack: an Events API event_callback, or the url_verification
//     challenge when eventType is "url_verification".
//   - the others: a JSON object.
func SampleEvent(provider, eventType string) ([]byte, error) {
	p := normalizeProvider(provider)
	if eventType == "" {
		eventType = DefaultEventType(p)
	}
	now := time.Now().UTC()
	var v any
	switch p {
	case "stripe":
		v = sampleStripe(eventType, now)
	case "paystack":
		v = samplePaystack(eventType, now)
	case "github":
		v = sampleGitHub(eventType)
	case "standardwebhooks", "svix":
		v = sampleStandard(eventType, now)
	case "twilio":
		return sampleTwilio(eventType, now), nil
	case "africastalking":
		return sampleAfricasTalking(eventType, now), nil
	case "cloudinary":
		return sampleCloudinary(eventType, now), nil
	case "sendgrid":
		b, err := json.Marshal([]any{sampleSendGrid(eventType, now)})
		if err != nil {
			return nil, err
		}
		return append(b, '\r', '\n'), nil
	case "slack":
		v = sampleSlack(eventType, now)
	case "shopify":
		v = sampleShopify(eventType, now)
	case "mandrill":
		v = []any{sampleMandrill(eventType, now)}
	case "flutterwave":
		v = sampleFlutterwave(eventType, now)
	case "hmac":
		v = map[string]any{
			"id": "evt_" + randomHex(12), "type": eventType, "created_at": now.Format(time.RFC3339),
			"data": map[string]any{"order_id": "ord_" + randomHex(6), "amount": 4200, "currency": "USD"},
		}
	default:
		return nil, fmt.Errorf("%w %q", ErrUnknownProvider, provider)
	}
	return json.Marshal(v)
}

func sampleStripe(typ string, now time.Time) any {
	pi := "pi_" + randomHex(12)
	obj := map[string]any{
		"id": pi, "object": "payment_intent", "amount": 2000, "amount_received": 2000,
		"currency": "usd", "status": "succeeded", "created": now.Unix(), "livemode": false,
		"metadata":       map[string]any{"order_id": "6735"},
		"payment_method": "pm_" + randomHex(12),
	}
	switch {
	case strings.HasPrefix(typ, "charge."):
		obj = map[string]any{
			"id": "ch_" + randomHex(12), "object": "charge", "amount": 2000, "currency": "usd",
			"paid": true, "status": "succeeded", "payment_intent": pi, "created": now.Unix(),
		}
	case strings.HasPrefix(typ, "payment_intent.") && typ != "payment_intent.succeeded":
		obj["status"] = strings.TrimPrefix(typ, "payment_intent.")
		obj["amount_received"] = 0
	}
	return map[string]any{
		"id": "evt_" + randomHex(12), "object": "event", "api_version": "2023-10-16",
		"created": now.Unix(), "livemode": false, "pending_webhooks": 1, "type": typ,
		"request": map[string]any{"id": "req_" + randomHex(7), "idempotency_key": randomUUID()},
		"data":    map[string]any{"object": obj},
	}
}

func samplePaystack(typ string, now time.Time) any {
	return map[string]any{
		"event": typ,
		"data": map[string]any{
			"id": rand.IntN(900000000) + 100000000, "domain": "test", "status": "success",
			"reference": randomHex(5), "amount": 1000000, "currency": "NGN", "channel": "card",
			"gateway_response": "Successful", "paid_at": now.Format(time.RFC3339),
			"created_at": now.Add(-time.Minute).Format(time.RFC3339),
			"customer":   map[string]any{"id": rand.IntN(90000000) + 10000000, "email": "customer@example.com", "customer_code": "CUS_" + randomHex(7)},
			"authorization": map[string]any{
				"authorization_code": "AUTH_" + randomHex(5), "bin": "408408", "last4": "4081",
				"exp_month": "12", "exp_year": "2030", "card_type": "visa", "bank": "TEST BANK", "reusable": true,
			},
		},
	}
}

func sampleGitHub(typ string) any {
	repo := map[string]any{
		"id": rand.IntN(900000000) + 100000000, "name": "hello-world", "full_name": "octo-org/hello-world",
		"private": false, "default_branch": "main", "html_url": "https://github.com/octo-org/hello-world",
	}
	sender := map[string]any{"login": "octocat", "id": 1, "type": "User"}
	switch typ {
	case "ping":
		return map[string]any{
			"zen": "Keep it logically awesome.", "hook_id": rand.IntN(900000000) + 100000000,
			"hook":       map[string]any{"type": "Repository", "active": true, "events": []string{"push", "pull_request"}},
			"repository": repo, "sender": sender,
		}
	case "push":
		before, after := randomHex(20), randomHex(20)
		return map[string]any{
			"ref": "refs/heads/main", "before": before, "after": after, "created": false, "deleted": false,
			"forced": false, "compare": "https://github.com/octo-org/hello-world/compare/" + before[:12] + "..." + after[:12],
			"commits": []any{map[string]any{
				"id": after, "message": "Update README.md", "timestamp": time.Now().UTC().Format(time.RFC3339),
				"author": map[string]any{"name": "Mona Octocat", "email": "mona@example.com", "username": "octocat"},
			}},
			"pusher":     map[string]any{"name": "octocat", "email": "mona@example.com"},
			"repository": repo, "sender": sender,
		}
	default:
		return map[string]any{
			"action": "opened",
			"number": rand.IntN(500) + 1,
			"pull_request": map[string]any{
				"id": rand.IntN(900000000) + 100000000, "state": "open", "title": "Add a feature",
				"user": sender, "head": map[string]any{"ref": "feature"}, "base": map[string]any{"ref": "main"},
			},
			"repository": repo, "sender": sender,
		}
	}
}

func sampleStandard(typ string, now time.Time) any {
	return map[string]any{
		"type": typ, "timestamp": now.Format(time.RFC3339Nano),
		"data": map[string]any{"id": "inv_" + randomHex(8), "status": "paid", "amount": 4900, "currency": "USD", "customer_id": "cus_" + randomHex(8)},
	}
}

var twilioCallStatuses = map[string]bool{
	"queued": false, "initiated": true, "ringing": true, "answered": true, "in-progress": true,
	"completed": true, "busy": true, "no-answer": true, "canceled": true,
}

func sampleTwilio(status string, now time.Time) []byte {
	account := "AC" + randomHex(16)
	if status == "message-status" {
		// The status callback of an outbound message the carrier
		// delivered, with the parameters Twilio documents for it.
		sid := "SM" + randomHex(16)
		return []byte(url.Values{
			"AccountSid": {account}, "ApiVersion": {"2010-04-01"}, "MessageSid": {sid}, "SmsSid": {sid},
			"From": {"+15017122661"}, "To": {"+15558675310"}, "MessageStatus": {"delivered"}, "SmsStatus": {"delivered"},
			"RawDlrDoneDate": {now.UTC().Format("0601021504")},
		}.Encode())
	}
	if twilioCallStatuses[status] {
		return []byte(url.Values{
			"AccountSid": {account}, "ApiVersion": {"2010-04-01"}, "CallSid": {"CA" + randomHex(16)},
			"CallStatus": {status}, "Called": {"+15558675310"}, "Caller": {"+15017122661"},
			"Direction": {"outbound-api"}, "From": {"+15017122661"}, "To": {"+15558675310"},
			"Timestamp": {now.Format(time.RFC1123Z)}, "CallbackSource": {"call-progress-events"},
			"SequenceNumber": {"0"}, "CallDuration": {"0"},
		}.Encode())
	}
	sid := "SM" + randomHex(16)
	form := url.Values{
		"AccountSid": {account}, "ApiVersion": {"2010-04-01"}, "MessageSid": {sid}, "SmsSid": {sid},
		"From": {"+15017122661"}, "To": {"+15558675310"}, "MessageStatus": {status}, "SmsStatus": {status},
	}
	if status == "received" {
		form.Set("Body", "Hello from webhookstest")
		form.Set("NumMedia", "0")
		form.Set("NumSegments", "1")
		form.Set("SmsMessageSid", sid)
		form.Del("MessageStatus")
		form.Set("From", "+15558675310")
		form.Set("To", "+15017122661")
	}
	return []byte(form.Encode())
}

func sampleSendGrid(typ string, now time.Time) any {
	msgID := randomHex(11)
	ev := map[string]any{
		"email": "example@test.com", "timestamp": now.Unix(), "event": typ,
		"smtp-id":       "<" + msgID + "@ismtpd0001p1lon1.sendgrid.net>",
		"sg_event_id":   base64ID(),
		"sg_message_id": msgID + ".filterdrecv-p3las1-" + randomHex(5) + "-1-" + strconv.FormatInt(now.Unix(), 16) + "-0",
		"category":      []string{"welcome"},
	}
	switch typ {
	case "delivered":
		ev["response"] = "250 OK"
	case "bounce", "dropped":
		ev["reason"] = "550 5.1.1 The email account that you tried to reach does not exist."
		ev["status"] = "5.1.1"
	case "open", "click":
		ev["useragent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
		ev["ip"] = "255.255.255.255"
		if typ == "click" {
			ev["url"] = "https://example.com/welcome"
		}
	}
	return ev
}

// base64ID returns an identifier shaped like SendGrid's sg_event_id.
func base64ID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, 22)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

func sampleSlack(typ string, now time.Time) any {
	if typ == "url_verification" {
		return map[string]any{"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": randomHex(24), "type": "url_verification"}
	}
	ts := strconv.FormatInt(now.Unix(), 10) + ".000200"
	return map[string]any{
		"token": "XXYYZZ", "team_id": "T" + strings.ToUpper(randomHex(4)), "api_app_id": "A" + strings.ToUpper(randomHex(4)),
		"type": "event_callback", "event_id": "Ev" + strings.ToUpper(randomHex(5)), "event_time": now.Unix(),
		"event": map[string]any{
			"type": typ, "user": "U" + strings.ToUpper(randomHex(4)), "text": "<@U0LAN0Z89> is it everything a river should be?",
			"ts": ts, "channel": "C" + strings.ToUpper(randomHex(4)), "event_ts": ts,
		},
	}
}

// shopifyObjects maps a topic's resource to the object type its payloads
// name in admin_graphql_api_id.
var shopifyObjects = map[string]string{
	"orders": "Order", "products": "Product", "customers": "Customer", "draft_orders": "DraftOrder",
	"collections": "Collection", "fulfillments": "Fulfillment", "refunds": "Refund",
	"inventory_items": "InventoryItem", "locations": "Location",
}

func sampleShopify(topic string, now time.Time) any {
	id := rand.Int64N(9000000000000) + 1000000000000
	resource, _, _ := strings.Cut(topic, "/")
	object, ok := shopifyObjects[resource]
	if !ok {
		object = "Order"
	}
	return map[string]any{
		"id": id, "admin_graphql_api_id": "gid://shopify/" + object + "/" + strconv.FormatInt(id, 10),
		"email": "jon@example.com", "created_at": now.Format(time.RFC3339), "updated_at": now.Format(time.RFC3339),
		"currency": "USD", "total_price": "199.00", "subtotal_price": "189.00", "financial_status": "paid",
		"name": "#" + strconv.Itoa(rand.IntN(9000)+1000), "test": true,
		"line_items": []any{map[string]any{"id": rand.Int64N(9000000000) + 1000000000, "title": "IPod Nano - 8GB", "quantity": 1, "price": "189.00", "sku": "IPOD2008PINK"}},
	}
}

func sampleMandrill(typ string, now time.Time) any {
	id := randomHex(16)
	msg := map[string]any{
		"ts": now.Add(-time.Minute).Unix(), "_id": id, "state": "sent", "subject": "This an example webhook message",
		"email": "example.webhook@mandrillapp.com", "sender": "example.sender@mandrillapp.com",
		"tags": []string{"webhook-example"}, "opens": []any{}, "clicks": []any{},
		"metadata": map[string]any{"user_id": 111}, "_version": randomHex(11),
	}
	ev := map[string]any{"event": typ, "_id": id, "msg": msg, "ts": now.Unix()}
	switch typ {
	case "open", "click":
		ev["ip"] = "127.0.0.1"
		ev["user_agent"] = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"
		if typ == "click" {
			ev["url"] = "https://example.com/welcome"
		}
	case "hard_bounce", "soft_bounce":
		msg["state"] = "bounced"
		msg["bounce_description"] = "bad_mailbox"
		msg["diag"] = "smtp;550 5.1.1 The email account that you tried to reach does not exist."
	}
	return ev
}

func sampleFlutterwave(typ string, now time.Time) any {
	return map[string]any{
		"event": typ,
		"data": map[string]any{
			"id": rand.IntN(9000000) + 1000000, "tx_ref": "tx-" + randomHex(6), "flw_ref": "FLW-MOCK-" + randomHex(8),
			"amount": 100, "charged_amount": 100, "app_fee": 1.4, "currency": "NGN", "status": "successful",
			"payment_type": "card", "created_at": now.Format(time.RFC3339),
			"customer": map[string]any{"id": rand.IntN(900000) + 100000, "name": "Yemi Desola", "email": "user@example.com"},
		},
		"event.type": "CARD_TRANSACTION",
	}
}

func sampleAfricasTalking(typ string, now time.Time) []byte {
	if typ == "incoming" {
		return []byte(url.Values{
			"date": {now.UTC().Format("2006-01-02 15:04:05")}, "from": {"+254711082300"}, "id": {randomUUID()},
			"linkId": {randomUUID()}, "text": {"Hello from webhookstest"}, "to": {"20880"}, "networkCode": {"63902"},
		}.Encode())
	}
	reason := ""
	if typ == "Failed" || typ == "Rejected" {
		reason = "UserInBlackList"
	}
	return []byte(AfricasTalkingDeliveryReport("ATXid_"+randomHex(16), typ, "+254711082300", reason).Encode())
}

func sampleCloudinary(typ string, now time.Time) []byte {
	if typ == "delete" {
		return []byte(`{"notification_type":"delete","timestamp":"` + now.UTC().Format(time.RFC3339) + `",` +
			`"request_id":"` + randomHex(16) + `","resources":[{"resource_type":"image","type":"upload",` +
			`"asset_id":"` + randomHex(16) + `","public_id":"products/sample","version":` + strconv.FormatInt(now.Unix(), 10) + `}]}`)
	}
	return CloudinaryUploadNotification("demo", "products/sample", "jpg", 800, 600, 120412, now)
}
