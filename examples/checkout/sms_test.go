package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/sms/smstest"
)

// payWithPhone creates a payment with a phone, succeeds it in the sandbox
// and returns the order.
func payWithPhone(t *testing.T, ta *testApp, key, phone string) Order {
	t.Helper()
	resp, body := ta.do(t, "POST", "/payments/create-intent",
		fmt.Sprintf(`{"amount": 2999, "currency": "ghs", "email": "a@b.co", "phone": %q}`, phone),
		map[string]string{"Idempotency-Key": key})
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
	var intent createIntentResponse
	require.NoError(t, json.Unmarshal(body, &intent))
	resp, body = ta.do(t, "POST", "/sandbox/payments/"+intent.PaymentID+"/succeed", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	orders := ta.listOrders(t)
	require.NotEmpty(t, orders)
	return orders[len(orders)-1]
}

// The receipt goes by SMS through Twilio, at most once however often the
// payment webhook is delivered, and GET /orders shows the latest status of
// the text whatever the order its status callbacks arrive in.
func TestReceiptSMSTwilio(t *testing.T) {
	fake := smstest.NewTwilioServer(t)
	ta := startApp(t, map[string]string{
		"SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": fake.AccountSID, "TWILIO_AUTH_TOKEN": fake.AuthToken,
		"TWILIO_FROM": smstest.TwilioValidFrom, "TWILIO_API_URL": fake.URL,
	}, nil)

	ord := payWithPhone(t, ta, "order-sms-1", "024 123 4567")
	msgs := fake.Messages()
	require.Len(t, msgs, 1, "one receipt text")
	m := msgs[0]
	require.Equal(t, "+233241234567", m.To, "the phone was normalized with SMS_REGION (GH)")
	require.Equal(t, smstest.TwilioValidFrom, m.From)
	require.Contains(t, m.Body, fmt.Sprintf("order %d is paid", ord.ID))
	require.Equal(t, ta.url+"/webhooks/twilio", m.StatusCallback)
	require.Equal(t, len(ta.mailer.Messages()), 1, "the email receipt still goes")

	// The payment event delivered again under new ids runs fulfilment
	// again: the SMS key (the order's payment) sends nothing more.
	for i := range 3 {
		codes := deliverAs(t, ta, "payment.succeeded", fmt.Sprintf("msg_sms_%d_%d", i, time.Now().UnixNano()), 1, ta.url)
		require.Equal(t, []int{http.StatusOK}, codes, "delivery %d", i)
	}
	require.Len(t, fake.Messages(), 1, "a redelivered webhook never texts twice")

	require.NotNil(t, ta.listOrders(t)[0].SMS)
	require.Equal(t, "queued", ta.listOrders(t)[0].SMS.Status)
	ctx := context.Background()
	for _, status := range []string{"delivered", "sent", "delivered"} { // out of order, and once twice
		code, err := fake.Report(ctx, m.SID, status, 0)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, code, status)
	}
	got := ta.listOrders(t)[0].SMS
	require.Equal(t, OrderSMS{Provider: "twilio", MessageID: m.SID, Status: "delivered"}, *got, "a late sent never replaces delivered")

	// A forged callback is refused.
	code, err := forgedTwilioCallback(ctx, ta.url+"/webhooks/twilio", m.SID)
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, code)
}

func forgedTwilioCallback(ctx context.Context, url, sid string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	req.Body = io.NopCloser(strings.NewReader("MessageSid=" + sid + "&MessageStatus=failed"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestReceiptSMSAfricasTalking(t *testing.T) {
	fake := smstest.NewAfricasTalkingServer(t)
	const token = "checkout-test-token-0123456789abcdef0123"
	ta := startApp(t, map[string]string{
		"SMS_PROVIDER": "africastalking", "AFRICASTALKING_USERNAME": fake.Username, "AFRICASTALKING_API_KEY": fake.APIKey,
		"AFRICASTALKING_FROM": "SHOP", "AFRICASTALKING_API_URL": fake.URL, "AFRICASTALKING_CALLBACK_TOKEN": token,
	}, nil)
	payWithPhone(t, ta, "order-at-1", "+254711082300")
	msgs := fake.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "SHOP", msgs[0].From)
	require.Equal(t, []int{http.StatusOK}, deliverAs(t, ta, "payment.succeeded", fmt.Sprintf("msg_at_%d", time.Now().UnixNano()), 1, ta.url))
	require.Len(t, fake.Messages(), 1, "a redelivered webhook never texts twice")

	ctx := context.Background()
	callback := ta.url + "/webhooks/africastalking"
	code, err := fake.Report(ctx, callback, token, msgs[0].MessageID, "Failed", "UserInBlackList")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	code, err = fake.Report(ctx, callback, token, msgs[0].MessageID, "Sent", "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "undelivered", ta.listOrders(t)[0].SMS.Status)

	code, err = fake.Report(ctx, callback, "wrong-token-wrong-token-wrong-token-xx", msgs[0].MessageID, "Success", "")
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, code, "a report without the token is refused")
	require.Equal(t, "undelivered", ta.listOrders(t)[0].SMS.Status)
}

// Without SMS configuration, texts go to the log sender; a phone that is
// not a number is refused before any payment.
func TestReceiptSMSDefaults(t *testing.T) {
	ta := startApp(t, nil, nil)
	require.Equal(t, "log", ta.cfg.SMS.Provider)
	ord := payWithPhone(t, ta, "order-log-1", "+233 24 123 4567")
	require.NotNil(t, ord.SMS)
	require.Equal(t, "log", ord.SMS.Provider)
	require.Equal(t, "sent", ord.SMS.Status)

	resp, body := ta.do(t, "POST", "/payments/create-intent", `{"amount": 2999, "currency": "ghs", "email": "a@b.co", "phone": "12"}`,
		map[string]string{"Idempotency-Key": "order-bad-phone"})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, string(body))
	require.Contains(t, string(body), "invalid phone")
	require.Len(t, ta.listOrders(t), 1)

	ta2 := startApp(t, nil, nil)
	intent := ta2.createIntent(t, "order-no-phone")
	resp, _ = ta2.do(t, "POST", "/sandbox/payments/"+intent.PaymentID+"/succeed", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Nil(t, ta2.listOrders(t)[0].SMS, "no phone, no text")
}

func TestSMSConfiguration(t *testing.T) {
	c := smsConfigFromEnv(func(k string) string { return map[string]string{"TWILIO_ACCOUNT_SID": "AC1"}[k] })
	require.Equal(t, "twilio", c.Provider)
	c = smsConfigFromEnv(func(k string) string { return map[string]string{"AFRICASTALKING_USERNAME": "sandbox"}[k] })
	require.Equal(t, "africastalking", c.Provider)
	require.Equal(t, "GH", c.Region)

	for name, env := range map[string]map[string]string{
		"NoCallbackToken": {"SMS_PROVIDER": "africastalking", "AFRICASTALKING_USERNAME": "shop", "AFRICASTALKING_API_KEY": "k"},
		"BadTwilioSID":    {"SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": "nope", "TWILIO_AUTH_TOKEN": "abc"},
		"UnknownProvider": {"SMS_PROVIDER": "pigeon"},
	} {
		t.Run(name, func(t *testing.T) {
			base := map[string]string{"DATA_DIR": t.TempDir()}
			for k, v := range env {
				base[k] = v
			}
			cfg, err := configFromEnv(func(k string) string { return base[k] })
			require.NoError(t, err)
			_, err = newApp(context.Background(), cfg, appDeps{baseURL: "http://127.0.0.1:1"})
			require.Error(t, err)
		})
	}
}
