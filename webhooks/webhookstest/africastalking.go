package webhookstest

import (
	"net/http"
	"net/url"
	"strings"
)

// SignAfricasTalking builds an Africa's Talking SMS notification: Africa's
// Talking signs nothing, so what authenticates it is the token in the URL
// it calls. It returns publicURL with token in its token query parameter
// (replacing any there, and without a fragment), the headers and the
// form-encoded body.
func SignAfricasTalking(publicURL string, form url.Values, token string) (target string, h http.Header, body []byte) {
	base, _, _ := strings.Cut(publicURL, "#")
	target = base
	if u, err := url.Parse(base); err == nil {
		q := u.Query()
		q.Set("token", token)
		u.RawQuery = q.Encode()
		target = u.String()
	}
	h = http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("Accept", "*/*")
	return target, h, []byte(form.Encode())
}

// AfricasTalkingDeliveryReport returns the form of a delivery report as
// Africa's Talking documents it: id (the messageId of the send), status,
// phoneNumber and networkCode, and failureReason for the Rejected and
// Failed statuses when it is not empty.
func AfricasTalkingDeliveryReport(id, status, phoneNumber, failureReason string) url.Values {
	form := url.Values{"id": {id}, "status": {status}, "phoneNumber": {phoneNumber}, "networkCode": {"62130"}}
	if failureReason != "" && (status == "Rejected" || status == "Failed") {
		form.Set("failureReason", failureReason)
	}
	return form
}
