package paystackpay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// envelope is Paystack's answer format: {"status": true, "message": "...",
// "data": {...}} on success and {"status": false, "message": "...", "type":
// "validation_error", "code": "duplicate_reference", "meta": {"nextStep":
// "..."}} on failure.
type envelope struct {
	Status  bool            `json:"status"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
	Type    string          `json:"type"`
	Code    string          `json:"code"`
	Meta    *struct {
		NextStep string `json:"nextStep"`
	} `json:"meta"`
}

// initializeRequest is the body of POST /transaction/initialize.
type initializeRequest struct {
	Email       string            `json:"email"`
	Amount      int64             `json:"amount"`
	Currency    string            `json:"currency"`
	Reference   string            `json:"reference,omitempty"`
	CallbackURL string            `json:"callback_url,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// initializeData is the data of a successful initialize answer.
type initializeData struct {
	AuthorizationURL string `json:"authorization_url"`
	AccessCode       string `json:"access_code"`
	Reference        string `json:"reference"`
}

// refundRequest is the body of POST /refund.
type refundRequest struct {
	Transaction  string `json:"transaction"`
	Amount       int64  `json:"amount,omitempty"`
	MerchantNote string `json:"merchant_note,omitempty"`
}

// customer is the part of Paystack's customer object we read.
type customer struct {
	Email string `json:"email"`
}

// transaction is a Paystack transaction as returned by verify and carried
// in charge.* webhooks.
type transaction struct {
	ID              flexString `json:"id"`
	Status          string     `json:"status"`
	Reference       string     `json:"reference"`
	Amount          flexInt    `json:"amount"`
	Currency        string     `json:"currency"`
	GatewayResponse string     `json:"gateway_response"`
	Message         string     `json:"message"`
	Metadata        metadata   `json:"metadata"`
	Customer        *customer  `json:"customer"`
	CreatedAt       string     `json:"created_at"`
	CreatedAtAlt    string     `json:"createdAt"`
}

// refundObject is a Paystack refund as returned by POST /refund and
// GET /refund/:id, and (in part) by refund.* webhooks. The create answer
// nests the transaction object under "transaction"; the fetch answer gives
// its numeric id there and the reference under "transaction_reference".
type refundObject struct {
	ID                   flexString      `json:"id"`
	Status               string          `json:"status"`
	Amount               flexInt         `json:"amount"`
	Currency             string          `json:"currency"`
	Transaction          json.RawMessage `json:"transaction"`
	TransactionReference string          `json:"transaction_reference"`
	RefundReference      flexString      `json:"refund_reference"`
	MerchantNote         string          `json:"merchant_note"`
	CustomerNote         string          `json:"customer_note"`
	CreatedAt            string          `json:"createdAt"`
	CreatedAtAlt         string          `json:"created_at"`
	Customer             *customer       `json:"customer"`
}

// transactionReference returns the reference of the refunded transaction,
// from "transaction_reference" or from a nested transaction object.
func (r *refundObject) transactionReference() string {
	if r.TransactionReference != "" {
		return r.TransactionReference
	}
	t := bytes.TrimSpace(r.Transaction)
	if len(t) > 0 && t[0] == '{' {
		var tx struct {
			Reference string `json:"reference"`
		}
		if json.Unmarshal(t, &tx) == nil {
			return tx.Reference
		}
	}
	return ""
}

// dispute is the data of a charge.dispute.* webhook.
type dispute struct {
	ID           flexString   `json:"id"`
	RefundAmount flexInt      `json:"refund_amount"`
	Currency     string       `json:"currency"`
	Status       string       `json:"status"`
	Category     string       `json:"category"`
	Transaction  *transaction `json:"transaction"`
	Customer     *customer    `json:"customer"`
}

var errNotInteger = errors.New("not an integer")

// flexInt decodes an integer amount that Paystack sends as a JSON number
// (20000) in some payloads and as a JSON string ("20000") in others. null
// and "" decode as zero.
type flexInt int64

// UnmarshalJSON accepts a JSON integer, a string holding one, or null.
func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*f = 0
		return nil
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*f = 0
			return nil
		}
	}
	n, err := parseIntAmount(s)
	if err != nil {
		return fmt.Errorf("paystackpay: amount %.40q: %w", s, err)
	}
	*f = flexInt(n)
	return nil
}

// parseIntAmount parses a base-10 integer, also accepting an exponent or a
// zero fraction that JSON encoders sometimes produce ("5000.0", "5e3").
func parseIntAmount(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	var num json.Number = json.Number(s)
	f, err := num.Float64()
	if err != nil || f != float64(int64(f)) || f > 1<<53 || f < -(1<<53) {
		return 0, errNotInteger
	}
	return int64(f), nil
}

// flexString decodes an identifier that arrives as a JSON number (3018284)
// or a JSON string ("123456"); null decodes as "".
type flexString string

// UnmarshalJSON accepts a JSON string, number or null.
func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*f = flexString(n.String())
	}
	return nil
}

// metadata decodes Paystack's metadata, which is an object when one was
// set but may come back as a string: "" when none was set, or the object
// serialized as JSON text. Values that are not strings are kept as their
// JSON text.
type metadata map[string]string

// UnmarshalJSON accepts an object, a string (empty or holding a JSON
// object) or null. Any other string is kept under the key "metadata".
func (m *metadata) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*m = nil
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
		if s[0] != '{' || !json.Valid([]byte(s)) {
			*m = metadata{"metadata": s}
			return nil
		}
		b = []byte(s)
	}
	if b[0] != '{' {
		// Arrays, numbers and booleans carry no key-value metadata.
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if len(raw) == 0 {
		return nil
	}
	out := make(metadata, len(raw))
	for k, v := range raw {
		var s string
		if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil {
			out[k] = s
			continue
		}
		var buf bytes.Buffer
		if json.Compact(&buf, v) == nil {
			out[k] = buf.String()
		} else {
			out[k] = string(v)
		}
	}
	*m = out
	return nil
}

// parseTime reads Paystack's timestamps ("2022-08-09T14:20:57.000Z").
func parseTime(values ...string) time.Time {
	for _, v := range values {
		if v == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
