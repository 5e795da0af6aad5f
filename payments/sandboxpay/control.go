package sandboxpay

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/switchboard-go/switchboard/payments"
)

// ControlHandler returns an http.Handler that plays the customer's and the
// provider's part from outside the process, for demos and manual testing:
//
//	POST /payments/{id}/succeed
//	POST /payments/{id}/decline          (form fields code and message, optional)
//	POST /payments/{id}/require_action
//	POST /refunds/{id}/succeed
//	POST /refunds/{id}/fail              (form fields code and message, optional)
//
// Mount it under a prefix with http.StripPrefix. It answers 200 with the
// payment or refund as JSON (the "data" shape of the webhook events), 404
// for an unknown id, 409 for a transition the current status does not
// allow. When the resulting webhook could not be delivered the answer is
// still 200, with the reason under "webhook_error". The handler has no
// authentication: never expose it outside a demo.
func (p *Provider) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /payments/{id}/succeed", func(w http.ResponseWriter, r *http.Request) {
		pay, err := p.Succeed(r.Context(), r.PathValue("id"))
		p.answerPayment(w, pay, err)
	})
	mux.HandleFunc("POST /payments/{id}/decline", func(w http.ResponseWriter, r *http.Request) {
		code, msg := failure(r, "card_declined", "Your card was declined.")
		pay, err := p.Decline(r.Context(), r.PathValue("id"), code, msg)
		p.answerPayment(w, pay, err)
	})
	mux.HandleFunc("POST /payments/{id}/require_action", func(w http.ResponseWriter, r *http.Request) {
		pay, err := p.RequireAction(r.Context(), r.PathValue("id"))
		p.answerPayment(w, pay, err)
	})
	mux.HandleFunc("POST /refunds/{id}/succeed", func(w http.ResponseWriter, r *http.Request) {
		ref, err := p.SucceedRefund(r.Context(), r.PathValue("id"))
		p.answerRefund(w, ref, err)
	})
	mux.HandleFunc("POST /refunds/{id}/fail", func(w http.ResponseWriter, r *http.Request) {
		code, msg := failure(r, "refund_failed", "The refund failed.")
		ref, err := p.FailRefund(r.Context(), r.PathValue("id"), code, msg)
		p.answerRefund(w, ref, err)
	})
	return mux
}

func failure(r *http.Request, code, msg string) (string, string) {
	if v := r.FormValue("code"); v != "" {
		code = v
	}
	if v := r.FormValue("message"); v != "" {
		msg = v
	}
	return code, msg
}

type controlAnswer struct {
	Data         any    `json:"data,omitempty"`
	Error        string `json:"error,omitempty"`
	WebhookError string `json:"webhook_error,omitempty"`
}

func (p *Provider) answerPayment(w http.ResponseWriter, pay *payments.Payment, err error) {
	var data any
	if pay != nil {
		data = paymentData(pay)
	}
	answer(w, data, err)
}

func (p *Provider) answerRefund(w http.ResponseWriter, ref *payments.Refund, err error) {
	var data any
	if ref != nil {
		p.mu.Lock()
		r, ok := p.refunds[ref.ID]
		var d *wireRefund
		if ok {
			d = refundData(r, &p.pays[ref.PaymentID].p)
		}
		p.mu.Unlock()
		data = d
	}
	answer(w, data, err)
}

func answer(w http.ResponseWriter, data any, err error) {
	status := http.StatusOK
	a := controlAnswer{Data: data}
	switch {
	case err == nil:
	case errors.Is(err, ErrDeliveryFailed) && data != nil:
		a.WebhookError = err.Error()
	case errors.Is(err, payments.ErrNotFound):
		status, a.Error = http.StatusNotFound, err.Error()
	case errors.Is(err, payments.ErrInvalidRequest):
		status, a.Error = http.StatusConflict, err.Error()
	default:
		status, a.Error = http.StatusInternalServerError, err.Error()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(a)
}
