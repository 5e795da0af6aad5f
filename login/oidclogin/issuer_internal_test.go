package oidclogin

import "testing"

// TestGoogleSchemeLessIssuer: an authorization response naming Google as
// "accounts.google.com" is Google's, and no other issuer gets that
// allowance.
func TestGoogleSchemeLessIssuer(t *testing.T) {
	google := &Provider{issuer: "https://accounts.google.com"}
	other := &Provider{issuer: "https://login.example.com"}
	for _, tc := range []struct {
		p    *Provider
		iss  string
		want bool
	}{
		{google, "https://accounts.google.com", true},
		{google, "accounts.google.com", true},
		{google, "https://accounts.google.com/", false},
		{google, "http://accounts.google.com", false},
		{other, "https://login.example.com", true},
		{other, "login.example.com", false},
		{other, "accounts.google.com", false},
	} {
		if got := tc.p.sameIssuer(tc.iss); got != tc.want {
			t.Errorf("issuer %s, iss %q: got %t, want %t", tc.p.issuer, tc.iss, got, tc.want)
		}
	}
}
