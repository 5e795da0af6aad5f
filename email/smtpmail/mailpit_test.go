package smtpmail

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/emailtest"
	"github.com/switchboard-go/switchboard/internal/testenv"
)

// mailpit talks to the mailpit server the tests share. Tests never delete
// messages: they find their own by a unique Message-ID or subject.
type mailpit struct {
	api  string
	host string
	port int
	hc   *http.Client
}

func newMailpit(tb testing.TB) *mailpit {
	tb.Helper()
	api, smtpAddr := testenv.Mailpit(tb)
	host, portStr, err := net.SplitHostPort(smtpAddr)
	require.NoError(tb, err)
	port, err := strconv.Atoi(portStr)
	require.NoError(tb, err)
	return &mailpit{api: strings.TrimRight(api, "/"), host: host, port: port, hc: &http.Client{Timeout: 10 * time.Second}}
}

type mpAddress struct{ Name, Address string }

type mpPart struct {
	PartID, FileName, ContentType, ContentID string
	Size                                     int
}

type mpMessage struct {
	ID, MessageID        string
	From                 *mpAddress
	To, Cc, Bcc, ReplyTo []mpAddress
	Subject, Text, HTML  string
	Username             string
	Inline, Attachments  []mpPart
}

type mpSummary struct {
	ID, MessageID, Subject string
	Bcc                    []mpAddress
}

func (mp *mailpit) do(tb testing.TB, method, path string, body any, out any) {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(tb, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, mp.api+path, rd)
	require.NoError(tb, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := mp.hc.Do(req)
	require.NoError(tb, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	require.Equal(tb, http.StatusOK, resp.StatusCode, "%s %s: %s", method, path, b)
	if out != nil {
		if bs, ok := out.(*[]byte); ok {
			*bs = b
			return
		}
		require.NoError(tb, json.Unmarshal(b, out), string(b))
	}
}

// find waits for the message with the given Message-ID (without angle
// brackets) and returns its summary and full view.
func (mp *mailpit) find(tb testing.TB, messageID string) (*mpSummary, *mpMessage) {
	tb.Helper()
	q := url.QueryEscape("message-id:" + messageID)
	deadline := time.Now().Add(15 * time.Second)
	for {
		var res struct{ Messages []mpSummary }
		mp.do(tb, http.MethodGet, "/api/v1/search?query="+q, nil, &res)
		for _, s := range res.Messages {
			if s.MessageID == messageID {
				var m mpMessage
				mp.do(tb, http.MethodGet, "/api/v1/message/"+s.ID, nil, &m)
				return &s, &m
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("message %s not found in mailpit", messageID)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (mp *mailpit) part(tb testing.TB, id, partID string) []byte {
	tb.Helper()
	var b []byte
	mp.do(tb, http.MethodGet, "/api/v1/message/"+id+"/part/"+partID, nil, &b)
	return b
}

type chaosTrigger struct{ ErrorCode, Probability int }

type chaosTriggers struct{ Sender, Recipient, Authentication chaosTrigger }

// requireChaos skips tb unless the mailpit it reaches runs with chaos mode
// on (mailpit --enable-chaos), asking mailpit's API: GET /api/v1/chaos
// answers 200 with chaos on and an error without it. When services are
// required (SWITCHBOARD_REQUIRE_SERVICES=1) it fails tb instead.
func (mp *mailpit) requireChaos(tb testing.TB) {
	tb.Helper()
	resp, err := mp.hc.Get(mp.api + "/api/v1/chaos")
	require.NoError(tb, err)
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_ = resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return
	}
	reason := fmt.Sprintf("mailpit at %s has chaos mode off (GET /api/v1/chaos: %d %s); start it with --enable-chaos",
		mp.api, resp.StatusCode, strings.TrimSpace(string(body)))
	if testenv.Required() {
		tb.Fatalf("%s, which %s=1 requires", reason, testenv.EnvRequire)
	}
	tb.Skip("skipping: " + reason)
}

// chaos sets mailpit's chaos triggers (PUT /api/v1/chaos replaces all
// three) until tb ends; the returned function turns them off sooner. It
// skips tb when chaos mode is off (see requireChaos).
func (mp *mailpit) chaos(tb testing.TB, c chaosTriggers) func() {
	tb.Helper()
	mp.requireChaos(tb)
	var once sync.Once
	off := func() {
		once.Do(func() { mp.do(tb, http.MethodPut, "/api/v1/chaos", chaosTriggers{}, nil) })
	}
	// Turn chaos off even if the test stops before calling off.
	tb.Cleanup(off)
	mp.do(tb, http.MethodPut, "/api/v1/chaos", c, nil)
	return off
}

// raw returns the message as mailpit received it, decoded.
func (mp *mailpit) raw(tb testing.TB, id string) *decoded {
	tb.Helper()
	var b []byte
	mp.do(tb, http.MethodGet, "/api/v1/message/"+id+"/raw", nil, &b)
	return decode(tb, b)
}

// countingProxy forwards TCP connections to addr and counts them, so a
// test can tell how many SMTP connections a sender opened.
type countingProxy struct {
	host  string
	port  int
	conns atomic.Int64
}

func newCountingProxy(tb testing.TB, addr string) *countingProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	p := &countingProxy{host: "127.0.0.1", port: ln.Addr().(*net.TCPAddr).Port}
	var wg sync.WaitGroup
	tb.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.conns.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { _ = c.Close() }()
				up, err := net.DialTimeout("tcp", addr, 10*time.Second)
				if err != nil {
					return
				}
				defer func() { _ = up.Close() }()
				done := make(chan struct{})
				go func() {
					_, _ = io.Copy(up, c)
					_ = up.(*net.TCPConn).CloseWrite()
					close(done)
				}()
				_, _ = io.Copy(c, up)
				_ = c.(*net.TCPConn).CloseWrite()
				<-done
			}()
		}
	}()
	return p
}

func TestMailpitDelivery(t *testing.T) {
	mp := newMailpit(t)
	s, err := New(mp.host, mp.port, WithCredentials("mailpit-user", testPassword))
	require.NoError(t, err)
	tok := token(t)
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0, 0xff, '\r', '\n', 'x'}, 300)...)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1, 2, 3, 0}, 256)...)
	m := &email.Message{
		From:    "VoidX Billing <billing-" + tok + "@voidx.example>",
		To:      []string{"Ada Lovelace <ada-" + tok + "@example.com>", "grace-" + tok + "@example.org"},
		Cc:      []string{"Carol <carol-" + tok + "@example.net>"},
		Bcc:     []string{"audit-" + tok + "@example.com"},
		ReplyTo: []string{"support-" + tok + "@voidx.example"},
		Subject: "Your receipt " + tok + " – thanks!",
		Text:    "Thanks for your order.\nTotal: €5",
		HTML:    `<p>Thanks for your order.</p><p>Total: <b>€5</b></p><img src="cid:logo-` + tok + `@voidx.example">`,
		Attachments: []email.Attachment{
			{Filename: "receipt-" + tok + ".pdf", ContentType: "application/pdf", Data: pdf},
			{Filename: "logo.png", ContentType: "image/png", Data: png, ContentID: "logo-" + tok + "@voidx.example"},
		},
	}
	r, err := s.Send(context.Background(), m)
	require.NoError(t, err)
	sum, got := mp.find(t, r.MessageID)

	require.NotNil(t, got.From)
	require.Equal(t, mpAddress{"VoidX Billing", "billing-" + tok + "@voidx.example"}, *got.From)
	require.Equal(t, []mpAddress{{"Ada Lovelace", "ada-" + tok + "@example.com"}, {"", "grace-" + tok + "@example.org"}}, got.To)
	require.Equal(t, []mpAddress{{"Carol", "carol-" + tok + "@example.net"}}, got.Cc)
	require.Equal(t, []mpAddress{{"", "support-" + tok + "@voidx.example"}}, got.ReplyTo)
	// The Bcc recipient was in the envelope but in no header of what we
	// sent: mailpit reports it as Bcc because it is missing from To/Cc.
	require.Equal(t, []mpAddress{{"", "audit-" + tok + "@example.com"}}, sum.Bcc)
	require.Equal(t, []mpAddress{{"", "audit-" + tok + "@example.com"}}, got.Bcc)
	require.Equal(t, m.Subject, got.Subject)
	require.Equal(t, m.Text, strings.TrimSpace(strings.ReplaceAll(got.Text, "\r\n", "\n")))
	require.Equal(t, m.HTML, strings.TrimSpace(got.HTML))
	require.Equal(t, "mailpit-user", got.Username, "AUTH took place")

	require.Len(t, got.Attachments, 1)
	require.Equal(t, "receipt-"+tok+".pdf", got.Attachments[0].FileName)
	require.Equal(t, "application/pdf", got.Attachments[0].ContentType)
	require.Equal(t, pdf, mp.part(t, got.ID, got.Attachments[0].PartID))
	require.Len(t, got.Inline, 1)
	require.Equal(t, "logo.png", got.Inline[0].FileName)
	require.Equal(t, "image/png", got.Inline[0].ContentType)
	require.Equal(t, "logo-"+tok+"@voidx.example", got.Inline[0].ContentID)
	require.Equal(t, png, mp.part(t, got.ID, got.Inline[0].PartID))
}

func TestMailpitSendMany(t *testing.T) {
	mp := newMailpit(t)
	proxy := newCountingProxy(t, net.JoinHostPort(mp.host, strconv.Itoa(mp.port)))
	s, err := New(proxy.host, proxy.port)
	require.NoError(t, err)
	tok := token(t)
	var msgs []*email.Message
	for i := range 5 {
		msgs = append(msgs, &email.Message{
			From: "batch@example.com", To: []string{fmt.Sprintf("user%d-%s@example.com", i, tok)},
			Subject: fmt.Sprintf("Batch %s #%d", tok, i), HTML: fmt.Sprintf("<p>Message %d</p>", i),
		})
	}
	receipts, err := s.SendMany(context.Background(), msgs)
	require.NoError(t, err)
	require.Equal(t, int64(1), proxy.conns.Load(), "SendMany uses one connection")
	for i, r := range receipts {
		_, got := mp.find(t, r.MessageID)
		require.Equal(t, msgs[i].Subject, got.Subject)
		require.Equal(t, msgs[i].HTML, strings.TrimSpace(got.HTML))
		require.Equal(t, "Message "+strconv.Itoa(i), strings.TrimSpace(got.Text), "the text part is derived from the HTML")
	}
}

// TestMailpitChaos drives SMTP errors with mailpit's chaos mode. Chaos is
// global to the server, so this test is not parallel and turns chaos off
// as soon as it has its error. It skips when chaos mode is off.
func TestMailpitChaos(t *testing.T) {
	mp := newMailpit(t)
	mp.requireChaos(t)
	cases := []struct {
		name    string
		trigger chaosTriggers
		kind    error
		code    int
	}{
		{"Recipient451", chaosTriggers{Recipient: chaosTrigger{ErrorCode: 451, Probability: 100}}, email.ErrTemporary, 451},
		{"Sender421", chaosTriggers{Sender: chaosTrigger{ErrorCode: 421, Probability: 100}}, email.ErrTemporary, 421},
		{"Recipient550", chaosTriggers{Recipient: chaosTrigger{ErrorCode: 550, Probability: 100}}, email.ErrRejectedRecipient, 550},
		{"Sender554", chaosTriggers{Sender: chaosTrigger{ErrorCode: 554, Probability: 100}}, email.ErrPermanent, 554},
		{"Authentication535", chaosTriggers{Authentication: chaosTrigger{ErrorCode: 535, Probability: 100}}, email.ErrAuthentication, 535},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(mp.host, mp.port, WithCredentials("chaos", testPassword))
			require.NoError(t, err)
			restore := mp.chaos(t, tc.trigger)
			_, err = s.Send(context.Background(), testMessage(token(t)))
			restore()
			require.Error(t, err)
			require.ErrorIs(t, err, tc.kind)
			var se *email.SendError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tc.code, se.StatusCode)
			require.Equal(t, tc.kind == email.ErrTemporary, se.Temporary())
			require.NotContains(t, err.Error(), testPassword)

			// With chaos off the same sender works again.
			r, err := s.Send(context.Background(), testMessage(token(t)))
			require.NoError(t, err)
			mp.find(t, r.MessageID)
		})
	}
}

// TestMailpitConformance runs the suite against mailpit, with chaos mode
// producing each kind of failure (those checks skip when chaos mode is
// off). Not parallel: chaos is global.
func TestMailpitConformance(t *testing.T) {
	mp := newMailpit(t)
	proxy := newCountingProxy(t, net.JoinHostPort(mp.host, strconv.Itoa(mp.port)))
	emailtest.Run(t, emailtest.Harness{
		New: func(t *testing.T) email.Sender {
			s, err := New(proxy.host, proxy.port, WithCredentials("conformance", testPassword))
			require.NoError(t, err)
			return s
		},
		Calls: func() int { return int(proxy.conns.Load()) },
		InjectError: func(t *testing.T, kind error) bool {
			var c chaosTriggers
			switch kind {
			case email.ErrTemporary:
				c.Recipient = chaosTrigger{ErrorCode: 451, Probability: 100}
			case email.ErrRejectedRecipient:
				c.Recipient = chaosTrigger{ErrorCode: 550, Probability: 100}
			case email.ErrPermanent:
				c.Sender = chaosTrigger{ErrorCode: 554, Probability: 100}
			case email.ErrAuthentication:
				c.Authentication = chaosTrigger{ErrorCode: 535, Probability: 100}
			default:
				return false
			}
			mp.chaos(t, c) // off when t ends
			return true
		},
		Delivered: func(t *testing.T, r *email.Receipt, _ *email.Message) *emailtest.Delivery {
			sum, got := mp.find(t, r.MessageID)
			// The bodies and parts come from the raw message: mailpit
			// derives a text view of HTML-only mail by itself, which would
			// hide a missing text/plain part.
			raw := mp.raw(t, got.ID)
			d := &emailtest.Delivery{
				Subject: got.Subject, Text: raw.Text, HTML: raw.HTML,
				// mailpit writes a Bcc header of its own into what it stores,
				// so it cannot show which headers were sent (the in-process
				// server tests check that).
				Headers:     nil,
				Attachments: raw.Attachments,
			}
			if got.From != nil {
				d.From = got.From.Address
			}
			for _, a := range got.To {
				d.To = append(d.To, a.Address)
			}
			for _, a := range got.Cc {
				d.Cc = append(d.Cc, a.Address)
			}
			for _, a := range sum.Bcc {
				d.Bcc = append(d.Bcc, a.Address)
			}
			for _, a := range got.ReplyTo {
				d.ReplyTo = append(d.ReplyTo, a.Address)
			}
			return d
		},
		Secrets: []string{testPassword},
	})
}

// TestMailpitHTMLOnlyGetsTextPart is the regression test for HTML-only
// messages through a real SMTP server: the raw message mailpit received
// holds a text/plain part derived from the HTML, next to the HTML.
func TestMailpitHTMLOnlyGetsTextPart(t *testing.T) {
	mp := newMailpit(t)
	s, err := New(mp.host, mp.port)
	require.NoError(t, err)
	tok := token(t)
	html := "<h1>Welcome " + tok + "</h1><p>Your account is ready.</p>"
	r, err := s.Send(context.Background(), &email.Message{
		From: "welcome@example.com", To: []string{"user-" + tok + "@example.com"}, Subject: "Welcome " + tok, HTML: html,
	})
	require.NoError(t, err)
	_, got := mp.find(t, r.MessageID)
	raw := mp.raw(t, got.ID)
	require.Equal(t, "Welcome "+tok+"\n\nYour account is ready.", strings.TrimSpace(strings.ReplaceAll(raw.Text, "\r\n", "\n")))
	require.Equal(t, html, strings.TrimSpace(raw.HTML))
	mt, _, err := mime.ParseMediaType(raw.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/alternative", mt)
}

func token(tb testing.TB) string {
	tb.Helper()
	return strings.ReplaceAll(newMessageID("x@t")[:12], "@", "")
}
