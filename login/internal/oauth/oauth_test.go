package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/switchboard-go/switchboard/login"
)

func TestExchangeError(t *testing.T) {
	resp := func(status int) *http.Response { return &http.Response{StatusCode: status} }
	for name, tc := range map[string]struct {
		err  error
		kind error
		code string
	}{
		"invalid_grant":       {&oauth2.RetrieveError{Response: resp(400), ErrorCode: "invalid_grant"}, login.ErrProvider, "invalid_grant"},
		"github 200 error":    {&oauth2.RetrieveError{Response: resp(200), ErrorCode: "bad_verification_code"}, login.ErrProvider, "bad_verification_code"},
		"503":                 {&oauth2.RetrieveError{Response: resp(503)}, login.ErrTemporary, ""},
		"429":                 {&oauth2.RetrieveError{Response: resp(429)}, login.ErrTemporary, ""},
		"server_error in 400": {&oauth2.RetrieveError{Response: resp(400), ErrorCode: "server_error"}, login.ErrTemporary, "server_error"},
		"hostile code":        {&oauth2.RetrieveError{Response: resp(400), ErrorCode: "<script>"}, login.ErrProvider, ""},
		"network":             {&netErr{}, login.ErrTemporary, ""},
		"deadline":            {context.DeadlineExceeded, login.ErrTemporary, ""},
		"other":               {errors.New("oauth2: server response missing access_token"), login.ErrProvider, ""},
	} {
		t.Run(name, func(t *testing.T) {
			e := ExchangeError("p", tc.err)
			require.ErrorIs(t, e, tc.kind)
			require.Equal(t, tc.code, e.Code)
			require.NotContains(t, e.Error(), "<script>")
		})
	}
}

type netErr struct{}

func (*netErr) Error() string   { return "connection refused" }
func (*netErr) Timeout() bool   { return false }
func (*netErr) Temporary() bool { return false }

func TestCheckBaseURL(t *testing.T) {
	for raw, want := range map[string]string{
		"https://a.example/":       "https://a.example",
		"https://a.example/api/v3": "https://a.example/api/v3",
		"http://127.0.0.1:8080":    "http://127.0.0.1:8080",
		"http://localhost":         "http://localhost",
	} {
		got, err := CheckBaseURL("p", "base", raw)
		require.NoError(t, err, raw)
		require.Equal(t, want, got)
	}
	for _, raw := range []string{"", "a.example", "http://a.example", "https://u:p@a.example", "https://a.example?x=1", "ftp://a.example", "https://a.example#f"} {
		_, err := CheckBaseURL("p", "base", raw)
		require.ErrorIs(t, err, login.ErrInvalidConfig, raw)
	}
}

func TestCheckSecret(t *testing.T) {
	require.NoError(t, CheckSecret("p", "secret", "abc"))
	for _, s := range []string{"", " ", "\t", " abc", "abc\n"} {
		err := CheckSecret("p", "secret", s)
		require.ErrorIs(t, err, login.ErrInvalidConfig)
		if s != "" && len(s) > 2 {
			require.NotContains(t, err.Error(), "abc")
		}
	}
}

// TestClientRefusesCrossOriginRedirects: the default client never carries
// a request (and its Authorization header) to another origin.
func TestClientRefusesCrossOriginRedirects(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the redirect reached another origin with Authorization %q", r.Header.Get("Authorization"))
	}))
	defer other.Close()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/x", http.StatusFound)
		case "/here":
			http.Redirect(w, r, srv.URL+"/ok", http.StatusFound)
		default:
			w.WriteHeader(http.StatusOK)
		}
	}))
	defer srv.Close()
	c := NewClient()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/away", nil)
	req.Header.Set("Authorization", "Bearer t")
	_, err := c.Do(req)
	require.Error(t, err)
	resp, err := c.Get(srv.URL + "/here")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestCheckRequest(t *testing.T) {
	good := &login.AuthRequest{RedirectURL: "https://a/cb", State: "s", Nonce: "n", CodeVerifier: "v"}
	require.Nil(t, CheckRequest("p", good, &login.Callback{Code: "c"}, true))
	require.ErrorIs(t, CheckRequest("p", nil, &login.Callback{Code: "c"}, true), login.ErrInvalidState)
	noNonce := *good
	noNonce.Nonce = ""
	require.ErrorIs(t, CheckRequest("p", &noNonce, &login.Callback{Code: "c"}, true), login.ErrInvalidState)
	require.Nil(t, CheckRequest("p", &noNonce, &login.Callback{Code: "c"}, false))
	require.ErrorIs(t, CheckRequest("p", good, &login.Callback{}, true), login.ErrProvider)
}
