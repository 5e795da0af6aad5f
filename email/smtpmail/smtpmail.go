package smtpmail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	mail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/switchboard-go/switchboard/email"
)

// Name is the Provider of receipts and errors from this package.
const Name = "smtp"

// configError returns a configuration error: it wraps
// email.ErrInvalidConfig and names this package. It must never be given a
// password.
func configError(format string, args ...any) error {
	return fmt.Errorf("%w: smtpmail: %s", email.ErrInvalidConfig, fmt.Sprintf(format, args...))
}

// Sender sends email over SMTP. It is safe for concurrent use: every Send
// and SendMany call opens its own connection and closes it when done.
type Sender struct {
	host string
	port int
	cfg  config
	log  *slog.Logger
}

var (
	_ email.Sender      = (*Sender)(nil)
	_ email.BatchSender = (*Sender)(nil)
)

// New returns a Sender for the server at host:port.
//
// TLS is mandatory by default: the server must offer STARTTLS and present
// a certificate valid for host, or nothing is sent (see WithTLSPolicy and
// WithImplicitTLS). For a loopback host (localhost, 127.0.0.1, ::1) the
// default is TLSOpportunistic instead, so local relays and test servers
// such as mailpit work without certificates; an explicit WithTLSPolicy
// always wins.
func New(host string, port int, opts ...Option) (*Sender, error) {
	if host == "" {
		return nil, configError("the host is empty")
	}
	if port <= 0 || port > 65535 {
		return nil, configError("the port %d is not between 1 and 65535", port)
	}
	cfg := config{auth: AuthAuto, timeout: DefaultTimeout}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if !cfg.tlsPolicySet && isLoopback(host) {
		cfg.tlsPolicy = TLSOpportunistic
	}
	if cfg.auth != AuthAuto && !cfg.hasCredentials {
		return nil, configError("WithAuth needs WithCredentials")
	}
	if cfg.tlsConfig == nil {
		cfg.tlsConfig = &tls.Config{}
	}
	if cfg.tlsConfig.ServerName == "" {
		cfg.tlsConfig.ServerName = host
	}
	if cfg.tlsConfig.MinVersion < tls.VersionTLS12 {
		cfg.tlsConfig.MinVersion = tls.VersionTLS12
	}
	if cfg.helo == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "localhost"
		}
		cfg.helo = h
	}
	log := cfg.logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sender{host: host, port: port, cfg: cfg, log: log}, nil
}

// NewFromURL returns a Sender described by a URL:
//
//	smtp://user:pass@smtp.example.com:587   STARTTLS (port 587 by default)
//	smtps://user:pass@smtp.example.com      implicit TLS (port 465 by default)
//
// User name and password are percent-decoded. The query may set
// tls=mandatory|opportunistic|none and auth=plain|login|cram-md5|
// scram-sha-1|scram-sha-256|xoauth2. Options given here apply after the
// URL's settings.
func NewFromURL(rawURL string, opts ...Option) (*Sender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse errors repeat the input, which may hold a password.
		return nil, configError("the SMTP URL does not parse")
	}
	var pre []Option
	port := 0
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		port = 587
	case "smtps":
		port = 465
		pre = append(pre, WithImplicitTLS())
	default:
		return nil, configError("the SMTP URL scheme must be smtp or smtps, not %q", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, configError("the SMTP URL has no host")
	}
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil {
			return nil, configError("the SMTP URL has an invalid port")
		}
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		pre = append(pre, WithCredentials(u.User.Username(), pass))
	}
	q := u.Query()
	if v := q.Get("tls"); v != "" {
		switch strings.ToLower(v) {
		case "mandatory":
			pre = append(pre, WithTLSPolicy(TLSMandatory))
		case "opportunistic":
			pre = append(pre, WithTLSPolicy(TLSOpportunistic))
		case "none":
			pre = append(pre, WithTLSPolicy(TLSNone))
		default:
			return nil, configError("unknown tls=%q in the SMTP URL", v)
		}
	}
	if v := q.Get("auth"); v != "" {
		pre = append(pre, WithAuth(Auth(strings.ToUpper(v))))
	}
	return New(u.Hostname(), port, append(pre, opts...)...)
}

// Send validates m and delivers it over a new connection. The receipt's
// MessageID is the Message-ID header without angle brackets: the one given
// in m.Headers["Message-ID"], or a random one under the sender's domain.
//
// Bcc recipients get the message (they are in the SMTP envelope) but no
// Bcc header is written. Tags and Metadata have no SMTP equivalent and are
// ignored.
func (s *Sender) Send(ctx context.Context, m *email.Message) (_ *email.Receipt, err error) {
	ctx, ob := email.StartObservation(ctx, s.cfg.obs, Name, "send")
	defer func() { ob.End(err) }()
	gm, id, err := s.build(m)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	err = s.withConn(ctx, func(c *mail.Client, sc *smtp.Client) error {
		return s.sendOne(ctx, c, sc, gm)
	})
	s.logResult(ctx, id, len(m.To)+len(m.Cc)+len(m.Bcc), start, err)
	if err != nil {
		return nil, err
	}
	return &email.Receipt{Provider: Name, MessageID: id}, nil
}

// SendMany validates msgs and delivers the valid ones, in order, over one
// connection. It returns a receipt per message (nil for those not sent);
// when any message was not sent the error is an *email.BatchError whose
// Errs line up with msgs.
func (s *Sender) SendMany(ctx context.Context, msgs []*email.Message) (_ []*email.Receipt, err error) {
	ctx, ob := email.StartObservation(ctx, s.cfg.obs, Name, "send_many")
	defer func() { ob.End(err) }()
	receipts := make([]*email.Receipt, len(msgs))
	errs := make([]error, len(msgs))
	built := make([]*mail.Msg, len(msgs))
	ids := make([]string, len(msgs))
	pending := 0
	for i, m := range msgs {
		gm, id, err := s.build(m)
		if err != nil {
			errs[i] = err
			continue
		}
		built[i], ids[i] = gm, id
		pending++
	}
	if pending > 0 {
		start := time.Now()
		dialErr := s.withConn(ctx, func(c *mail.Client, sc *smtp.Client) error {
			for i, gm := range built {
				if gm == nil {
					continue
				}
				if err := ctx.Err(); err != nil {
					errs[i] = &email.SendError{Kind: email.ErrTemporary, Provider: Name, Message: "context done before sending", Err: err}
					continue
				}
				if err := s.sendOne(ctx, c, sc, gm); err != nil {
					errs[i] = err
					continue
				}
				receipts[i] = &email.Receipt{Provider: Name, MessageID: ids[i]}
			}
			return nil
		})
		if dialErr != nil {
			for i, gm := range built {
				if gm != nil {
					errs[i] = dialErr
				}
			}
		}
		s.log.LogAttrs(ctx, slog.LevelDebug, "smtp batch sent",
			slog.String("host", s.host), slog.Int("messages", len(msgs)),
			slog.Int("sent", countNonNil(receipts)), slog.Duration("duration", time.Since(start)))
	}
	for _, err := range errs {
		if err != nil {
			return receipts, &email.BatchError{Errs: errs}
		}
	}
	return receipts, nil
}

func countNonNil(rs []*email.Receipt) int {
	n := 0
	for _, r := range rs {
		if r != nil {
			n++
		}
	}
	return n
}

func (s *Sender) logResult(ctx context.Context, id string, rcpts int, start time.Time, err error) {
	attrs := []slog.Attr{
		slog.String("host", s.host), slog.String("message_id", id),
		slog.Int("recipients", rcpts), slog.Duration("duration", time.Since(start)),
	}
	if err != nil {
		// Only the classification: provider texts can carry addresses.
		kind, status := "unknown", 0
		var se *email.SendError
		if errors.As(err, &se) {
			kind, status = se.Kind.Error(), se.StatusCode
		}
		attrs = append(attrs, slog.String("error_kind", kind), slog.Int("status", status))
		s.log.LogAttrs(ctx, slog.LevelWarn, "smtp send failed", attrs...)
		return
	}
	s.log.LogAttrs(ctx, slog.LevelDebug, "smtp message sent", attrs...)
}

// build prepares m (validation and a text part derived from HTML-only
// messages, see email.Prepare) and turns it into a go-mail message.
func (s *Sender) build(m *email.Message) (*mail.Msg, string, error) {
	var vopts []email.ValidateOption
	if s.cfg.maxSize > 0 {
		vopts = append(vopts, email.WithMaxSize(s.cfg.maxSize))
	}
	m, err := email.Prepare(m, vopts...)
	if err != nil {
		return nil, "", err
	}
	addrs, err := email.ParseAddresses(m)
	if err != nil {
		return nil, "", err
	}
	var mopts []mail.MsgOption
	mopts = append(mopts, mail.WithNoDefaultUserAgent())
	if s.cfg.dkim != nil {
		signer, err := s.cfg.dkim.signer()
		if err != nil {
			return nil, "", err
		}
		mopts = append(mopts, mail.WithDKIM(signer))
	}
	gm := mail.NewMsg(mopts...)
	gm.FromMailAddress(addrs.From)
	if len(addrs.To) > 0 {
		gm.ToMailAddress(addrs.To...)
	}
	if len(addrs.Cc) > 0 {
		gm.CcMailAddress(addrs.Cc...)
	}
	if len(addrs.Bcc) > 0 {
		gm.BccMailAddress(addrs.Bcc...)
	}
	if len(addrs.ReplyTo) > 0 {
		gm.ReplyToMailAddress(addrs.ReplyTo...)
	}
	gm.Subject(m.Subject)

	id := ""
	for _, name := range email.SortedKeys(m.Headers) {
		v := m.Headers[name]
		if email.CanonicalHeaderName(name) == "Message-Id" {
			id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(v), "<"), ">")
			continue
		}
		gm.SetGenHeader(mail.Header(name), v)
	}
	if id == "" {
		id = newMessageID(addrs.From.Address)
	}
	gm.SetMessageIDWithValue(id)

	switch {
	case m.Text != "" && m.HTML != "":
		gm.SetBodyString(mail.TypeTextPlain, m.Text)
		gm.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	case m.HTML != "":
		gm.SetBodyString(mail.TypeTextHTML, m.HTML)
	default:
		gm.SetBodyString(mail.TypeTextPlain, m.Text)
	}
	for _, a := range m.Attachments {
		var fopts []mail.FileOption
		if a.ContentType != "" {
			fopts = append(fopts, mail.WithFileContentType(mail.ContentType(a.ContentType)))
		}
		r := bytes.NewReader(a.Data)
		if a.ContentID != "" {
			fopts = append(fopts, mail.WithFileContentID("<"+a.ContentID+">"))
			if err := gm.EmbedReader(a.Filename, r, fopts...); err != nil {
				return nil, "", fmt.Errorf("smtpmail: inline part: %w", err)
			}
			continue
		}
		if err := gm.AttachReader(a.Filename, r, fopts...); err != nil {
			return nil, "", fmt.Errorf("smtpmail: attachment: %w", err)
		}
	}
	return gm, id, nil
}

// newMessageID returns a random id-left@domain Message-ID value.
func newMessageID(from string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	domain := "localhost"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = strings.ToLower(from[at+1:])
	}
	return hex.EncodeToString(b[:]) + "@" + domain
}

// withConn dials, runs fn on the connection and closes it. Cancelling
// ctx aborts the exchange by closing the socket.
func (s *Sender) withConn(ctx context.Context, fn func(*mail.Client, *smtp.Client) error) error {
	if err := ctx.Err(); err != nil {
		return &email.SendError{Kind: email.ErrTemporary, Provider: Name, Message: "context done before connecting", Err: err}
	}
	var (
		mu      sync.Mutex
		conn    net.Conn
		aborted bool
	)
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		aborted = true
		if conn != nil {
			_ = conn.Close()
		}
	})
	defer stop()
	// go-mail formats the address as host:port, which breaks IPv6
	// literals, so the dialer uses its own.
	addr := net.JoinHostPort(strings.Trim(s.host, "[]"), strconv.Itoa(s.port))
	dial := func(dctx context.Context, network, _ string) (net.Conn, error) {
		d := net.Dialer{Timeout: s.cfg.timeout}
		c, err := d.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		if s.cfg.implicitTLS {
			tc := tls.Client(c, s.cfg.tlsConfig.Clone())
			if err := tc.HandshakeContext(dctx); err != nil {
				_ = c.Close()
				return nil, err
			}
			c = tc
		}
		mu.Lock()
		defer mu.Unlock()
		if aborted {
			_ = c.Close()
			return nil, ctx.Err()
		}
		conn = c
		return c, nil
	}
	client, err := s.newClient(dial)
	if err != nil {
		return &email.SendError{Kind: email.ErrPermanent, Provider: Name, Message: "configuring SMTP client", Err: err}
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if sc != nil {
			_ = sc.Close()
		}
		mu.Lock()
		if conn != nil {
			_ = conn.Close()
		}
		mu.Unlock()
		return classifyDial(ctx, err)
	}
	defer func() {
		_ = client.CloseWithSMTPClient(sc)
		_ = sc.Close()
	}()
	return fn(client, sc)
}

func (s *Sender) newClient(dial mail.DialContextFunc) (*mail.Client, error) {
	opts := []mail.Option{
		mail.WithPort(s.port),
		mail.WithTimeout(s.cfg.timeout),
		mail.WithHELO(s.cfg.helo),
		mail.WithTLSConfig(s.cfg.tlsConfig),
		mail.WithDialContextFunc(dial),
		// No NOOP before and no RSET after each message: a new MAIL
		// starts a new transaction (RFC 5321), and go-mail still sends RSET
		// after a refused recipient. This saves two round trips per message.
		mail.WithoutNoop(),
		mail.WithoutRset(),
	}
	if s.cfg.implicitTLS {
		opts = append(opts, mail.WithSSL())
	} else {
		switch s.cfg.tlsPolicy {
		case TLSMandatory:
			opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
		case TLSOpportunistic:
			opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
		case TLSNone:
			opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
		}
	}
	if s.cfg.hasCredentials {
		if s.cfg.auth == AuthAuto {
			opts = append(opts, mail.WithSMTPAuthCustom(&autoAuth{
				user: s.cfg.username, pass: s.cfg.password, host: s.host,
			}))
		} else {
			opts = append(opts,
				mail.WithSMTPAuth(goMailAuth[s.cfg.auth]),
				mail.WithUsername(s.cfg.username),
				mail.WithPassword(s.cfg.password))
		}
	}
	return mail.NewClient(s.host, opts...)
}

// sendOne sends gm on an open connection.
func (s *Sender) sendOne(ctx context.Context, c *mail.Client, sc *smtp.Client, gm *mail.Msg) error {
	err := c.SendWithSMTPClient(sc, gm)
	if err == nil || gm.IsDelivered() {
		// A failure after the server accepted the message (the RSET that
		// follows it) does not undo the delivery.
		return nil
	}
	return classifySend(ctx, err)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
