package oauth_test

import (
	"fmt"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/switchboard-go/switchboard/login/internal/oauth"
)

func ExampleExchangeError() {
	err := oauth.ExchangeError("github", &oauth2.RetrieveError{
		Response:  &http.Response{StatusCode: http.StatusOK},
		ErrorCode: "bad_verification_code",
	})
	fmt.Println(err)
	// Output: login: github: provider refused [bad_verification_code]: token request refused
}
