package africastalkingsms

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/switchboard-go/switchboard/webhooks"
)

func FuzzParseAnswer(f *testing.F) {
	f.Add([]byte(`{"SMSMessageData":{"Message":"Sent to 1/1 Total Cost: KES 0.8000","Recipients":[{"statusCode":101,"number":"+254711082300","status":"Success","cost":"KES 0.8000","messageId":"ATXid_1"}]}}`))
	f.Add([]byte(`{"SMSMessageData":{"Message":"InvalidSenderId","Recipients":[]}}`))
	f.Add([]byte(`{"SMSMessageData":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := parseAnswer(body)
		if err == nil && a.SMSMessageData == nil {
			t.Fatal("accepted an answer without SMSMessageData")
		}
		if err == nil {
			for _, r := range a.SMSMessageData.Recipients {
				_ = parseCost(r.Cost)
			}
		}
	})
}

func FuzzParseCost(f *testing.F) {
	for _, s := range []string{"KES 0.8000", "0", "None", "USD -1", "NGN 2.2000 x", "kes 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c := parseCost(s); c != nil && (len(c.Currency) != 3 || c.Amount == "") {
			t.Fatalf("bad cost %+v from %q", c, s)
		}
	})
}

func FuzzClassify(f *testing.F) {
	f.Add(401, []byte("The supplied authentication is invalid"))
	f.Add(500, []byte("\xff\x00"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if se := classify(status, http.Header{}, body); se == nil || se.Kind == nil {
			t.Fatal("no kind")
		}
	})
}

func FuzzParseReport(f *testing.F) {
	f.Add([]byte(`{"id":"ATXid_1","status":"Failed","failureReason":"UserInBlackList"}`), "Failed")
	f.Add([]byte(`{"id":"x","from":"+1","text":"hi"}`), "incoming")
	f.Add([]byte(`null`), "")
	f.Fuzz(func(t *testing.T, data []byte, typ string) {
		r, err := ReportParser{}.ParseReport(&webhooks.Event{Type: typ, Data: json.RawMessage(data)})
		if err == nil && (r.MessageID == "" || !r.Status.Valid()) {
			t.Fatalf("bad report %+v", r)
		}
	})
}
