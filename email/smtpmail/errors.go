package smtpmail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/textproto"
	"strings"
	"syscall"

	mail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/switchboard-go/switchboard/email"
)

// ErrTLSRequired means the server does not offer STARTTLS while the TLS
// policy is TLSMandatory. Errors carrying it also match
// email.ErrPermanent.
var ErrTLSRequired = errors.New("smtpmail: server does not offer STARTTLS and TLS is mandatory")

// errNoMechanism is returned by autoAuth when the server offers no
// mechanism it may use.
var errNoMechanism = errors.New("smtpmail: server offers no usable AUTH mechanism")

func sendErr(kind error, code int, enhanced, msg string, err error) *email.SendError {
	return &email.SendError{Kind: kind, Provider: Name, StatusCode: code, Code: enhanced, Message: msg, Err: err}
}

// classifyDial maps an error from connecting, EHLO, STARTTLS or AUTH.
func classifyDial(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return sendErr(email.ErrTemporary, 0, "", "connecting", errors.Join(cerr, err))
	}
	if isNetworkError(err) {
		return sendErr(email.ErrTemporary, 0, "", "connecting: "+err.Error(), err)
	}
	var tpe *textproto.Error
	if errors.As(err, &tpe) {
		msg := strings.TrimSpace(tpe.Msg)
		switch {
		case tpe.Code == 535 || tpe.Code == 534 || tpe.Code == 538 || tpe.Code == 530:
			return sendErr(email.ErrAuthentication, tpe.Code, enhancedCode(msg), msg, err)
		case tpe.Code >= 400 && tpe.Code < 500:
			return sendErr(email.ErrTemporary, tpe.Code, enhancedCode(msg), msg, err)
		default:
			return sendErr(email.ErrPermanent, tpe.Code, enhancedCode(msg), msg, err)
		}
	}
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recErr tls.RecordHeaderError
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr):
		return sendErr(email.ErrPermanent, 0, "", "TLS certificate not trusted: "+err.Error(), err)
	case errors.As(err, &recErr):
		return sendErr(email.ErrPermanent, 0, "", "TLS handshake failed: "+err.Error(), err)
	case strings.Contains(err.Error(), "does not support STARTTLS"):
		return sendErr(email.ErrPermanent, 0, "", ErrTLSRequired.Error(), ErrTLSRequired)
	case errors.Is(err, errNoMechanism), errors.Is(err, smtp.ErrUnencrypted),
		errors.Is(err, smtp.ErrWrongHostname), isGoMailAuthError(err),
		strings.Contains(err.Error(), "SMTP AUTH"):
		return sendErr(email.ErrAuthentication, 0, "", err.Error(), err)
	}
	return sendErr(email.ErrPermanent, 0, "", err.Error(), err)
}

func isGoMailAuthError(err error) bool {
	for _, target := range []error{
		mail.ErrPlainAuthNotSupported, mail.ErrLoginAuthNotSupported, mail.ErrCramMD5AuthNotSupported,
		mail.ErrXOauth2AuthNotSupported, mail.ErrSCRAMSHA1AuthNotSupported, mail.ErrSCRAMSHA256AuthNotSupported,
		mail.ErrSCRAMSHA1PLUSAuthNotSupported, mail.ErrSCRAMSHA256PLUSAuthNotSupported,
		mail.ErrNoSupportedAuthDiscovered,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// classifySend maps an error from sending one message on an open
// connection.
func classifySend(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return sendErr(email.ErrTemporary, 0, "", "sending", errors.Join(cerr, err))
	}
	var se *mail.SendError
	if !errors.As(err, &se) {
		if isNetworkError(err) {
			return sendErr(email.ErrTemporary, 0, "", err.Error(), err)
		}
		return sendErr(email.ErrPermanent, 0, "", err.Error(), err)
	}
	code := se.ErrorCode()
	enhanced := se.EnhancedStatusCode()
	msg := se.Error()
	switch {
	case code == 0:
		switch se.Reason {
		case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
			return sendErr(email.ErrPermanent, 0, "", msg, err)
		}
		// The connection broke (write failed, no reply): try again later.
		return sendErr(email.ErrTemporary, 0, "", msg, err)
	case code >= 400 && code < 500:
		return sendErr(email.ErrTemporary, code, enhanced, msg, err)
	case se.Reason == mail.ErrSMTPRcptTo && (code == 550 || code == 551 || code == 553):
		return sendErr(email.ErrRejectedRecipient, code, enhanced, msg, err)
	case code == 530 || code == 535:
		return sendErr(email.ErrAuthentication, code, enhanced, msg, err)
	default:
		return sendErr(email.ErrPermanent, code, enhanced, msg, err)
	}
}

func isNetworkError(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// enhancedCode extracts an RFC 3463 enhanced status code ("5.7.8") from
// the start of a reply text.
func enhancedCode(msg string) string {
	f, _, _ := strings.Cut(msg, " ")
	parts := strings.Split(f, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || !strings.Contains("245", parts[0]) {
		return ""
	}
	for _, p := range parts[1:] {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return ""
		}
	}
	return f
}

// autoAuth is an smtp.Auth that picks the strongest mechanism the server
// offers when the exchange starts. A new one is made per connection.
type autoAuth struct {
	user, pass, host string
	chosen           smtp.Auth
}

var autoOrder = []Auth{AuthSCRAMSHA256, AuthSCRAMSHA1, AuthCRAMMD5, AuthPlain, AuthLogin}

// Start implements smtp.Auth.
func (a *autoAuth) Start(info *smtp.ServerInfo) (string, []byte, error) {
	offered := make(map[string]bool, len(info.Auth))
	for _, m := range info.Auth {
		offered[strings.ToUpper(m)] = true
	}
	secure := info.TLS || isLoopback(a.host)
	for _, m := range autoOrder {
		if !offered[string(m)] {
			continue
		}
		switch m {
		case AuthSCRAMSHA256:
			a.chosen = smtp.ScramSHA256Auth(a.user, a.pass)
		case AuthSCRAMSHA1:
			a.chosen = smtp.ScramSHA1Auth(a.user, a.pass)
		case AuthCRAMMD5:
			a.chosen = smtp.CRAMMD5Auth(a.user, a.pass)
		case AuthPlain:
			if !secure {
				continue
			}
			a.chosen = smtp.PlainAuth("", a.user, a.pass, info.Name, true)
		case AuthLogin:
			if !secure {
				continue
			}
			a.chosen = smtp.LoginAuth(a.user, a.pass, info.Name, true)
		}
		return a.chosen.Start(info)
	}
	return "", nil, errNoMechanism
}

// Next implements smtp.Auth.
func (a *autoAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if a.chosen == nil {
		return nil, errNoMechanism
	}
	return a.chosen.Next(fromServer, more)
}
