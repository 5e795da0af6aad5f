package smstest

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// Africa's Talking per-recipient status codes ("Send SMS", status codes).
const (
	ATProcessed             = 100
	ATSent                  = 101
	ATQueued                = 102
	ATRiskHold              = 401
	ATInvalidSenderID       = 402
	ATInvalidPhoneNumber    = 403
	ATUnsupportedNumberType = 404
	ATInsufficientBalance   = 405
	ATUserInBlacklist       = 406
	ATCouldNotRoute         = 407
	ATDoNotDisturb          = 409
	ATInternalServerError   = 500
	ATGatewayError          = 501
	ATRejectedByGateway     = 502
)

var atStatusNames = map[int]string{
	ATProcessed: "Processed", ATSent: "Success", ATQueued: "Queued", ATRiskHold: "RiskHold",
	ATInvalidSenderID: "InvalidSenderId", ATInvalidPhoneNumber: "InvalidPhoneNumber",
	ATUnsupportedNumberType: "UnsupportedNumberType", ATInsufficientBalance: "InsufficientBalance",
	ATUserInBlacklist: "UserInBlacklist", ATCouldNotRoute: "CouldNotRoute", ATDoNotDisturb: "DoNotDisturbRejection",
	ATInternalServerError: "InternalServerError", ATGatewayError: "GatewayError", ATRejectedByGateway: "RejectedByGateway",
}

// ATMessage is one message AfricasTalkingServer took, as its request gave
// it.
type ATMessage struct {
	MessageID string
	To        string
	From      string
	Message   string
	// Form is the request's form, every parameter as sent.
	Form url.Values
}

// AfricasTalkingServer is a fake of Africa's Talking's messaging API built
// from its documented request and response shapes: POST
// /version1/messaging with the apiKey header and a form of username, to
// (comma-separated), message, from and bulkSMSMode; 201 and
// {"SMSMessageData": {"Message": "Sent to 1/1 Total Cost: KES 0.8000",
// "Recipients": [{"statusCode", "number", "status", "cost",
// "messageId"}]}}, one entry per recipient, each checked on its own; 401
// with a text body for wrong credentials. It checks the method, the
// credentials (the apiKey header and the username), the content type, the
// Accept header and the required fields, answers per recipient with the
// status codes given to Refuse (101 Success otherwise), refuses a sender
// given to RefuseSender with an empty Recipients list and the summary
// "InvalidSenderId", and keeps what it sent. It is safe for concurrent use.
type AfricasTalkingServer struct {
	// URL is the server's base URL, for africastalkingsms.WithBaseURL.
	URL string
	// Username and APIKey are the credentials it accepts.
	Username, APIKey string

	srv     *httptest.Server
	mu      sync.Mutex
	calls   int
	msgs    []ATMessage
	refuse  map[string]int
	senders map[string]bool
	status  int // non-zero: every request answers this status
	garble  bool
	drop    bool
}

// NewAfricasTalkingServer starts an AfricasTalkingServer with the username
// "switchboard-test" and a random API key, and stops it when the test
// ends.
func NewAfricasTalkingServer(tb testing.TB) *AfricasTalkingServer {
	tb.Helper()
	s := StartAfricasTalkingServer()
	tb.Cleanup(s.Close)
	return s
}

// StartAfricasTalkingServer starts an AfricasTalkingServer with the
// username "switchboard-test" and a random API key; Close stops it. Tests
// use NewAfricasTalkingServer.
func StartAfricasTalkingServer() *AfricasTalkingServer {
	s := &AfricasTalkingServer{Username: "switchboard-test", APIKey: "atsk_" + randomHex(24), refuse: map[string]int{}, senders: map[string]bool{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *AfricasTalkingServer) Close() { s.srv.Close() }

// Calls returns how many requests reached the server.
func (s *AfricasTalkingServer) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Messages returns copies of the messages sent, one per recipient sent
// to, oldest first.
func (s *AfricasTalkingServer) Messages() []ATMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ATMessage(nil), s.msgs...)
}

// Lookup returns the message with messageId id.
func (s *AfricasTalkingServer) Lookup(id string) (ATMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.msgs {
		if m.MessageID == id {
			return m, true
		}
	}
	return ATMessage{}, false
}

// Refuse makes sends to number answer the per-recipient statusCode code
// (ATUserInBlacklist, ATInsufficientBalance...).
func (s *AfricasTalkingServer) Refuse(number string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse[number] = code
}

// RefuseSender makes sends from sender answer an empty Recipients list
// with the summary "InvalidSenderId", as Africa's Talking does for a sender
// ID the account may not use.
func (s *AfricasTalkingServer) RefuseSender(sender string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.senders[sender] = true
}

// Fail makes every request answer status with a text body until Clear,
// and returns Clear.
func (s *AfricasTalkingServer) Fail(status int) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
	return s.Clear
}

// Garble makes the server send messages but answer 201 with a body that is
// not the API's answer, until Clear.
func (s *AfricasTalkingServer) Garble() func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.garble = true
	return s.Clear
}

// Drop makes the server read each request, send the message, and close
// the connection without answering, until Clear.
func (s *AfricasTalkingServer) Drop() func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop = true
	return s.Clear
}

// Clear ends Fail, Garble and Drop.
func (s *AfricasTalkingServer) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.garble, s.drop = 0, false, false
}

func atText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg))
}

func (s *AfricasTalkingServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls++
	status, garble, drop := s.status, s.garble, s.drop
	s.mu.Unlock()

	switch {
	case r.URL.Path != "/version1/messaging":
		atText(w, http.StatusNotFound, "Not Found")
		return
	case r.Method != http.MethodPost:
		atText(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	case subtle.ConstantTimeCompare([]byte(r.Header.Get("apiKey")), []byte(s.APIKey)) != 1:
		atText(w, http.StatusUnauthorized, "The supplied authentication is invalid")
		return
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		atText(w, http.StatusBadRequest, "Content-Type must be application/x-www-form-urlencoded")
		return
	case r.Header.Get("Accept") != "application/json":
		atText(w, http.StatusNotAcceptable, "Accept must be application/json")
		return
	}
	if status != 0 {
		atText(w, status, http.StatusText(status))
		return
	}
	if err := r.ParseForm(); err != nil {
		atText(w, http.StatusBadRequest, "Invalid request body")
		return
	}
	form := r.PostForm
	switch {
	case form.Get("username") != s.Username:
		atText(w, http.StatusUnauthorized, "The supplied authentication is invalid")
		return
	case form.Get("to") == "":
		atText(w, http.StatusBadRequest, "Request is missing required form field 'to'")
		return
	case form.Get("message") == "":
		atText(w, http.StatusBadRequest, "Request is missing required form field 'message'")
		return
	}
	from := form.Get("from")
	s.mu.Lock()
	refusedSender := s.senders[from]
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if refusedSender {
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"SMSMessageData": map[string]any{"Message": "InvalidSenderId", "Recipients": []any{}}})
		return
	}
	type rcpt struct {
		StatusCode int    `json:"statusCode"`
		Number     string `json:"number"`
		Status     string `json:"status"`
		Cost       string `json:"cost"`
		MessageID  string `json:"messageId"`
	}
	var out []rcpt
	sent := 0
	for _, n := range strings.Split(form.Get("to"), ",") {
		n = strings.TrimSpace(n)
		s.mu.Lock()
		code, refused := s.refuse[n]
		s.mu.Unlock()
		if !refused && sms.CheckNumber(n) != nil {
			code, refused = ATInvalidPhoneNumber, true
		}
		if refused {
			out = append(out, rcpt{StatusCode: code, Number: n, Status: atStatusNames[code], Cost: "0", MessageID: "None"})
			continue
		}
		sent++
		id := "ATXid_" + randomHex(16)
		out = append(out, rcpt{StatusCode: ATSent, Number: n, Status: "Success", Cost: "KES 0.8000", MessageID: id})
		s.mu.Lock()
		s.msgs = append(s.msgs, ATMessage{MessageID: id, To: n, From: from, Message: form.Get("message"), Form: form})
		s.mu.Unlock()
	}
	if drop {
		hijackClose(w)
		return
	}
	w.WriteHeader(http.StatusCreated)
	if garble {
		_, _ = w.Write([]byte(`{"SMSMessageData": {"Message": "Sent to 1/1", "Recipients": [{"statusCode": "x"`))
		return
	}
	summary := fmt.Sprintf("Sent to %d/%d Total Cost: KES %.4f", sent, len(out), 0.8*float64(sent))
	_ = json.NewEncoder(w).Encode(map[string]any{"SMSMessageData": map[string]any{"Message": summary, "Recipients": out}})
}

// Report posts a delivery report for the message id to callbackURL (the
// notification URL as configured at Africa's Talking, without the token)
// with token in its token parameter, as Africa's Talking posts it: id,
// status, phoneNumber, networkCode, and failureReason for Rejected and
// Failed. It returns the endpoint's HTTP status.
func (s *AfricasTalkingServer) Report(ctx context.Context, callbackURL, token, id, status, failureReason string) (int, error) {
	m, ok := s.Lookup(id)
	if !ok {
		return 0, fmt.Errorf("smstest: no message %s", id)
	}
	target, h, body := webhookstest.SignAfricasTalking(callbackURL, webhookstest.AfricasTalkingDeliveryReport(id, status, m.To, failureReason), token)
	return post(ctx, target, h, body)
}
