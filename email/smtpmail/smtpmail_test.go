package smtpmail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wneessen/go-mail/smtp"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/emailtest"
	"github.com/switchboard-go/switchboard/email/internal/sendertest"
)

func testMessage(tok string) *email.Message {
	return &email.Message{
		From:    "Sender <sender@example.com>",
		To:      []string{"user-" + tok + "@example.com"},
		Subject: "Test " + tok,
		Text:    "Hello " + tok,
	}
}

func authServer(t *testing.T) *fakeServer {
	return newFakeServer(t, serverConfig{users: map[string]string{"user": testPassword}, insecureAuth: true})
}

func TestConformancePlainLoopback(t *testing.T) {
	fs := authServer(t)
	emailtest.Run(t, conformanceHarness(t, fs, WithCredentials("user", testPassword)))
}

func TestConformanceSTARTTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	fs := newFakeServer(t, serverConfig{tls: serverTLS, users: map[string]string{"user": testPassword}})
	emailtest.Run(t, conformanceHarness(t, fs,
		WithCredentials("user", testPassword), WithTLSPolicy(TLSMandatory), WithTLSConfig(clientTLS)))
	for _, m := range fs.messages() {
		require.True(t, m.TLS, "message sent without TLS")
		require.Equal(t, "user", m.User)
	}
}

func TestAuthMechanisms(t *testing.T) {
	cases := []struct {
		name   string
		mechs  []string
		auth   Auth
		secure bool
	}{
		{"PlainExplicit", []string{"PLAIN"}, AuthPlain, false},
		{"LoginExplicit", []string{"LOGIN"}, AuthLogin, false},
		{"CRAMMD5Explicit", []string{"CRAM-MD5"}, AuthCRAMMD5, false},
		{"AutoPrefersCRAM", []string{"PLAIN", "LOGIN", "CRAM-MD5"}, AuthAuto, false},
		{"AutoPlainOnLoopback", []string{"PLAIN"}, AuthAuto, false},
		{"AutoLoginOnLoopback", []string{"LOGIN"}, AuthAuto, false},
		{"AutoOverSTARTTLS", []string{"LOGIN", "PLAIN"}, AuthAuto, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := serverConfig{users: map[string]string{"user": testPassword}, mechs: tc.mechs, insecureAuth: true}
			opts := []Option{WithAuth(tc.auth)}
			if tc.secure {
				serverTLS, clientTLS := selfSigned(t)
				cfg.tls, cfg.insecureAuth = serverTLS, false
				opts = append(opts, WithTLSConfig(clientTLS), WithTLSPolicy(TLSMandatory))
			}
			fs := newFakeServer(t, cfg)
			good, err := New(fs.host, fs.port, append([]Option{WithCredentials("user", testPassword)}, opts...)...)
			require.NoError(t, err)
			_, err = good.Send(context.Background(), testMessage("auth"))
			require.NoError(t, err)
			msgs := fs.messages()
			require.Len(t, msgs, 1)
			assert.Equal(t, "user", msgs[0].User)
			assert.Equal(t, tc.secure, msgs[0].TLS)

			bad, err := New(fs.host, fs.port, append([]Option{WithCredentials("user", "wrong-"+testPassword)}, opts...)...)
			require.NoError(t, err)
			_, err = bad.Send(context.Background(), testMessage("auth"))
			require.ErrorIs(t, err, email.ErrAuthentication)
			var se *email.SendError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, 535, se.StatusCode)
			assert.Equal(t, "5.7.8", se.Code)
			assert.False(t, se.Temporary())
			assert.NotContains(t, err.Error(), testPassword)
			assert.Len(t, fs.messages(), 1, "nothing sent after a failed AUTH")
		})
	}
}

func TestAuthRequiredButNotConfigured(t *testing.T) {
	fs := authServer(t)
	s, err := New(fs.host, fs.port)
	require.NoError(t, err)
	_, err = s.Send(context.Background(), testMessage("noauth"))
	require.ErrorIs(t, err, email.ErrAuthentication, "530 on MAIL FROM")
}

func TestAuthServerWithoutAuth(t *testing.T) {
	fs := newFakeServer(t, serverConfig{})
	s, err := New(fs.host, fs.port, WithCredentials("user", testPassword))
	require.NoError(t, err)
	_, err = s.Send(context.Background(), testMessage("x"))
	require.ErrorIs(t, err, email.ErrAuthentication)
	assert.Empty(t, fs.messages())
}

func TestAutoAuthChoice(t *testing.T) {
	cases := []struct {
		name    string
		host    string
		tls     bool
		offered []string
		want    string
	}{
		{"RemotePlaintextRefusesPlain", "smtp.example.com", false, []string{"PLAIN", "LOGIN"}, ""},
		{"RemotePlaintextCRAM", "smtp.example.com", false, []string{"PLAIN", "CRAM-MD5"}, "CRAM-MD5"},
		{"RemoteTLSPlain", "smtp.example.com", true, []string{"LOGIN", "PLAIN"}, "PLAIN"},
		{"RemoteTLSScram", "smtp.example.com", true, []string{"PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"}, "SCRAM-SHA-256"},
		{"LoopbackPlaintextLogin", "localhost", false, []string{"LOGIN"}, "LOGIN"},
		{"NothingOffered", "smtp.example.com", true, nil, ""},
		{"LowerCase", "smtp.example.com", true, []string{"plain"}, "PLAIN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := &autoAuth{user: "u", pass: "p", host: tc.host}
			mech, _, err := a.Start(&smtp.ServerInfo{Name: tc.host, TLS: tc.tls, Auth: tc.offered})
			if tc.want == "" {
				require.ErrorIs(t, err, errNoMechanism)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, mech)
		})
	}
	_, err := (&autoAuth{}).Next(nil, true)
	require.ErrorIs(t, err, errNoMechanism)
}

func TestTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	starttls := newFakeServer(t, serverConfig{tls: serverTLS})
	plain := newFakeServer(t, serverConfig{})
	implicit := newFakeServer(t, serverConfig{tls: serverTLS, implicitTLS: true})

	t.Run("MandatoryUpgrades", func(t *testing.T) {
		s, err := New(starttls.host, starttls.port, WithTLSPolicy(TLSMandatory), WithTLSConfig(clientTLS))
		require.NoError(t, err)
		_, err = s.Send(context.Background(), testMessage("tls"))
		require.NoError(t, err)
		msgs := starttls.messages()
		require.NotEmpty(t, msgs)
		assert.True(t, msgs[len(msgs)-1].TLS)
	})
	t.Run("MandatoryRefusesServerWithoutSTARTTLS", func(t *testing.T) {
		s, err := New(plain.host, plain.port, WithTLSPolicy(TLSMandatory))
		require.NoError(t, err)
		_, err = s.Send(context.Background(), testMessage("tls"))
		require.ErrorIs(t, err, ErrTLSRequired)
		require.ErrorIs(t, err, email.ErrPermanent)
		assert.Empty(t, plain.messages())
	})
	t.Run("UntrustedCertificate", func(t *testing.T) {
		s, err := New(starttls.host, starttls.port, WithTLSPolicy(TLSMandatory))
		require.NoError(t, err)
		before := len(starttls.messages())
		_, err = s.Send(context.Background(), testMessage("tls"))
		require.ErrorIs(t, err, email.ErrPermanent)
		assert.Contains(t, err.Error(), "certificate")
		assert.Len(t, starttls.messages(), before)
	})
	t.Run("LoopbackDefaultIsOpportunistic", func(t *testing.T) {
		s, err := New(plain.host, plain.port)
		require.NoError(t, err)
		assert.Equal(t, TLSOpportunistic, s.cfg.tlsPolicy)
		_, err = s.Send(context.Background(), testMessage("opp"))
		require.NoError(t, err)
		assert.False(t, plain.messages()[0].TLS)

		// Opportunistic still upgrades when the server offers STARTTLS.
		s, err = New(starttls.host, starttls.port, WithTLSConfig(clientTLS))
		require.NoError(t, err)
		_, err = s.Send(context.Background(), testMessage("opp"))
		require.NoError(t, err)
		msgs := starttls.messages()
		assert.True(t, msgs[len(msgs)-1].TLS)
	})
	t.Run("RemoteDefaultIsMandatory", func(t *testing.T) {
		for _, h := range []string{"smtp.example.com", "10.0.0.1"} {
			s, err := New(h, 587)
			require.NoError(t, err)
			assert.Equal(t, TLSMandatory, s.cfg.tlsPolicy, h)
		}
		for _, h := range []string{"localhost", "127.0.0.1", "::1", "[::1]", "127.0.0.2"} {
			s, err := New(h, 25)
			require.NoError(t, err)
			assert.Equal(t, TLSOpportunistic, s.cfg.tlsPolicy, h)
		}
		s, err := New("localhost", 25, WithTLSPolicy(TLSMandatory))
		require.NoError(t, err)
		assert.Equal(t, TLSMandatory, s.cfg.tlsPolicy, "an explicit policy wins")
	})
	t.Run("None", func(t *testing.T) {
		s, err := New(starttls.host, starttls.port, WithTLSPolicy(TLSNone))
		require.NoError(t, err)
		_, err = s.Send(context.Background(), testMessage("none"))
		require.NoError(t, err)
		msgs := starttls.messages()
		assert.False(t, msgs[len(msgs)-1].TLS)
	})
	t.Run("Implicit", func(t *testing.T) {
		s, err := NewFromURL(fmt.Sprintf("smtps://127.0.0.1:%d", implicit.port), WithTLSConfig(clientTLS))
		require.NoError(t, err)
		_, err = s.Send(context.Background(), testMessage("smtps"))
		require.NoError(t, err)
		require.Len(t, implicit.messages(), 1)
		assert.True(t, implicit.messages()[0].TLS)

		untrusted, err := New(implicit.host, implicit.port, WithImplicitTLS())
		require.NoError(t, err)
		_, err = untrusted.Send(context.Background(), testMessage("smtps"))
		require.ErrorIs(t, err, email.ErrPermanent)
	})
}

func TestErrorClassification(t *testing.T) {
	smtpErr := func(code int, msg string) error {
		return &gosmtp.SMTPError{Code: code, EnhancedCode: gosmtp.EnhancedCode{code / 100, 0, 0}, Message: msg}
	}
	cases := []struct {
		name  string
		setup func(fs *fakeServer)
		kind  error
		code  int
	}{
		{"Rcpt550", func(fs *fakeServer) { fs.rcptErr = func(string) error { return smtpErr(550, "no such user") } }, email.ErrRejectedRecipient, 550},
		{"Rcpt551", func(fs *fakeServer) { fs.rcptErr = func(string) error { return smtpErr(551, "user not local") } }, email.ErrRejectedRecipient, 551},
		{"Rcpt553", func(fs *fakeServer) { fs.rcptErr = func(string) error { return smtpErr(553, "mailbox name invalid") } }, email.ErrRejectedRecipient, 553},
		{"Rcpt552", func(fs *fakeServer) { fs.rcptErr = func(string) error { return smtpErr(552, "over quota") } }, email.ErrPermanent, 552},
		{"Rcpt450", func(fs *fakeServer) { fs.rcptErr = func(string) error { return smtpErr(450, "mailbox busy") } }, email.ErrTemporary, 450},
		{"Mail451", func(fs *fakeServer) { fs.mailErr = smtpErr(451, "local error") }, email.ErrTemporary, 451},
		{"Mail550", func(fs *fakeServer) { fs.mailErr = smtpErr(550, "sender rejected") }, email.ErrPermanent, 550},
		{"Data554", func(fs *fakeServer) { fs.dataErr = smtpErr(554, "spam") }, email.ErrPermanent, 554},
		{"Data452", func(fs *fakeServer) { fs.dataErr = smtpErr(452, "insufficient storage") }, email.ErrTemporary, 452},
		{"DroppedConnection", func(fs *fakeServer) { fs.dropOn = "MAIL" }, email.ErrTemporary, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFakeServer(t, serverConfig{})
			fs.set(tc.setup)
			s, err := New(fs.host, fs.port)
			require.NoError(t, err)
			_, err = s.Send(context.Background(), testMessage("err"))
			require.Error(t, err)
			require.ErrorIs(t, err, tc.kind)
			var se *email.SendError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, Name, se.Provider)
			assert.Equal(t, tc.code, se.StatusCode)
			assert.Equal(t, tc.kind == email.ErrTemporary, se.Temporary())
			assert.Empty(t, fs.messages())
		})
	}
}

func TestIPv6Literal(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback:", err)
	}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &fakeSession{fs: &fakeServer{}, conn: c}, nil
	}))
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	s, err := NewFromURL(fmt.Sprintf("smtp://[::1]:%d", ln.Addr().(*net.TCPAddr).Port))
	require.NoError(t, err)
	_, err = s.Send(context.Background(), testMessage("v6"))
	require.NoError(t, err)
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	s, err := New("127.0.0.1", port, WithTimeout(5*time.Second))
	require.NoError(t, err)
	_, err = s.Send(context.Background(), testMessage("refused"))
	require.ErrorIs(t, err, email.ErrTemporary)
}

func TestServerClosesDuringGreeting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	s, err := New("127.0.0.1", ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, err)
	_, err = s.Send(context.Background(), testMessage("eof"))
	require.ErrorIs(t, err, email.ErrTemporary)
}

func TestContextCancelAbortsExchange(t *testing.T) {
	// A server that greets and then never answers EHLO.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	t.Cleanup(func() { close(done); _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("220 slow.test ESMTP\r\n"))
			go func() {
				defer func() { _ = c.Close() }()
				_, _ = c.Read(make([]byte, 4096))
				<-done
			}()
		}
	}()
	s, err := New("127.0.0.1", ln.Addr().(*net.TCPAddr).Port, WithTimeout(time.Minute))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.Send(ctx, testMessage("slow"))
	require.ErrorIs(t, err, email.ErrTemporary)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 20*time.Second, "cancel did not abort the exchange")
}

func TestSendManyOneConnection(t *testing.T) {
	fs := newFakeServer(t, serverConfig{})
	fs.set(func(fs *fakeServer) {
		fs.rcptErr = func(to string) error {
			if strings.HasPrefix(to, "bounce") {
				return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
			}
			return nil
		}
	})
	s, err := New(fs.host, fs.port)
	require.NoError(t, err)
	var msgs []*email.Message
	for i := range 10 {
		msgs = append(msgs, testMessage(fmt.Sprint(i)))
	}
	msgs[3].To = nil                                   // invalid: never sent
	msgs[6].To = []string{"bounce@example.com"}        // rejected by the server
	msgs[8].Bcc = []string{"hidden-batch@example.com"} // still delivered
	receipts, err := s.SendMany(context.Background(), msgs)
	var be *email.BatchError
	require.ErrorAs(t, err, &be)
	require.Len(t, be.Errs, 10)
	require.Len(t, receipts, 10)
	for i := range msgs {
		switch i {
		case 3:
			assert.ErrorIs(t, be.Errs[i], email.ErrInvalidMessage)
			assert.Nil(t, receipts[i])
		case 6:
			assert.ErrorIs(t, be.Errs[i], email.ErrRejectedRecipient)
			assert.Nil(t, receipts[i])
		default:
			assert.NoError(t, be.Errs[i])
			require.NotNil(t, receipts[i])
		}
	}
	assert.Equal(t, 1, fs.sessionCount(), "one connection for the whole batch")
	got := fs.messages()
	require.Len(t, got, 8)
	byID := make(map[string]received)
	for _, m := range got {
		byID[strings.Trim(decode(t, m.Data).Header.Get("Message-Id"), "<>")] = m
	}
	for i, r := range receipts {
		if r == nil {
			continue
		}
		m, ok := byID[r.MessageID]
		require.True(t, ok, "receipt %d id %s not delivered", i, r.MessageID)
		assert.Equal(t, "Test "+fmt.Sprint(i), decode(t, m.Data).Subject)
	}
	assert.Contains(t, byID[receipts[8].MessageID].Rcpts, "hidden-batch@example.com")
	assert.NotContains(t, string(byID[receipts[8].MessageID].Data), "hidden-batch")

	// All valid: no error, one more connection.
	receipts, err = s.SendMany(context.Background(), msgs[:2])
	require.NoError(t, err)
	assert.Len(t, receipts, 2)
	assert.Equal(t, 2, fs.sessionCount())

	// Nothing valid: no connection at all.
	_, err = s.SendMany(context.Background(), []*email.Message{msgs[3]})
	require.ErrorIs(t, err, email.ErrInvalidMessage)
	assert.Equal(t, 2, fs.sessionCount())
}

func TestSendManyDialFailure(t *testing.T) {
	fs := newFakeServer(t, serverConfig{})
	s, err := New(fs.host, fs.port, WithTLSPolicy(TLSMandatory))
	require.NoError(t, err)
	receipts, err := s.SendMany(context.Background(), []*email.Message{testMessage("a"), testMessage("b")})
	var be *email.BatchError
	require.ErrorAs(t, err, &be)
	require.ErrorIs(t, be.Errs[0], ErrTLSRequired)
	require.ErrorIs(t, be.Errs[1], ErrTLSRequired)
	assert.Equal(t, []*email.Receipt{nil, nil}, receipts)
}

func TestSendManyCanceled(t *testing.T) {
	fs := newFakeServer(t, serverConfig{})
	s, err := New(fs.host, fs.port)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = s.SendMany(ctx, []*email.Message{testMessage("a")})
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, email.ErrTemporary)
	assert.Equal(t, 0, fs.sessionCount())
}

func TestMessageFormat(t *testing.T) {
	fs := newFakeServer(t, serverConfig{})
	s, err := New(fs.host, fs.port)
	require.NoError(t, err)
	m := &email.Message{
		From:    "Jürgen Müller <juergen@example.com>",
		To:      []string{"a@example.com"},
		Cc:      []string{"c@example.com"},
		Bcc:     []string{"secret-bcc@example.com"},
		ReplyTo: []string{"r1@example.com", "r2@example.com"},
		Subject: "Grüße aus Köln",
		HTML:    "<p>Only HTML</p>",
		Headers: map[string]string{"Message-ID": "<custom-id@example.com>", "X-Campaign": "spring", "List-Unsubscribe": "<mailto:u@example.com>"},
		Tags:    []string{"ignored"},
	}
	r, err := s.Send(context.Background(), m)
	require.NoError(t, err)
	assert.Equal(t, "custom-id@example.com", r.MessageID)
	got := fs.messages()
	require.Len(t, got, 1)
	raw := string(got[0].Data)
	d := decode(t, got[0].Data)
	assert.Equal(t, "<custom-id@example.com>", d.Header.Get("Message-Id"))
	assert.Equal(t, "spring", d.Header.Get("X-Campaign"))
	assert.Equal(t, "<mailto:u@example.com>", d.Header.Get("List-Unsubscribe"))
	assert.Equal(t, "Grüße aus Köln", d.Subject)
	from, err := d.Header.AddressList("From")
	require.NoError(t, err)
	assert.Equal(t, "Jürgen Müller", from[0].Name)
	rt, err := d.Header.AddressList("Reply-To")
	require.NoError(t, err)
	assert.Len(t, rt, 2)
	assert.Equal(t, "<p>Only HTML</p>", strings.TrimSpace(d.HTML))
	assert.NotEmpty(t, d.Header.Get("Date"))
	assert.Empty(t, d.Header.Get("Bcc"))
	assert.NotContains(t, raw, "secret-bcc")
	assert.NotContains(t, strings.ToLower(raw), "user-agent: go-mail")
	assert.ElementsMatch(t, []string{"a@example.com", "c@example.com", "secret-bcc@example.com"}, got[0].Rcpts)
	assert.Equal(t, "juergen@example.com", got[0].From)
}

func TestGeneratedMessageID(t *testing.T) {
	fs := newFakeServer(t, serverConfig{})
	s, err := New(fs.host, fs.port)
	require.NoError(t, err)
	r, err := s.Send(context.Background(), testMessage("id"))
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f]{32}@example\.com$`, r.MessageID)
	assert.Equal(t, Name, r.Provider)
}

func TestValidationBeforeConnecting(t *testing.T) {
	fs := newFakeServer(t, serverConfig{})
	s, err := New(fs.host, fs.port, WithMaxSize(100))
	require.NoError(t, err)
	m := testMessage("big")
	m.Text = strings.Repeat("x", 200)
	_, err = s.Send(context.Background(), m)
	require.ErrorIs(t, err, email.ErrInvalidMessage)
	assert.Equal(t, 0, fs.sessionCount())
}

func TestLogsNeverHoldCredentials(t *testing.T) {
	fs := authServer(t)
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, pass := range []string{testPassword, "wrong-" + testPassword} {
		s, err := New(fs.host, fs.port, WithCredentials("user", pass), WithLogger(log))
		require.NoError(t, err)
		_, _ = s.Send(context.Background(), testMessage("log"))
		_, _ = s.SendMany(context.Background(), []*email.Message{testMessage("log")})
	}
	out := buf.String()
	assert.Contains(t, out, "smtp message sent")
	assert.Contains(t, out, "smtp send failed")
	assert.NotContains(t, out, testPassword)
	assert.NotContains(t, out, "user-log@example.com", "addresses are not logged")
	assert.Contains(t, out, `"error_kind":"email: authentication failed"`)
}

func TestOptions(t *testing.T) {
	cases := []struct {
		name string
		host string
		port int
		opts []Option
	}{
		{"EmptyHost", "", 25, nil},
		{"BadPort", "h", 0, nil},
		{"BigPort", "h", 70000, nil},
		{"EmptyUser", "h", 25, []Option{WithCredentials("", "p")}},
		{"UnknownAuth", "h", 25, []Option{WithCredentials("u", "p"), WithAuth("NTLMv9")}},
		{"AuthWithoutCredentials", "h", 25, []Option{WithAuth(AuthPlain)}},
		{"BadPolicy", "h", 25, []Option{WithTLSPolicy(TLSPolicy(9))}},
		{"NilTLS", "h", 25, []Option{WithTLSConfig(nil)}},
		{"ZeroTimeout", "h", 25, []Option{WithTimeout(0)}},
		{"EmptyHELO", "h", 25, []Option{WithHELO("")}},
		{"NilLogger", "h", 25, []Option{WithLogger(nil)}},
		{"ZeroMaxSize", "h", 25, []Option{WithMaxSize(0)}},
		{"EmptyPassword", "h", 25, []Option{WithCredentials("u", "")}},
		{"PaddedPassword", "h", 25, []Option{WithCredentials("u", " "+testPassword)}},
		{"PasswordWithLF", "h", 25, []Option{WithCredentials("u", testPassword+"\nX")}},
		{"PaddedUser", "h", 25, []Option{WithCredentials("u\t", testPassword)}},
		{"BadDKIM", "h", 25, []Option{WithDKIM(DKIM{Domain: "example.com"})}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.host, tc.port, tc.opts...)
			require.ErrorIs(t, err, email.ErrInvalidConfig)
			require.ErrorContains(t, err, "smtpmail: ")
			require.NotContains(t, err.Error(), testPassword)
		})
	}
	s, err := New("smtp.example.com", 587, nil, WithHELO("client.example.com"), WithTimeout(time.Second))
	require.NoError(t, err)
	assert.Equal(t, "client.example.com", s.cfg.helo)
	assert.Equal(t, "smtp.example.com", s.cfg.tlsConfig.ServerName)
	assert.Equal(t, "mandatory", TLSMandatory.String())
	assert.Equal(t, "opportunistic", TLSOpportunistic.String())
	assert.Equal(t, "none", TLSNone.String())
	assert.Equal(t, "TLSPolicy(7)", TLSPolicy(7).String())
}

func TestNewFromURL(t *testing.T) {
	cases := []struct {
		url      string
		host     string
		port     int
		user     string
		pass     string
		implicit bool
		policy   TLSPolicy
		auth     Auth
	}{
		{"smtp://user:p%40ss@smtp.example.com:2525", "smtp.example.com", 2525, "user", "p@ss", false, TLSMandatory, AuthAuto},
		{"smtp://smtp.example.com", "smtp.example.com", 587, "", "", false, TLSMandatory, AuthAuto},
		{"smtps://u:p@smtp.example.com", "smtp.example.com", 465, "u", "p", true, TLSMandatory, AuthAuto},
		{"SMTP://localhost:1025", "localhost", 1025, "", "", false, TLSOpportunistic, AuthAuto},
		{"smtp://u:p@[::1]:25?tls=none&auth=login", "::1", 25, "u", "p", false, TLSNone, AuthLogin},
		{"smtp://u:p@h?tls=opportunistic&auth=cram-md5", "h", 587, "u", "p", false, TLSOpportunistic, AuthCRAMMD5},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			s, err := NewFromURL(tc.url)
			require.NoError(t, err)
			assert.Equal(t, tc.host, s.host)
			assert.Equal(t, tc.port, s.port)
			assert.Equal(t, tc.user, s.cfg.username)
			assert.Equal(t, tc.pass, s.cfg.password)
			assert.Equal(t, tc.implicit, s.cfg.implicitTLS)
			assert.Equal(t, tc.policy, s.cfg.tlsPolicy)
			assert.Equal(t, tc.auth, s.cfg.auth)
		})
	}
	for _, bad := range []string{
		"http://h", "smtp://", "smtp://h:notaport", "smtp://h?tls=maybe", "smtp://u:p@h?auth=magic",
		"smtp://user:s3cr3t@h:99999", "smtp://user:s3cr3t@%zz", "smtp://user@h", "smtp://:s3cr3t@h",
	} {
		t.Run("Bad "+bad, func(t *testing.T) {
			_, err := NewFromURL(bad)
			require.ErrorIs(t, err, email.ErrInvalidConfig)
			assert.NotContains(t, err.Error(), "s3cr3t")
		})
	}
	// Options after the URL win.
	s, err := NewFromURL("smtp://u:p@localhost", WithTLSPolicy(TLSMandatory))
	require.NoError(t, err)
	assert.Equal(t, TLSMandatory, s.cfg.tlsPolicy)
}

func TestEnhancedCode(t *testing.T) {
	assert.Equal(t, "5.7.8", enhancedCode("5.7.8 Authentication failed"))
	assert.Equal(t, "4.3.0", enhancedCode("4.3.0"))
	for _, s := range []string{"", "Authentication failed", "5.7 x", "6.1.1 x", "5.a.1 x", "5.1.1234 x"} {
		assert.Empty(t, enhancedCode(s), s)
	}
}

func TestClassifyFallbacks(t *testing.T) {
	ctx := context.Background()
	err := classifySend(ctx, errors.New("odd"))
	require.ErrorIs(t, err, email.ErrPermanent)
	err = classifySend(ctx, net.ErrClosed)
	require.ErrorIs(t, err, email.ErrTemporary)
	err = classifyDial(ctx, errors.New("odd"))
	require.ErrorIs(t, err, email.ErrPermanent)
}

// TestHTMLOnlyGetsTextPart is the regression test for HTML-only messages,
// which used to go out as a single text/html part: the message the server
// receives is multipart/alternative with a text/plain part derived from
// the HTML first.
func TestHTMLOnlyGetsTextPart(t *testing.T) {
	fs := newFakeServer(t, serverConfig{})
	s, err := New(fs.host, fs.port)
	require.NoError(t, err)
	m := &email.Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "Hi",
		HTML: "<h1>Welcome</h1><p>Your account is <b>ready</b>.</p>"}
	_, err = s.Send(context.Background(), m)
	require.NoError(t, err)
	msgs := fs.messages()
	require.Len(t, msgs, 1)
	d := decode(t, msgs[0].Data)
	mt, _, err := mime.ParseMediaType(d.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/alternative", mt)
	require.Equal(t, "Welcome\n\nYour account is ready.", strings.TrimSpace(strings.ReplaceAll(d.Text, "\r\n", "\n")))
	require.Equal(t, m.HTML, strings.TrimSpace(d.HTML))
	require.Empty(t, m.Text, "the caller's message is not modified")
}

// TestSilentByDefault: without WithLogger the Sender logs nowhere, not
// through slog.Default, the log package or standard error, whether a send
// succeeds, is refused or cannot connect.
func TestSilentByDefault(t *testing.T) {
	logs := sendertest.CaptureDefaultLogs(t)
	fs := newFakeServer(t, serverConfig{})
	s, err := New(fs.host, fs.port)
	require.NoError(t, err)
	_, err = s.Send(context.Background(), testMessage("silent"))
	require.NoError(t, err)
	fs.set(func(fs *fakeServer) {
		fs.rcptErr = func(string) error { return &gosmtp.SMTPError{Code: 550, Message: "No such user"} }
	})
	_, err = s.Send(context.Background(), testMessage("silent"))
	require.Error(t, err)
	_, err = s.SendMany(context.Background(), []*email.Message{testMessage("a"), testMessage("b")})
	require.Error(t, err)
	dead, err := New("127.0.0.1", 1)
	require.NoError(t, err)
	_, err = dead.Send(context.Background(), testMessage("silent"))
	require.Error(t, err)
	require.Empty(t, logs(), "a sender without WithLogger must log nowhere")
}
