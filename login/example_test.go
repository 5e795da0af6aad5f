package login_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/googlelogin"
	"github.com/switchboard-go/switchboard/login/logintest"
)

// sessions is a minimal signed-cookie session: the cookie holds the user's
// id and an expiry, signed with HMAC-SHA256. The login package keeps no
// sessions; this is one way an application can.
type sessions struct {
	key    []byte // 32 random bytes, not the state cookie's key
	secure bool   // true when served over https
}

const sessionCookie = "session"

// set starts a session for userID on w.
func (s sessions) set(w http.ResponseWriter, userID string) {
	exp := time.Now().Add(7 * 24 * time.Hour)
	payload := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(exp.Unix(), 10) + "|" + userID))
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: payload + "." + s.sign(payload), Path: "/",
		Expires: exp, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

// user returns the user id of r's session, if it has a valid one.
func (s sessions) user(r *http.Request) (string, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", false
	}
	payload, sig, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign(payload))) {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return "", false
	}
	exp, userID, ok := strings.Cut(string(raw), "|")
	unix, err := strconv.ParseInt(exp, 10, 64)
	if !ok || err != nil || time.Now().Unix() > unix {
		return "", false
	}
	return userID, true
}

func (s sessions) sign(payload string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("session|" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Google sign-in on an existing mux, with the application's own session.
// The fake issuer from logintest stands in for Google here; in production
// drop WithBaseURL.
func Example() {
	google := logintest.NewIssuer() // a stand-in for accounts.google.com
	defer google.Close()

	mux := http.NewServeMux()
	app := httptest.NewServer(mux) // the application, at its public URL
	defer app.Close()

	provider, err := googlelogin.New(context.Background(), google.ClientID, google.ClientSecret,
		googlelogin.WithBaseURL(google.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	stateKey, sessionKey := make([]byte, 32), make([]byte, 32)
	rand.Read(stateKey) // in production: secrets shared by every replica
	rand.Read(sessionKey)
	sess := sessions{key: sessionKey}

	h, err := login.NewHandler(app.URL, stateKey, []login.Provider{provider},
		func(w http.ResponseWriter, r *http.Request, id *login.Identity) error {
			sess.set(w, id.ID()) // key users by id.ID(), not by email
			return nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux.Handle("/login/", h)
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		user, ok := sess.user(r)
		if !ok {
			http.Error(w, "not signed in", http.StatusUnauthorized)
			return
		}
		fmt.Fprintln(w, "signed in as", user)
	})

	// A browser follows /login/google to Google and back, then lands on
	// the return_to page.
	browser := logintest.NewBrowser()
	resp, err := browser.Client.Get(app.URL + "/login/google?return_to=/me")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println("callback URL:", h.RedirectURL("google") == app.URL+"/login/google/callback")
	fmt.Print(resp.StatusCode, " ", string(body))
	// Output:
	// callback URL: true
	// 200 signed in as google:1048576
}

// A failed sign-in answers a short page, or redirects to an error path of
// the application's with the reason.
func ExampleWithErrorPath() {
	google := logintest.NewIssuer()
	defer google.Close()
	provider, err := googlelogin.New(context.Background(), google.ClientID, google.ClientSecret,
		googlelogin.WithBaseURL(google.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	key := make([]byte, 32)
	rand.Read(key)
	h, err := login.NewHandler("https://shop.example", key, []login.Provider{provider},
		func(http.ResponseWriter, *http.Request, *login.Identity) error { return nil },
		login.WithErrorPath("/signin"))
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login/google?return_to=//evil.example", nil))
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output: 303 /signin?error=return_to&provider=google
}
