package twiliosms

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/webhooks"
)

func FuzzParseMessage(f *testing.F) {
	f.Add([]byte(`{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued","num_segments":"1","price":"-0.0075"}`))
	f.Add([]byte(`{"sid":"MM0123456789abcdef0123456789abcdef","status":"accepted","num_segments":0,"price":null}`))
	f.Add([]byte(`{"status":7}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := parseMessage(body)
		if err == nil && (m.SID == "" || m.Status == "") {
			t.Fatalf("accepted %q without sid or status", body)
		}
		if err == nil {
			_ = numSegments(m.NumSegments)
		}
	})
}

func FuzzClassify(f *testing.F) {
	f.Add(400, []byte(`{"code":21211,"message":"bad","status":400}`))
	f.Add(429, []byte(`{"code":"x"}`))
	f.Add(500, []byte("\xff"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		se := classify(status, http.Header{}, body)
		if se == nil || se.Kind == nil {
			t.Fatal("no kind")
		}
	})
}

func FuzzParseReport(f *testing.F) {
	f.Add([]byte(`{"MessageSid":"SM1","MessageStatus":"delivered"}`), "delivered")
	f.Add([]byte(`{"SmsSid":["SM1","SM2"],"SmsStatus":"received","Body":"hi"}`), "received")
	f.Add([]byte(`{"MessageSid":"SM1","MessageStatus":"undelivered","ErrorCode":"30003"}`), "undelivered")
	f.Add([]byte(`[1,2]`), "")
	f.Fuzz(func(t *testing.T, data []byte, typ string) {
		r, err := ReportParser{}.ParseReport(&webhooks.Event{Provider: Name, Type: typ, Data: json.RawMessage(data)})
		if err != nil {
			return
		}
		if r.MessageID == "" || !r.Status.Valid() {
			t.Fatalf("bad report %+v", r)
		}
		if (r.Status == sms.StatusUndelivered || r.Status == sms.StatusFailed) != (r.Err != nil) {
			t.Fatalf("Err set wrongly on %+v", r)
		}
	})
}
