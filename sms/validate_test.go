package sms_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/sms"
)

var twilioLike = sms.Limits{Provider: "twilio", MaxLength: 1600, MaxMediaURLs: 10, MessagingService: true, StatusCallback: true, RequireSender: true}
var atLike = sms.Limits{Provider: "africastalking", MaxLength: 1600}

func valid() *sms.Message {
	return &sms.Message{To: "+233241234567", From: "SHOP", Body: "Your order shipped"}
}

func TestValidateAccepts(t *testing.T) {
	cases := map[string]func(m *sms.Message){
		"Plain":             func(*sms.Message) {},
		"NumberFrom":        func(m *sms.Message) { m.From = "+15005550006" },
		"ShortCode":         func(m *sms.Message) { m.From = "20880" },
		"AlphaWithSymbols":  func(m *sms.Message) { m.From = "Shop +1_&-" },
		"MessagingService":  func(m *sms.Message) { m.From, m.MessagingService = "", "MG"+strings.Repeat("aB", 16) },
		"MediaOnly":         func(m *sms.Message) { m.Body, m.MediaURLs = "", []string{"https://cdn.example.com/a.png"} },
		"NewLinesAndTabs":   func(m *sms.Message) { m.Body = "Line 1\nLine 2\r\n\tindented" },
		"Callback":          func(m *sms.Message) { m.StatusCallback = "https://user:pw@shop.example.com:8443/cb?x=1" },
		"MaxBody":           func(m *sms.Message) { m.Body = strings.Repeat("x", 1600) },
		"SevenDigitNumber":  func(m *sms.Message) { m.To = "+6831234" },
		"FifteenDigits":     func(m *sms.Message) { m.To = "+123456789012345" },
		"Metadata":          func(m *sms.Message) { m.Metadata = map[string]string{"order": "7", "note": "été ✓"} },
		"IdempotencyKey":    func(m *sms.Message) { m.IdempotencyKey = "order-7:receipt" },
		"UnicodeBody":       func(m *sms.Message) { m.Body = "Ẹ kú àbọ̀ 🎉" },
		"EmojiMax":          func(m *sms.Message) { m.Body = strings.Repeat("🚀", 800) },
		"ThreeDigitShortCd": func(m *sms.Message) { m.From = "123" },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			m := valid()
			edit(m)
			seg, err := sms.Validate(m, twilioLike)
			require.NoError(t, err)
			require.Equal(t, sms.CountSegments(m.Body), seg)
		})
	}
}

func TestValidateRefuses(t *testing.T) {
	cases := []struct {
		name   string
		limits sms.Limits
		edit   func(m *sms.Message)
		field  string
		number bool
	}{
		{"NoSender", twilioLike, func(m *sms.Message) { m.From = "" }, "From", false},
		{"NoSenderAT", atLike, func(m *sms.Message) { m.From = ""; m.Body = "" }, "Body", false},
		{"MediaAT", atLike, func(m *sms.Message) { m.MediaURLs = []string{"https://a.example/x.png"} }, "MediaURLs", false},
		{"TooManyMedia", twilioLike, func(m *sms.Message) { m.MediaURLs = make([]string, 11) }, "MediaURLs", false},
		{"EmptyMediaURL", twilioLike, func(m *sms.Message) { m.MediaURLs = []string{""} }, "MediaURLs[0]", false},
		{"MediaSpace", twilioLike, func(m *sms.Message) { m.MediaURLs = []string{"https://a.example/a b.png"} }, "MediaURLs[0]", false},
		{"MediaNoHost", twilioLike, func(m *sms.Message) { m.MediaURLs = []string{"https:///x.png"} }, "MediaURLs[0]", false},
		{"CallbackAT", atLike, func(m *sms.Message) { m.StatusCallback = "https://shop.example.com/cb" }, "StatusCallback", false},
		{"ServiceAT", atLike, func(m *sms.Message) { m.From, m.MessagingService = "", "MG"+strings.Repeat("0", 32) }, "MessagingService", false},
		{"ServiceMalformed", twilioLike, func(m *sms.Message) { m.From, m.MessagingService = "", "MG123" }, "MessagingService", false},
		{"AlphaNoLetter", twilioLike, func(m *sms.Message) { m.From = "12-34" }, "From", false},
		{"AlphaLeadingSpace", twilioLike, func(m *sms.Message) { m.From = " SHOP" }, "From", false},
		{"AlphaUnicode", twilioLike, func(m *sms.Message) { m.From = "SHÖP" }, "From", false},
		{"ShortCodeTooShort", twilioLike, func(m *sms.Message) { m.From = "12" }, "From", true},
		{"ToPlusOnly", twilioLike, func(m *sms.Message) { m.To = "+" }, "To", true},
		{"ToDoublePlus", twilioLike, func(m *sms.Message) { m.To = "++233241234567" }, "To", true},
		{"ToDash", twilioLike, func(m *sms.Message) { m.To = "+233-24-123-4567" }, "To", true},
		{"ToFullWidthDigits", twilioLike, func(m *sms.Message) { m.To = "+２３３241234567" }, "To", true},
		{"ToWhatsApp", twilioLike, func(m *sms.Message) { m.To = "whatsapp:+233241234567" }, "To", true},
		{"BodyDEL", twilioLike, func(m *sms.Message) { m.Body = "a\x7fb" }, "Body", false},
		{"BodyFormFeed", twilioLike, func(m *sms.Message) { m.Body = "a\fb" }, "Body", false},
		{"Body1601", twilioLike, func(m *sms.Message) { m.Body = strings.Repeat("x", 1601) }, "Body", false},
		{"BodyLowerLimit", sms.Limits{Provider: "x", MaxLength: 10}, func(m *sms.Message) { m.Body = strings.Repeat("x", 11) }, "Body", false},
		{"MetadataEmptyKey", twilioLike, func(m *sms.Message) { m.Metadata = map[string]string{"": "x"} }, "Metadata", false},
		{"MetadataLongValue", twilioLike, func(m *sms.Message) { m.Metadata = map[string]string{"k": strings.Repeat("v", 513)} }, "Metadata[k]", false},
		{"MetadataTooMany", twilioLike, func(m *sms.Message) {
			m.Metadata = map[string]string{}
			for i := range 33 {
				m.Metadata[strings.Repeat("k", i+1)] = "v"
			}
		}, "Metadata", false},
		{"KeyBlank", twilioLike, func(m *sms.Message) { m.IdempotencyKey = "  " }, "IdempotencyKey", false},
		{"KeyInvalidUTF8", twilioLike, func(m *sms.Message) { m.IdempotencyKey = "\xff" }, "IdempotencyKey", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := valid()
			tc.edit(m)
			_, err := sms.Validate(m, tc.limits)
			var ve *sms.ValidationError
			require.ErrorAs(t, err, &ve)
			require.Equal(t, tc.field, ve.Field)
			require.ErrorIs(t, err, sms.ErrInvalidMessage)
			require.Equal(t, tc.number, errors.Is(err, sms.ErrInvalidNumber))
			require.True(t, strings.HasPrefix(err.Error(), "sms: invalid "+tc.field+": "), err.Error())
		})
	}
}

// The reason never quotes the value: a hostile number or body stays out
// of logs that print the error.
func TestValidationErrorsDoNotEchoValues(t *testing.T) {
	hostile := "+1<script>alert(1)</script>"
	_, err := sms.Validate(&sms.Message{To: hostile, From: "SHOP", Body: "x"}, twilioLike)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "<script>")
	_, err = sms.Validate(&sms.Message{To: "+233241234567", From: "SHOP", Body: "secret code 123456\x00"}, twilioLike)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "123456")
}

func TestCheckNumberAndSender(t *testing.T) {
	require.NoError(t, sms.CheckNumber("+2348031234567"))
	require.ErrorIs(t, sms.CheckNumber("08031234567"), sms.ErrInvalidNumber)
	require.NoError(t, sms.CheckSender("AFRICASTKNG"))
	require.Error(t, sms.CheckSender(""))
	require.Error(t, sms.CheckSender("TOOLONGSENDER"))
}

func FuzzValidate(f *testing.F) {
	f.Add("+233241234567", "SHOP", "", "hello", "https://a.example/cb", "k")
	f.Add("+1", "+1", "MG0", "\x00", "\r\n", "\xff")
	f.Fuzz(func(t *testing.T, to, from, service, body, callback, key string) {
		m := &sms.Message{To: to, From: from, MessagingService: service, Body: body, StatusCallback: callback, IdempotencyKey: key}
		seg, err := sms.Validate(m, twilioLike)
		if err != nil {
			var ve *sms.ValidationError
			if !errors.As(err, &ve) || ve.Field == "" || strings.ContainsAny(err.Error(), "\r\n\x00") {
				t.Fatalf("bad validation error %q", err)
			}
			return
		}
		if seg.Length > sms.MaxLength || sms.CheckNumber(to) != nil || strings.ContainsAny(to+from+callback, "\r\n\x00") {
			t.Fatalf("accepted an invalid message %+v", m)
		}
	})
}
