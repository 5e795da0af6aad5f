package httpsend

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
)

func TestCheckCredential(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		wantErr string
	}{
		{"ok", "SG.key", ""},
		{"empty", "", "email: invalid configuration: pkg: the API key is empty"},
		{"blank", " \t", "email: invalid configuration: pkg: the API key is empty"},
		{"padded", " SG.key", "email: invalid configuration: pkg: the API key starts or ends with white space"},
		{"CR", "key\rX-Evil: 1", "email: invalid configuration: pkg: the API key holds a control character such as CR or LF"},
		{"LF inside", "ke\ny", "email: invalid configuration: pkg: the API key holds a control character such as CR or LF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckCredential("pkg", "API key", tc.value)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tc.wantErr)
			require.ErrorIs(t, err, email.ErrInvalidConfig)
		})
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		raw     string
		want    string
		wantErr bool
	}{
		{raw: "https://api.example.com", want: "https://api.example.com"},
		{raw: "https://api.example.com/", want: "https://api.example.com"},
		{raw: "http://127.0.0.1:9/proxy//", want: "http://127.0.0.1:9/proxy"},
		{raw: "ftp://api.example.com", wantErr: true},
		{raw: "/relative", wantErr: true},
		{raw: "https://", wantErr: true},
		{raw: "://bad", wantErr: true},
		{raw: "", wantErr: true},
		{raw: "https://user:key@api.example.com", wantErr: true},
		{raw: "https://api.example.com?key=1", wantErr: true},
		{raw: "https://api.example.com/#x", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := BaseURL("pkg", tc.raw)
			if tc.wantErr {
				require.ErrorIs(t, err, email.ErrInvalidConfig)
				require.ErrorContains(t, err, "pkg: WithBaseURL: ")
				require.NotContains(t, err.Error(), "key")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestJSONString(t *testing.T) {
	tests := []struct {
		raw  string
		want string
	}{
		{`"hello"`, "hello"},
		{`"a\nb"`, "a\nb"},
		{`""`, ""},
		{`null`, ""},
		{`5`, ""},
		{`{"x":1}`, ""},
		{``, ""},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			require.Equal(t, tc.want, JSONString(json.RawMessage(tc.raw)))
		})
	}
}
