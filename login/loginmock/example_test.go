package loginmock_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"go.uber.org/mock/gomock"

	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/loginmock"
)

// printReporter reports mock failures by printing them; a test passes its
// *testing.T instead.
type printReporter struct{}

func (printReporter) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (printReporter) Fatalf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// A mocked Provider behind a login.Handler: the start route asks it for
// the authorization URL and redirects there.
func Example() {
	ctrl := gomock.NewController(printReporter{})
	defer ctrl.Finish()
	p := loginmock.NewMockProvider(ctrl)
	p.EXPECT().Name().Return("acme").AnyTimes()
	p.EXPECT().AuthCodeURL(gomock.Any()).DoAndReturn(func(req *login.AuthRequest) string {
		return "https://id.acme.example/authorize?state=" + req.State
	}).Times(1)

	h, err := login.NewHandler("https://shop.example", []byte("an example key of at least 32 bytes!"), []login.Provider{p},
		func(http.ResponseWriter, *http.Request, *login.Identity) error { return nil })
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login/acme", nil))
	fmt.Println(rec.Code, rec.Header().Get("Location")[:40])
	// Output: 302 https://id.acme.example/authorize?state=
}
