package oidclogin_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/logintest"
	"github.com/switchboard-go/switchboard/login/oidclogin"
)

func TestConformance(t *testing.T) {
	iss := logintest.NewIssuer()
	t.Cleanup(iss.Close)
	logintest.Run(t, logintest.IssuerHarness(iss, func(t *testing.T) login.Provider {
		p, err := oidclogin.New(context.Background(), iss.URL, iss.ClientID, iss.ClientSecret)
		require.NoError(t, err)
		return p
	}))
}
