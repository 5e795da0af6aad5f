package webhooks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// refMandrillEvents reads a batch with encoding/json: the straightforward
// reading that mandrillEvents must agree with.
func refMandrillEvents(d *Delivery, batch []byte) ([]Event, error) {
	type element struct {
		ID     string      `json:"_id"`
		Event  string      `json:"event"`
		TS     json.Number `json:"ts"`
		Type   string      `json:"type"`
		Action string      `json:"action"`
		Msg    struct {
			ID string `json:"_id"`
		} `json:"msg"`
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(batch, &elems); err != nil {
		return nil, fmt.Errorf("%w: mandrill: mandrill_events is not a JSON array", ErrMalformedBody)
	}
	events := make([]Event, 0, len(elems))
	for i, el := range elems {
		var m element
		if len(el) == 0 || el[0] != '{' {
			return nil, fmt.Errorf("%w: mandrill: event %d is not an event object", ErrMalformedBody, i)
		}
		if err := json.Unmarshal(el, &m); err != nil {
			return nil, fmt.Errorf("%w: mandrill: event %d is not an event object", ErrMalformedBody, i)
		}
		typ := m.Event
		if typ == "" && m.Type != "" && m.Action != "" {
			typ = m.Type + "." + m.Action
		}
		id := m.ID
		switch {
		case id != "":
		case m.Event != "" && m.Msg.ID != "":
			id = string(m.TS) + ":" + m.Event + ":" + m.Msg.ID
		default:
			sum := sha256.Sum256(el)
			id = "sha256:" + hex.EncodeToString(sum[:])
		}
		events = append(events, Event{Provider: "mandrill", ID: id, Type: typ, Time: mandrillUnixTime(m.TS), Data: el, Delivery: d})
	}
	return events, nil
}

func requireSameMandrill(t *testing.T, batch []byte) {
	t.Helper()
	d := &Delivery{}
	want, werr := refMandrillEvents(d, batch)
	got, gerr := mandrillEvents(d, append([]byte(nil), batch...))
	if werr != nil {
		require.Error(t, gerr, "batch %q", batch)
		require.Equal(t, werr.Error(), gerr.Error(), "batch %q", batch)
		return
	}
	require.NoError(t, gerr, "batch %q", batch)
	require.NotNil(t, got)
	require.Len(t, got, len(want), "batch %q", batch)
	for i := range want {
		require.Equal(t, want[i].ID, got[i].ID, "batch %q event %d", batch, i)
		require.Equal(t, want[i].Type, got[i].Type, "batch %q event %d", batch, i)
		require.True(t, want[i].Time.Equal(got[i].Time), "batch %q event %d", batch, i)
		require.Equal(t, string(want[i].Data), string(got[i].Data), "batch %q event %d", batch, i)
		require.Equal(t, len(got[i].Data), cap(got[i].Data), "Data must not reach into the next element")
		require.Equal(t, "mandrill", got[i].Provider)
		require.Same(t, d, got[i].Delivery)
	}
}

var mandrillScanCases = []string{
	`[]`, ` [ ] `, `null`, ` null `, `{}`, `"x"`, `1`, `true`, ``, `[`, `[1,]`, `[{"a":tru}]`,
	`[null]`, `[1]`, `["x"]`, `[[]]`, `[{}]`, `[{},{}]`, `[{}, 5]`,
	`[{"event":"send","_id":"a","ts":1,"msg":{"_id":"a"}}]`,
	`[{"type":"denylist","action":"add","ts":"2"}]`,
	`[{"ts":1e400}]`, `[{"ts":-0.5e-3}]`, `[{"ts":"1e3"}]`, `[{"ts":"abc"}]`, `[{"ts":"01"}]`, `[{"ts":""}]`,
	`[{"ts":true}]`, `[{"ts":null}]`, `[{"ts":{}}]`, `[{"ts":[1]}]`, `[{"ts":1.5,"ts":null}]`,
	`[{"msg":"x"}]`, `[{"msg":1}]`, `[{"msg":[]}]`, `[{"msg":null}]`, `[{"msg":{"_id":5}}]`,
	`[{"event":"open","ts":3,"msg":{"_id":"m"},"msg":{"x":1}}]`,
	`[{"event":"open","ts":3,"msg":{"_id":"m"},"msg":null}]`,
	`[{"event":"open","ts":3,"msg":{"_id":"m","_ID":"n"}}]`,
	`[{"_id":"a","_id":null}]`, `[{"_id":"a","_id":"b"}]`, `[{"_id":1}]`, `[{"_id":false}]`, `[{"_id":{}}]`,
	`[{"EVENT":"x","Ts":4,"MSG":{"_Id":"q"}}]`, `[{"tſ":7,"event":"e","mſg":{"_id":"z"}}]`,
	`[{"\u005fid":"esc","\u0065vent":"e\u00e9"}]`, `[{"event":"a\"b","ts":1,"msg":{"_id":"\ud83d\ude00"}}]`,
	`[{"type":"t","action":""}]`, `[{"type":"","action":"a"}]`, `[{"type":"whitelist","action":"remove","ts":9}]`,
	`[{"event":"x","type":"t","action":"a"}]`, `[{"other":{"_id":"no","event":"no"},"event":"yes"}]`,
	"[ {\"event\" : \"s\" , \"ts\" : 12 } ,\n\t{ \"_id\":\"k\" } ]",
	`[{"event":"bad utf8 ` + "\xff" + `"}]`, `[{"_id":"ok"}] x`, `[{"_id":"ok"}]]`,
}

func TestMandrillEventsMatchesEncodingJSON(t *testing.T) {
	for _, c := range mandrillScanCases {
		requireSameMandrill(t, []byte(c))
	}
}

func FuzzMandrillEventsMatchesEncodingJSON(f *testing.F) {
	for _, c := range mandrillScanCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, batch string) {
		requireSameMandrill(t, []byte(batch))
	})
}

func TestValidJSONNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"0", true}, {"-0", true}, {"12", true}, {"1.5", true}, {"1e3", true}, {"1E+3", true}, {"-1.25e-7", true},
		{"", false}, {"-", false}, {"01", false}, {"1.", false}, {".5", false}, {"1e", false}, {"1e+", false},
		{"+1", false}, {"1x", false}, {"0x10", false}, {" 1", false},
	} {
		require.Equal(t, c.want, validJSONNumber(c.in), c.in)
		var n json.Number
		err := json.Unmarshal([]byte(`"`+c.in+`"`), &n)
		require.Equal(t, c.want, err == nil, "encoding/json disagrees on %q", c.in)
	}
}
