package googlelogin_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/googlelogin"
	"github.com/switchboard-go/switchboard/login/logintest"
)

func TestConformance(t *testing.T) {
	iss := logintest.NewIssuer()
	t.Cleanup(iss.Close)
	logintest.Run(t, logintest.IssuerHarness(iss, func(t *testing.T) login.Provider {
		p, err := googlelogin.New(context.Background(), iss.ClientID, iss.ClientSecret, googlelogin.WithBaseURL(iss.URL))
		require.NoError(t, err)
		require.Equal(t, googlelogin.Name, p.Name())
		return p
	}))
}
