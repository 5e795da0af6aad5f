package githublogin_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/githublogin"
	"github.com/switchboard-go/switchboard/login/logintest"
)

func TestConformance(t *testing.T) {
	gh := logintest.NewGitHub()
	t.Cleanup(gh.Close)
	logintest.Run(t, logintest.GitHubHarness(gh, func(t *testing.T) login.Provider {
		p, err := githublogin.New(gh.ClientID, gh.ClientSecret,
			githublogin.WithOAuthURL(gh.URL), githublogin.WithBaseURL(gh.APIURL))
		require.NoError(t, err)
		return p
	}))
}
