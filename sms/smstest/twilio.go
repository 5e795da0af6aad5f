package smstest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// Twilio's magic numbers for test credentials ("Test Credentials", Test
// SMS messages), which TwilioServer honours like Twilio does.
const (
	TwilioValidFrom         = "+15005550006" // a From that sends
	TwilioInvalidFrom       = "+15005550001" // From refused: 21212
	TwilioUnownedFrom       = "+15005550007" // From not owned by the account: 21606
	TwilioFullQueueFrom     = "+15005550008" // From whose queue is full: 21611
	TwilioInvalidTo         = "+15005550001" // To not valid: 21211
	TwilioUnroutableTo      = "+15005550002" // To cannot be reached: 21612
	TwilioNoPermissionTo    = "+15005550003" // To in a region the account may not send to: 21408
	TwilioUnsubscribedTo    = "+15005550004" // To opted out (STOP): 21610
	TwilioNotSMSCapableTo   = "+15005550009" // To is not a mobile number: 21614
	twilioAPIVersion        = "2010-04-01"
	twilioMaxBody           = 1600
	twilioMaxMedia          = 10
	twilioMessagingSIDStart = "MG"
)

var twilioToErrors = map[string]twilioErr{
	TwilioInvalidTo:       {400, 21211, "The 'To' number is not a valid phone number."},
	TwilioUnroutableTo:    {400, 21612, "The 'To' phone number is not currently reachable via SMS."},
	TwilioNoPermissionTo:  {400, 21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number."},
	TwilioUnsubscribedTo:  {400, 21610, "Attempt to send to unsubscribed recipient"},
	TwilioNotSMSCapableTo: {400, 21614, "'To' number is not a valid mobile number"},
}

var twilioFromErrors = map[string]twilioErr{
	TwilioInvalidFrom:   {400, 21212, "The 'From' number is not a valid phone number, shortcode, or alphanumeric sender ID."},
	TwilioUnownedFrom:   {400, 21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account."},
	TwilioFullQueueFrom: {400, 21611, "This 'From' number has exceeded the maximum number of queued messages."},
}

type twilioErr struct {
	status, code int
	message      string
}

// TwilioMessage is one message TwilioServer created, as its request gave
// it.
type TwilioMessage struct {
	SID                 string
	To                  string
	From                string
	MessagingServiceSID string
	Body                string
	MediaURLs           []string
	StatusCallback      string
	// Form is the request's form, every parameter as sent.
	Form url.Values
	// Status is the message's current status: queued (accepted with a
	// Messaging Service), then what Report sets.
	Status string
}

// TwilioServer is a fake of Twilio's Messages API built from its
// documented request and response shapes: POST
// /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP Basic
// credentials (the account SID and auth token), a form of To, From or
// MessagingServiceSid, Body, MediaUrl and StatusCallback; 201 and the
// Message resource as JSON, or Twilio's JSON error document
// ({"code", "message", "more_info", "status"}). It checks the
// credentials, the path, the method, the content type and the parameters
// as Twilio does (21602 without Body or MediaUrl, 21603 without a sender,
// 21617 for a body over 1,600 characters), honours the magic numbers of
// Twilio's test credentials (TwilioInvalidTo and the rest), and keeps
// what it created. It is safe for concurrent use.
type TwilioServer struct {
	// URL is the server's base URL, for twiliosms.WithBaseURL.
	URL string
	// AccountSID and AuthToken are the credentials it accepts.
	AccountSID, AuthToken string

	srv        *httptest.Server
	mu         sync.Mutex
	calls      int
	msgs       []*TwilioMessage
	fail       *twilioErr
	garble     bool
	drop       bool
	unverified map[string]bool
}

// NewTwilioServer starts a TwilioServer with random credentials and stops
// it when the test ends.
func NewTwilioServer(tb testing.TB) *TwilioServer {
	tb.Helper()
	s := StartTwilioServer()
	tb.Cleanup(s.Close)
	return s
}

// StartTwilioServer starts a TwilioServer with random credentials; Close
// stops it. Tests use NewTwilioServer.
func StartTwilioServer() *TwilioServer {
	s := &TwilioServer{AccountSID: "AC" + randomHex(16), AuthToken: randomHex(16), unverified: map[string]bool{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *TwilioServer) Close() { s.srv.Close() }

// Calls returns how many requests reached the server.
func (s *TwilioServer) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Messages returns copies of the messages created, oldest first.
func (s *TwilioServer) Messages() []TwilioMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TwilioMessage, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = *m
	}
	return out
}

// Lookup returns the message with sid.
func (s *TwilioServer) Lookup(sid string) (TwilioMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.msgs {
		if m.SID == sid {
			return *m, true
		}
	}
	return TwilioMessage{}, false
}

// Fail makes every request fail with status and Twilio's error document
// for code (20429 with 429, 20003 with 401, 20500 with 500...) until
// Clear. It returns a function that clears it, for t.Cleanup.
func (s *TwilioServer) Fail(status, code int, message string) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = &twilioErr{status, code, message}
	return s.Clear
}

// Garble makes the server create messages but answer 201 with a body that
// is not a Message resource, until Clear.
func (s *TwilioServer) Garble() func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.garble = true
	return s.Clear
}

// Drop makes the server read each request, create the message, and close
// the connection without answering (a lost answer), until Clear.
func (s *TwilioServer) Drop() func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop = true
	return s.Clear
}

// Unverify makes the server act as a trial account for which number is not
// a verified recipient: sends to it fail with 21608.
func (s *TwilioServer) Unverify(number string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unverified[number] = true
}

// Clear ends Fail, Garble and Drop.
func (s *TwilioServer) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail, s.garble, s.drop = nil, false, false
}

func (s *TwilioServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls++
	fail, garble, drop := s.fail, s.garble, s.drop
	s.mu.Unlock()

	w.Header().Set("Twilio-Request-Id", "RQ"+randomHex(16))
	want := "/" + twilioAPIVersion + "/Accounts/" + s.AccountSID + "/Messages.json"
	user, pass, ok := r.BasicAuth()
	switch {
	case !ok || subtle.ConstantTimeCompare([]byte(user), []byte(s.AccountSID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.AuthToken)) != 1:
		twilioError(w, twilioErr{401, 20003, "Authenticate"})
		return
	case r.URL.Path != want:
		twilioError(w, twilioErr{404, 20404, "The requested resource " + r.URL.Path + " was not found"})
		return
	case r.Method != http.MethodPost:
		twilioError(w, twilioErr{405, 20004, "Method not allowed"})
		return
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		twilioError(w, twilioErr{400, 20001, "Content-Type must be application/x-www-form-urlencoded"})
		return
	}
	if fail != nil {
		twilioError(w, *fail)
		return
	}
	if err := r.ParseForm(); err != nil {
		twilioError(w, twilioErr{400, 20001, "The request body is not a valid form"})
		return
	}
	form := r.PostForm
	to, from, service, body := form.Get("To"), form.Get("From"), form.Get("MessagingServiceSid"), form.Get("Body")
	media := form["MediaUrl"]
	switch {
	case to == "":
		twilioError(w, twilioErr{400, 21604, "A 'To' phone number is required."})
		return
	case from == "" && service == "":
		twilioError(w, twilioErr{400, 21603, "A 'From' phone number is required."})
		return
	case body == "" && len(media) == 0:
		twilioError(w, twilioErr{400, 21602, "Message body is required."})
		return
	case len([]rune(body)) > twilioMaxBody:
		twilioError(w, twilioErr{400, 21617, "The concatenated message body exceeds the 1600 character limit."})
		return
	case len(media) > twilioMaxMedia:
		twilioError(w, twilioErr{400, 21623, "Number of media files exceeds allowed limit."})
		return
	case service != "" && !strings.HasPrefix(service, twilioMessagingSIDStart):
		twilioError(w, twilioErr{400, 21701, "The Messaging Service Sid is invalid."})
		return
	}
	if e, ok := twilioFromErrors[from]; ok {
		twilioError(w, e)
		return
	}
	if e, ok := twilioToErrors[to]; ok {
		twilioError(w, e)
		return
	}
	if sms.CheckNumber(to) != nil {
		twilioError(w, twilioErr{400, 21211, "The 'To' number is not a valid phone number."})
		return
	}
	s.mu.Lock()
	unverified := s.unverified[to]
	s.mu.Unlock()
	if unverified {
		twilioError(w, twilioErr{400, 21608, "The number is unverified. Trial accounts may only send messages to verified numbers."})
		return
	}

	m := &TwilioMessage{
		SID: "SM" + randomHex(16), To: to, From: from, MessagingServiceSID: service, Body: body,
		MediaURLs: media, StatusCallback: form.Get("StatusCallback"), Form: form, Status: "queued",
	}
	if len(media) > 0 {
		m.SID = "MM" + m.SID[2:]
	}
	if service != "" {
		m.Status = "accepted"
	}
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	s.mu.Unlock()

	if drop {
		hijackClose(w)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if garble {
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"sid": "SM` + randomHex(4) + `", "status": 7`))
		return
	}
	now := time.Now().UTC().Format(time.RFC1123Z)
	seg := sms.CountSegments(body).Count
	if service != "" {
		seg = 0 // a Messaging Service reports "0" until it has picked the sender
	}
	var fromJSON any = from
	if from == "" {
		fromJSON = nil
	}
	res := map[string]any{
		"account_sid": s.AccountSID, "api_version": twilioAPIVersion, "body": body,
		"date_created": now, "date_sent": nil, "date_updated": now, "direction": "outbound-api",
		"error_code": nil, "error_message": nil, "from": fromJSON, "messaging_service_sid": nilIfEmpty(service),
		"num_media": strconv.Itoa(len(media)), "num_segments": strconv.Itoa(seg), "price": nil, "price_unit": "USD",
		"sid": m.SID, "status": m.Status, "to": to,
		"subresource_uris": map[string]string{"media": "/" + twilioAPIVersion + "/Accounts/" + s.AccountSID + "/Messages/" + m.SID + "/Media.json"},
		"uri":              "/" + twilioAPIVersion + "/Accounts/" + s.AccountSID + "/Messages/" + m.SID + ".json",
	}
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(res)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func twilioError(w http.ResponseWriter, e twilioErr) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"code": e.code, "message": e.message, "more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(e.code), "status": e.status,
	})
}

// hijackClose closes the connection without writing an answer.
func hijackClose(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("smstest: the response writer cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// Report posts a status callback for the message sid to its
// StatusCallback URL, signed with the auth token as Twilio signs it: the
// form Twilio documents (MessageSid, SmsSid, MessageStatus, SmsStatus,
// AccountSid, From, To, ApiVersion, MessagingServiceSid when used, and
// ErrorCode for undelivered and failed messages). It returns the
// endpoint's HTTP status. The message's Status becomes status.
func (s *TwilioServer) Report(ctx context.Context, sid, status string, errorCode int) (int, error) {
	s.mu.Lock()
	var m *TwilioMessage
	for _, x := range s.msgs {
		if x.SID == sid {
			m = x
		}
	}
	if m != nil {
		m.Status = status
	}
	s.mu.Unlock()
	if m == nil {
		return 0, fmt.Errorf("smstest: no message %s", sid)
	}
	if m.StatusCallback == "" {
		return 0, fmt.Errorf("smstest: message %s has no StatusCallback", sid)
	}
	form := url.Values{
		"AccountSid": {s.AccountSID}, "ApiVersion": {twilioAPIVersion}, "MessageSid": {sid}, "SmsSid": {sid},
		"MessageStatus": {status}, "SmsStatus": {status}, "To": {m.To},
	}
	if m.From != "" {
		form.Set("From", m.From)
	}
	if m.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", m.MessagingServiceSID)
	}
	if errorCode != 0 {
		form.Set("ErrorCode", strconv.Itoa(errorCode))
	}
	if status == "delivered" || status == "undelivered" {
		form.Set("RawDlrDoneDate", time.Now().UTC().Format("0601021504"))
	}
	h, body := webhookstest.SignTwilio(m.StatusCallback, form, s.AuthToken)
	return post(ctx, m.StatusCallback, h, body)
}

// post sends a webhook request and returns its status.
func post(ctx context.Context, target string, h http.Header, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
