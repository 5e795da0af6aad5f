package webhooks_test

import (
	"fmt"
	"net/http"

	"github.com/switchboard-go/switchboard/webhooks"
)

// Verifying the signed batch from the tests of SendGrid's Go library.
func ExampleNewSendGrid() {
	v, err := webhooks.NewSendGrid("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==")
	if err != nil {
		panic(err)
	}
	h := http.Header{}
	h.Set(webhooks.SendGridTimestampHeader, "1600112502")
	h.Set(webhooks.SendGridSignatureHeader, "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=")
	body := `[{"email":"hello@world.com","event":"dropped","reason":"Bounced Address","sg_event_id":"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA","sg_message_id":"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0","smtp-id":"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>","timestamp":1600112492}]` + "\r\n"
	events, err := v.Verify(&webhooks.Delivery{Method: http.MethodPost, Header: h, Body: []byte(body)})
	if err != nil {
		panic(err)
	}
	for _, e := range events {
		fmt.Println(e.ID, e.Type, e.Time.Unix())
	}
	// Output: ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA dropped 1600112492
}
