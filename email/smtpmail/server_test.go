package smtpmail

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/emailtest"
)

// received is one message accepted by the fake server.
type received struct {
	From  string
	Rcpts []string
	Data  []byte
	User  string
	TLS   bool
}

// fakeServer is an in-process SMTP server (github.com/emersion/go-smtp)
// whose behaviour tests can change while it runs.
type fakeServer struct {
	host string
	port int

	mu       sync.Mutex
	msgs     []received
	sessions int
	users    map[string]string // AUTH accepted for these; nil: no AUTH
	mechs    []string
	mailErr  error
	rcptErr  func(to string) error
	dataErr  error
	dropOn   string // "MAIL": close the connection when MAIL arrives
}

type serverConfig struct {
	tls           *tls.Config // offers STARTTLS when set
	users         map[string]string
	mechs         []string
	insecureAuth  bool
	implicitTLS   bool
	maxRecipients int
}

func newFakeServer(t testing.TB, cfg serverConfig) *fakeServer {
	t.Helper()
	fs := &fakeServer{users: cfg.users, mechs: cfg.mechs}
	if fs.users != nil && fs.mechs == nil {
		fs.mechs = []string{sasl.Plain, sasl.Login}
	}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		fs.mu.Lock()
		fs.sessions++
		fs.mu.Unlock()
		return &fakeSession{fs: fs, conn: c}, nil
	}))
	srv.Domain = "fake.test"
	srv.AllowInsecureAuth = cfg.insecureAuth
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxRecipients = cfg.maxRecipients
	srv.TLSConfig = cfg.tls
	var ln net.Listener
	var err error
	if cfg.implicitTLS {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", cfg.tls)
		srv.TLSConfig = nil
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	require.NoError(t, err)
	addr := ln.Addr().(*net.TCPAddr)
	fs.host, fs.port = "127.0.0.1", addr.Port
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return fs
}

func (fs *fakeServer) messages() []received {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]received(nil), fs.msgs...)
}

func (fs *fakeServer) sessionCount() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.sessions
}

func (fs *fakeServer) set(f func(fs *fakeServer)) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f(fs)
}

type fakeSession struct {
	fs    *fakeServer
	conn  *gosmtp.Conn
	user  string
	from  string
	rcpts []string
}

func (s *fakeSession) AuthMechanisms() []string {
	s.fs.mu.Lock()
	defer s.fs.mu.Unlock()
	if s.fs.users == nil {
		return nil
	}
	return s.fs.mechs
}

func (s *fakeSession) check(user, pass string) error {
	s.fs.mu.Lock()
	defer s.fs.mu.Unlock()
	if want, ok := s.fs.users[user]; ok && want == pass {
		s.user = user
		return nil
	}
	return gosmtp.ErrAuthFailed
}

func (s *fakeSession) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return s.check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: s.check}, nil
	case "CRAM-MD5":
		s.fs.mu.Lock()
		users := s.fs.users
		s.fs.mu.Unlock()
		return &cramServer{users: users, ok: func(u string) { s.user = u }}, nil
	}
	return nil, gosmtp.ErrAuthUnknownMechanism
}

func (s *fakeSession) Mail(from string, _ *gosmtp.MailOptions) error {
	s.fs.mu.Lock()
	drop, mailErr, needAuth := s.fs.dropOn == "MAIL", s.fs.mailErr, s.fs.users != nil
	s.fs.mu.Unlock()
	if drop {
		_ = s.conn.Conn().Close()
		return errors.New("dropped")
	}
	if needAuth && s.user == "" {
		return &gosmtp.SMTPError{Code: 530, EnhancedCode: gosmtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	if mailErr != nil {
		return mailErr
	}
	s.from = from
	return nil
}

func (s *fakeSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.fs.mu.Lock()
	f := s.fs.rcptErr
	s.fs.mu.Unlock()
	if f != nil {
		if err := f(to); err != nil {
			return err
		}
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *fakeSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.fs.mu.Lock()
	defer s.fs.mu.Unlock()
	if s.fs.dataErr != nil {
		return s.fs.dataErr
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.fs.msgs = append(s.fs.msgs, received{From: s.from, Rcpts: append([]string(nil), s.rcpts...), Data: b, User: s.user, TLS: isTLS})
	return nil
}

func (s *fakeSession) Reset() { s.from, s.rcpts = "", nil }

func (s *fakeSession) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN (go-sasl ships only the
// client side).
type loginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if response != nil {
			l.user = string(response)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.user = string(response)
		l.step++
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(response))
	}
}

// cramServer is the server side of AUTH CRAM-MD5 (RFC 2195).
type cramServer struct {
	users     map[string]string
	ok        func(user string)
	challenge string
}

func (c *cramServer) Next(response []byte) ([]byte, bool, error) {
	if c.challenge == "" {
		c.challenge = fmt.Sprintf("<%d.%d@fake.test>", time.Now().UnixNano(), 42)
		return []byte(c.challenge), false, nil
	}
	user, digest, found := strings.Cut(string(response), " ")
	pass, known := c.users[user]
	if !found || !known {
		return nil, true, gosmtp.ErrAuthFailed
	}
	mac := hmac.New(md5.New, []byte(pass))
	mac.Write([]byte(c.challenge))
	if !hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(digest)) {
		return nil, true, gosmtp.ErrAuthFailed
	}
	c.ok(user)
	return nil, true, nil
}

// selfSigned returns a server TLS config for 127.0.0.1 and localhost and
// a client config that trusts it.
func selfSigned(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fake.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return server, client
}

// decoded is a parsed raw message.
type decoded struct {
	Header      mail.Header
	Subject     string
	Text, HTML  string
	Attachments []email.Attachment
}

var wordDecoder = mime.WordDecoder{}

// decode parses a raw RFC 5322 message with MIME parts.
func decode(t testing.TB, raw []byte) *decoded {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	require.NoError(t, err)
	d := &decoded{Header: msg.Header}
	d.Subject, err = wordDecoder.DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err)
	walkPart(t, d, textprotoHeader(msg.Header), msg.Body)
	return d
}

type partHeader interface{ Get(string) string }

func textprotoHeader(h mail.Header) partHeader { return h }

func walkPart(t testing.TB, d *decoded, h partHeader, body io.Reader) {
	t.Helper()
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	require.NoError(t, err, ct)
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			require.NoError(t, err)
			walkPart(t, d, p.Header, p)
		}
	}
	data, err := io.ReadAll(body)
	require.NoError(t, err)
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		data, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(data)))
		require.NoError(t, err)
	case "quoted-printable":
		data, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(data)))
		require.NoError(t, err)
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if name != "" {
		name, _ = wordDecoder.DecodeHeader(name)
	}
	if disp == "attachment" || (disp == "inline" && name != "") || (name != "" && !strings.HasPrefix(mt, "text/")) {
		d.Attachments = append(d.Attachments, email.Attachment{
			Filename: name, ContentType: ct, Data: data,
			ContentID: strings.Trim(h.Get("Content-Id"), "<>"),
		})
		return
	}
	switch mt {
	case "text/plain":
		d.Text = string(data)
	case "text/html":
		d.HTML = string(data)
	}
}

// conformanceHarness plugs a fake server into emailtest.Run.
func conformanceHarness(t *testing.T, fs *fakeServer, opts ...Option) emailtest.Harness {
	return emailtest.Harness{
		New: func(t *testing.T) email.Sender {
			s, err := New(fs.host, fs.port, opts...)
			require.NoError(t, err)
			return s
		},
		Calls: fs.sessionCount,
		InjectError: func(t *testing.T, kind error) bool {
			var undo func(fs *fakeServer)
			switch kind {
			case email.ErrTemporary:
				fs.set(func(fs *fakeServer) {
					fs.rcptErr = func(string) error {
						return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
					}
				})
				undo = func(fs *fakeServer) { fs.rcptErr = nil }
			case email.ErrRejectedRecipient:
				fs.set(func(fs *fakeServer) {
					fs.rcptErr = func(string) error {
						return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
					}
				})
				undo = func(fs *fakeServer) { fs.rcptErr = nil }
			case email.ErrPermanent:
				fs.set(func(fs *fakeServer) {
					fs.dataErr = &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 6, 0}, Message: "Message rejected"}
				})
				undo = func(fs *fakeServer) { fs.dataErr = nil }
			case email.ErrAuthentication:
				var saved map[string]string
				fs.set(func(fs *fakeServer) { saved = fs.users })
				if saved == nil {
					return false // the server takes no AUTH
				}
				fs.set(func(fs *fakeServer) { fs.users = map[string]string{"nobody": "x"} })
				undo = func(fs *fakeServer) { fs.users = saved }
			default:
				return false
			}
			t.Cleanup(func() { fs.set(undo) })
			return true
		},
		Delivered: func(t *testing.T, r *email.Receipt, _ *email.Message) *emailtest.Delivery {
			for _, m := range fs.messages() {
				d := decode(t, m.Data)
				if strings.Trim(d.Header.Get("Message-Id"), "<>") != r.MessageID {
					continue
				}
				return toDelivery(t, m, d)
			}
			t.Fatalf("message %s not received", r.MessageID)
			return nil
		},
		Secrets: []string{testPassword},
	}
}

const testPassword = "s3cr3t-Pa55word"

func toDelivery(t testing.TB, m received, d *decoded) *emailtest.Delivery {
	t.Helper()
	addrs := func(name string) []string {
		list, err := d.Header.AddressList(name)
		if errors.Is(err, mail.ErrHeaderNotPresent) {
			return nil
		}
		require.NoError(t, err, name)
		var out []string
		for _, a := range list {
			out = append(out, a.Address)
		}
		return out
	}
	del := &emailtest.Delivery{
		To:          addrs("To"),
		Cc:          addrs("Cc"),
		ReplyTo:     addrs("Reply-To"),
		Subject:     d.Subject,
		Text:        d.Text,
		HTML:        d.HTML,
		Headers:     map[string][]string(d.Header),
		Attachments: d.Attachments,
	}
	if from := addrs("From"); len(from) == 1 {
		del.From = from[0]
	}
	inHeaders := make(map[string]bool)
	for _, a := range append(append([]string{}, del.To...), del.Cc...) {
		inHeaders[strings.ToLower(a)] = true
	}
	for _, r := range m.Rcpts {
		if !inHeaders[strings.ToLower(r)] {
			del.Bcc = append(del.Bcc, r)
		}
	}
	return del
}
