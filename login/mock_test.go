package login_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/mock/gomock"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/loginmock"
)

// mockFlow starts a sign-in with a mocked provider and returns the
// callback request that the provider would send back with code "c".
func mockFlow(t *testing.T, p *loginmock.MockProvider, opts ...login.Option) (*login.Handler, *http.Request, *[]error, *[]*login.Identity) {
	var errs []error
	var ids []*login.Identity
	p.EXPECT().Name().Return("acme").AnyTimes()
	var state string
	p.EXPECT().AuthCodeURL(gomock.Any()).DoAndReturn(func(req *login.AuthRequest) string {
		state = req.State
		return "https://id.acme.example/authorize"
	})
	h, err := login.NewHandler(publicURL, testKey(), []login.Provider{p},
		func(w http.ResponseWriter, r *http.Request, id *login.Identity) error {
			ids = append(ids, id)
			return nil
		},
		append([]login.Option{login.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			errs = append(errs, err)
			w.WriteHeader(login.Status(err))
		})}, opts...)...)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login/acme", nil))
	require.Equal(t, http.StatusFound, rec.Code)
	r := httptest.NewRequest(http.MethodGet, "/login/acme/callback?code=c&state="+url.QueryEscape(state), nil)
	r.AddCookie(rec.Result().Cookies()[0])
	return h, r, &errs, &ids
}

// TestForeignProviderErrors: a Provider outside this module that returns
// plain errors, no identity or another name still gets a safe answer.
func TestForeignProviderErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		id     *login.Identity
		err    error
		kind   error
		status int
	}{
		"plain error":     {nil, errors.New("boom: secret=hunter2"), login.ErrProvider, http.StatusBadRequest},
		"wrapped kind":    {nil, errors.Join(login.ErrTemporary, errors.New("down")), login.ErrTemporary, http.StatusBadGateway},
		"nil identity":    {nil, nil, login.ErrProvider, http.StatusBadRequest},
		"empty subject":   {&login.Identity{Email: "a@b.example", EmailVerified: true}, nil, login.ErrProvider, http.StatusBadRequest},
		"no verification": {&login.Identity{Subject: "1", Email: "a@b.example"}, nil, login.ErrEmailNotVerified, http.StatusForbidden},
	} {
		t.Run(name, func(t *testing.T) {
			p := loginmock.NewMockProvider(gomock.NewController(t))
			h, r, errs, _ := mockFlow(t, p)
			p.EXPECT().Exchange(gomock.Any(), gomock.Any(), gomock.Any()).Return(tc.id, tc.err)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			require.Equal(t, tc.status, rec.Code)
			require.Len(t, *errs, 1)
			require.ErrorIs(t, (*errs)[0], tc.kind)
			require.NotContains(t, (*errs)[0].Error(), "hunter2")
		})
	}
}

// TestExchangeGetsTheSealedRequest: the provider sees the very state,
// nonce, verifier and redirect URL the start route made, and the
// identity's provider name is the route's.
func TestExchangeGetsTheSealedRequest(t *testing.T) {
	p := loginmock.NewMockProvider(gomock.NewController(t))
	var started *login.AuthRequest
	p.EXPECT().Name().Return("acme").AnyTimes()
	p.EXPECT().AuthCodeURL(gomock.Any()).DoAndReturn(func(req *login.AuthRequest) string {
		started = req
		return "https://id.acme.example/authorize"
	})
	var got *login.Identity
	h, err := login.NewHandler(publicURL, testKey(), []login.Provider{p},
		func(w http.ResponseWriter, r *http.Request, id *login.Identity) error { got = id; return nil })
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login/acme", nil))
	require.Len(t, started.State, 43)
	require.Len(t, started.Nonce, 43)
	require.Len(t, started.CodeVerifier, 43)
	require.Equal(t, publicURL+"/login/acme/callback", started.RedirectURL)

	p.EXPECT().Exchange(gomock.Any(), gomock.Eq(started), gomock.Eq(&login.Callback{Code: "c", Issuer: "https://id.acme.example"})).
		Return(&login.Identity{Provider: "spoofed", Subject: "7", Email: "a@b.example", EmailVerified: true}, nil)
	r := httptest.NewRequest(http.MethodGet, "/login/acme/callback?code=c&iss=https%3A%2F%2Fid.acme.example&state="+started.State, nil)
	r.AddCookie(rec.Result().Cookies()[0])
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "acme", got.Provider, "the route names the provider, whatever the provider says")
}

// TestStoreDownFailsClosed: when the replay store cannot answer, the
// callback fails as temporary rather than skipping the check.
func TestStoreDownFailsClosed(t *testing.T) {
	p := loginmock.NewMockProvider(gomock.NewController(t))
	h, r, errs, ids := mockFlow(t, p, login.WithStore(brokenStore{}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	require.Equal(t, http.StatusBadGateway, rec.Code)
	require.ErrorIs(t, (*errs)[0], login.ErrTemporary)
	require.Empty(t, *ids)
}
