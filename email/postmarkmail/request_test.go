package postmarkmail

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
)

func TestBuildRequestGolden(t *testing.T) {
	req, err := buildRequest(fullMessage(), "outbound")
	require.NoError(t, err)
	got, err := json.Marshal(req)
	require.NoError(t, err)
	want, err := os.ReadFile("testdata/full_message.json")
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(got))
}

func TestBuildRequestMinimal(t *testing.T) {
	m := &email.Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "Hi", HTML: "<b>x</b>",
		Attachments: []email.Attachment{{Filename: "a.bin", Data: []byte{1}}}}
	req, err := buildRequest(m, "")
	require.NoError(t, err)
	got, err := json.Marshal(req)
	require.NoError(t, err)
	require.JSONEq(t, `{"From":"a@example.com","To":"b@example.com","Subject":"Hi","HtmlBody":"<b>x</b>",
		"Attachments":[{"Name":"a.bin","Content":"AQ==","ContentType":"application/octet-stream"}]}`, string(got))
}

func TestBuildRequestQuotesNamesWithCommas(t *testing.T) {
	m := fullMessage()
	m.To = []string{`"Doe, Jane" <jane@example.com>`, "x@example.com"}
	req, err := buildRequest(m, "")
	require.NoError(t, err)
	require.Equal(t, `"Doe, Jane" <jane@example.com>, x@example.com`, req.To)

	m.To = nil
	_, err = buildRequest(m, "")
	var ve *email.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, "To", ve.Field)
}
