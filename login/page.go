package login

import (
	"html/template"
	"net/http"
)

// The error page says what happened in words for the user and nothing
// else: no provider text, no error details, no internals.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}a{color:#0b57d0}</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
<p>{{if .Retry}}<a href="{{.Retry}}">Try again</a> · {{end}}<a href="{{.Home}}">Continue</a></p>
</body>
</html>
`))

type page struct {
	Title, Message, Retry, Home string
}

func message(err error) (title, msg string) {
	switch KindOf(err) {
	case ErrInvalidState:
		return "Sign-in expired", "This sign-in has expired, was already completed, or was started in another browser. Please start again."
	case ErrReplayed:
		return "Sign-in already used", "This sign-in was already completed. Please start again."
	case ErrAccessDenied:
		return "Sign-in cancelled", "You declined to share your account, so you are not signed in."
	case ErrInvalidToken:
		return "Sign-in failed", "The answer from the sign-in provider could not be verified. Please start again."
	case ErrEmailNotVerified:
		return "Email not verified", "Your account has no verified email address. Verify it with your provider, then try again."
	case ErrHostedDomain:
		return "Account not allowed", "This account is not allowed here. Sign in with your organization's account."
	case ErrReturnTo:
		return "Sign-in link not allowed", "The page to return to after signing in is not allowed."
	case ErrRejected:
		return "Account not allowed", "This account cannot sign in here."
	case ErrTemporary:
		return "Sign-in unavailable", "The sign-in provider could not be reached. Please try again in a moment."
	default:
		return "Sign-in failed", "The sign-in provider refused the request. Please start again."
	}
}

func writePage(w http.ResponseWriter, status int, err error, retry, home string) {
	title, msg := message(err)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, page{Title: title, Message: msg, Retry: retry, Home: home})
}
