package paystackpay_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakePaystack is an httptest server that answers as Paystack's API
// documents it (PaystackOSS/openapi and the documentation's response
// samples): the {status, message, data} envelope, Bearer authentication,
// 400 "duplicate_reference" for a reused reference, 200 from verify for
// transactions in any state, queued refunds.
type fakePaystack struct {
	t   *testing.T
	srv *httptest.Server
	key string

	mu       sync.Mutex
	nextID   int
	txs      map[string]*fakeTx
	refunds  map[string]*fakeRefund
	requests []fakeRequest
	script   []scripted
	inject   int // when set, every request is answered with this status
}

type fakeTx struct {
	id              int
	reference       string
	email           string
	amount          int64
	currency        string
	status          string
	gatewayResponse string
	metadata        json.RawMessage
	createdAt       time.Time
	refunded        int64
}

type fakeRefund struct {
	id       int
	tx       *fakeTx
	amount   int64
	status   string
	note     string
	created  time.Time
	currency string
}

// fakeRequest is a request as the fake received it.
type fakeRequest struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// scripted is a canned answer for the next request to method and path.
type scripted struct {
	method, path string
	status       int
	body         string
	header       map[string]string
}

const testKey = "sk_test_0123456789abcdef"

var fakeCreated = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func newFakePaystack(t *testing.T) *fakePaystack {
	f := &fakePaystack{t: t, key: testKey, nextID: 1000,
		txs: make(map[string]*fakeTx), refunds: make(map[string]*fakeRefund)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// queue makes the next request to method and path get the given answer.
func (f *fakePaystack) queue(method, path string, status int, body string, header map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = append(f.script, scripted{method: method, path: path, status: status, body: body, header: header})
}

func (f *fakePaystack) recorded() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.requests...)
}

func (f *fakePaystack) count(method, path string) int {
	n := 0
	for _, r := range f.recorded() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func (f *fakePaystack) setStatus(reference, status, gatewayResponse string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tx, ok := f.txs[reference]
	require.True(f.t, ok, reference)
	tx.status, tx.gatewayResponse = status, gatewayResponse
}

// addTx records a transaction as if made elsewhere (the dashboard, another
// integration).
func (f *fakePaystack) addTx(reference string, amount int64, currency, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.txs[reference] = &fakeTx{id: f.nextID, reference: reference, email: "other@example.com", amount: amount,
		currency: currency, status: status, createdAt: fakeCreated}
}

func (f *fakePaystack) txCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.txs)
}

// settleRefund moves a refund to status; "processed" counts it against the
// transaction, which is reversed once fully refunded.
func (f *fakePaystack) settleRefund(id, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.refunds[id]
	require.True(f.t, ok, id)
	r.status = status
	if status == "processed" {
		r.tx.refunded += r.amount
		if r.tx.refunded >= r.tx.amount {
			r.tx.status = "reversed"
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string, extra map[string]any) {
	body := map[string]any{"status": false, "message": msg}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, status, body)
}

func (f *fakePaystack) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, fakeRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	if f.inject != 0 {
		status := f.inject
		f.mu.Unlock()
		fail(w, status, http.StatusText(status), nil)
		return
	}
	if len(f.script) > 0 && f.script[0].method == r.Method && f.script[0].path == r.URL.Path {
		s := f.script[0]
		f.script = f.script[1:]
		f.mu.Unlock()
		for k, v := range s.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(s.status)
		_, _ = io.WriteString(w, s.body)
		return
	}
	defer f.mu.Unlock()

	if r.Header.Get("Authorization") != "Bearer "+f.key {
		fail(w, http.StatusUnauthorized, "Invalid key", nil)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/transaction/initialize":
		f.initialize(w, body)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/transaction/verify/"):
		f.verify(w, strings.TrimPrefix(r.URL.Path, "/transaction/verify/"))
	case r.Method == http.MethodPost && r.URL.Path == "/refund":
		f.refund(w, body)
	case r.Method == http.MethodGet && r.URL.Path == "/refund":
		f.listRefunds(w, r.URL.Query().Get("reference"))
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/refund/"):
		f.fetchRefund(w, strings.TrimPrefix(r.URL.Path, "/refund/"))
	default:
		fail(w, http.StatusNotFound, "Not found", nil)
	}
}

func (f *fakePaystack) initialize(w http.ResponseWriter, body []byte) {
	var req struct {
		Email       string          `json:"email"`
		Amount      json.Number     `json:"amount"`
		Currency    string          `json:"currency"`
		Reference   string          `json:"reference"`
		CallbackURL string          `json:"callback_url"`
		Metadata    json.RawMessage `json:"metadata"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		fail(w, http.StatusBadRequest, "Invalid JSON", nil)
		return
	}
	amount, err := req.Amount.Int64()
	if req.Email == "" || err != nil {
		fail(w, http.StatusBadRequest, "Invalid Email Address Passed", map[string]any{
			"type": "validation_error", "code": "invalid_params", "meta": map[string]any{"nextStep": "Provide a valid email"}})
		return
	}
	if req.Reference != "" {
		if _, dup := f.txs[req.Reference]; dup {
			fail(w, http.StatusBadRequest, "Duplicate Transaction Reference", map[string]any{
				"type": "validation_error", "code": "duplicate_reference", "errorCodeMappingNotFound": false,
				"meta": map[string]any{"nextStep": "Try and create the Transaction or Charge with a new reference"}})
			return
		}
	}
	f.nextID++
	ref := req.Reference
	if ref == "" {
		ref = fmt.Sprintf("re4lyvq%d", f.nextID)
	}
	if req.Currency == "" {
		req.Currency = "NGN"
	}
	f.txs[ref] = &fakeTx{id: f.nextID, reference: ref, email: req.Email, amount: amount, currency: req.Currency,
		status: "abandoned", metadata: req.Metadata, createdAt: fakeCreated}
	access := fmt.Sprintf("acc%d", f.nextID)
	writeJSON(w, http.StatusOK, map[string]any{"status": true, "message": "Authorization URL created",
		"data": map[string]any{"authorization_url": "https://checkout.paystack.com/" + access, "access_code": access, "reference": ref}})
}

func (f *fakePaystack) txData(tx *fakeTx) map[string]any {
	var meta any = ""
	if len(tx.metadata) > 0 && string(tx.metadata) != "null" {
		meta = tx.metadata
	}
	gr := tx.gatewayResponse
	if gr == "" && tx.status == "success" {
		gr = "Successful"
	}
	return map[string]any{
		"id": tx.id, "domain": "test", "status": tx.status, "reference": tx.reference, "amount": tx.amount,
		"message": nil, "gateway_response": gr, "paid_at": nil, "created_at": tx.createdAt.Format("2006-01-02T15:04:05.000Z"),
		"channel": "card", "currency": tx.currency, "ip_address": "100.64.11.35", "metadata": meta,
		"fees": 100, "authorization": map[string]any{"authorization_code": "AUTH_ahisucjkru", "last4": "4081"},
		"customer":  map[string]any{"id": 89929267, "email": tx.email, "customer_code": "CUS_i5yosncbl8h2kvc"},
		"createdAt": tx.createdAt.Format("2006-01-02T15:04:05.000Z"), "requested_amount": tx.amount,
	}
}

func (f *fakePaystack) verify(w http.ResponseWriter, ref string) {
	tx, ok := f.txs[ref]
	if !ok {
		fail(w, http.StatusNotFound, "Transaction reference not found", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": true, "message": "Verification successful", "data": f.txData(tx)})
}

func (f *fakePaystack) findTx(s string) *fakeTx {
	if tx, ok := f.txs[s]; ok {
		return tx
	}
	for _, tx := range f.txs {
		if strconv.Itoa(tx.id) == s {
			return tx
		}
	}
	return nil
}

func (f *fakePaystack) refund(w http.ResponseWriter, body []byte) {
	var req struct {
		Transaction  string `json:"transaction"`
		Amount       int64  `json:"amount"`
		MerchantNote string `json:"merchant_note"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Transaction == "" {
		fail(w, http.StatusBadRequest, "Transaction reference is required", map[string]any{"type": "validation_error", "code": "invalid_params"})
		return
	}
	tx := f.findTx(req.Transaction)
	if tx == nil {
		fail(w, http.StatusNotFound, "Transaction not found", nil)
		return
	}
	if tx.status != "success" {
		fail(w, http.StatusBadRequest, "Cannot refund a transaction that has not been completed", map[string]any{"type": "validation_error", "code": "invalid_params"})
		return
	}
	held := int64(0)
	for _, r := range f.refunds {
		if r.tx == tx && r.status != "failed" {
			held += r.amount
		}
	}
	amount := req.Amount
	if amount == 0 {
		amount = tx.amount - held
	}
	if amount <= 0 || amount > tx.amount-held {
		fail(w, http.StatusBadRequest, "Refund amount cannot be more than the unrefunded transaction amount", map[string]any{"type": "validation_error", "code": "invalid_params"})
		return
	}
	f.nextID++
	rf := &fakeRefund{id: f.nextID, tx: tx, amount: amount, status: "pending", note: req.MerchantNote, created: fakeCreated, currency: tx.currency}
	f.refunds[strconv.Itoa(rf.id)] = rf
	writeJSON(w, http.StatusOK, map[string]any{"status": true, "message": "Refund has been queued for processing",
		"data": map[string]any{
			"transaction": map[string]any{"id": tx.id, "domain": "test", "reference": tx.reference, "amount": tx.amount, "currency": tx.currency},
			"integration": 412829, "deducted_amount": 0, "channel": nil, "merchant_note": rf.note,
			"customer_note": "Refund for transaction " + tx.reference, "status": rf.status, "refunded_by": "test@me.com",
			"expected_at": "2026-03-11T05:06:07.000Z", "currency": rf.currency, "domain": "test", "amount": rf.amount,
			"fully_deducted": false, "id": rf.id, "createdAt": rf.created.Format("2006-01-02T15:04:05.000Z"),
			"updatedAt": rf.created.Format("2006-01-02T15:04:05.000Z"),
		}})
}

// injectStatus makes every request fail with status (0 stops it).
func (f *fakePaystack) injectStatus(status int) {
	f.mu.Lock()
	f.inject = status
	f.mu.Unlock()
}

func (f *fakePaystack) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// listRefunds answers GET /refund, filtered by the transaction reference.
func (f *fakePaystack) listRefunds(w http.ResponseWriter, reference string) {
	list := []map[string]any{}
	for _, rf := range f.refunds {
		if reference == "" || rf.tx.reference == reference {
			list = append(list, refundData(rf))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": true, "message": "Refunds retrieved", "data": list,
		"meta": map[string]any{"total": len(list), "skipped": 0, "perPage": 100, "page": 1, "pageCount": 1}})
}

func (f *fakePaystack) fetchRefund(w http.ResponseWriter, id string) {
	rf, ok := f.refunds[id]
	if !ok {
		fail(w, http.StatusNotFound, "Refund not found", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": true, "message": "Refund retrieved", "data": refundData(rf)})
}

func refundData(rf *fakeRefund) map[string]any {
	return map[string]any{
		"integration": 412829, "transaction": rf.tx.id, "dispute": nil, "settlement": nil, "id": rf.id,
		"domain": "test", "currency": rf.currency, "amount": rf.amount, "status": rf.status, "refunded_at": nil,
		"refunded_by": "test@me.com", "customer_note": "", "merchant_note": rf.note, "deducted_amount": 0,
		"fully_deducted": 0, "createdAt": rf.created.Format("2006-01-02T15:04:05.000Z"), "bank_reference": nil,
		"transaction_reference": rf.tx.reference, "reason": rf.note, "refund_type": "partial",
		"transaction_amount": rf.tx.amount, "initiated_by": "merchant", "refund_channel": "card",
		"session_id": nil, "collect_account_number": false,
	}
}
