package webhooks

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76/webhook"
)

type vector struct {
	Name     string            `json:"name"`
	Provider string            `json:"provider"`
	Source   string            `json:"source"`
	Secret   string            `json:"secret"`
	Body     string            `json:"body"`
	Headers  map[string]string `json:"headers"`
	Now      int64             `json:"now"`
	WantID   string            `json:"want_id"`
	WantType string            `json:"want_type"`
	WantTime int64             `json:"want_time"`
	// GenuineNotEvent marks a vector whose signature matches but whose
	// body is no event (ErrMalformedBody).
	GenuineNotEvent bool `json:"genuine_not_event"`
}

// requireGenuine checks the outcome of verifying a vector's delivery.
func (vc vector) requireGenuine(t *testing.T, err error, msg string) {
	t.Helper()
	if vc.GenuineNotEvent {
		require.ErrorIs(t, err, ErrMalformedBody, msg)
		return
	}
	require.NoError(t, err, msg)
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	raw, err := os.ReadFile("testdata/vectors.json")
	require.NoError(t, err)
	var vs []vector
	require.NoError(t, json.Unmarshal(raw, &vs))
	require.NotEmpty(t, vs)
	return vs
}

// newVerifier builds the verifier for a provider name, for table tests.
func newVerifier(t testing.TB, provider, secret string, opts ...VerifierOption) Verifier {
	t.Helper()
	// Table tests pass the clock to every provider; schemes without a
	// signed timestamp refuse it, so it is dropped for them.
	kept := opts[:0:0]
	for _, o := range opts {
		if _, shared := o.(sharedFunc); o == nil || (shared && !timestamped[provider]) {
			continue
		}
		kept = append(kept, o)
	}
	opts = kept
	var (
		v   Verifier
		err error
	)
	switch provider {
	case "github":
		v, err = NewGitHub(secret, opts...)
	case "stripe":
		v, err = NewStripe(secret, opts...)
	case "paystack":
		v, err = NewPaystack(secret, opts...)
	case "standardwebhooks":
		v, err = NewStandardWebhooks(secret, opts...)
	case "svix":
		v, err = NewSvix(secret, opts...)
	case "slack":
		v, err = NewSlack(secret, opts...)
	case "shopify":
		v, err = NewShopify(secret, opts...)
	case "flutterwave":
		v, err = NewFlutterwave(secret, opts...)
	default:
		t.Fatalf("no verifier for %q", provider)
	}
	require.NoError(t, err)
	require.Equal(t, provider, v.Provider())
	return v
}

func (vc vector) delivery() *Delivery {
	h := http.Header{}
	for k, v := range vc.Headers {
		h.Set(k, v)
	}
	return &Delivery{Method: http.MethodPost, Header: h, Body: []byte(vc.Body)}
}

// clock returns the vector's clock, or nil for a scheme without a signed
// timestamp, to which the clock does not apply.
func (vc vector) clock() VerifierOption {
	switch vc.Provider {
	case "github", "paystack", "shopify", "flutterwave":
		return nil
	}
	now := time.Unix(vc.Now, 0)
	return WithClock(func() time.Time { return now })
}

func TestPublishedVectors(t *testing.T) {
	for _, vc := range loadVectors(t) {
		t.Run(vc.Name, func(t *testing.T) {
			require.NotEmpty(t, vc.Source, "every vector names its source")
			v := newVerifier(t, vc.Provider, vc.Secret, vc.clock())
			events, err := v.Verify(vc.delivery())
			vc.requireGenuine(t, err, "published vector")
			if vc.GenuineNotEvent {
				return
			}
			require.Len(t, events, 1)
			e := events[0]
			require.Equal(t, vc.Provider, e.Provider)
			require.Equal(t, vc.WantID, e.ID)
			require.Equal(t, vc.WantType, e.Type)
			if vc.WantTime != 0 {
				require.Equal(t, vc.WantTime, e.Time.Unix())
			}
			require.NotNil(t, e.Delivery)
		})
	}
}

// TestStripeVectorMatchesStripeGo recomputes the Stripe vector's signature
// with stripe-go, so the checked-in value follows Stripe's own code.
func TestStripeVectorMatchesStripeGo(t *testing.T) {
	for _, vc := range loadVectors(t) {
		if vc.Provider != "stripe" {
			continue
		}
		sig := webhook.ComputeSignature(time.Unix(vc.Now, 0), []byte(vc.Body), vc.Secret)
		h, err := parseStripeSignature(vc.Headers["Stripe-Signature"])
		require.NoError(t, err)
		require.Equal(t, 1, h.n)
		require.Equal(t, hex.EncodeToString(sig), h.v1[0])
		_, err = webhook.ConstructEventWithOptions([]byte(vc.Body), vc.Headers["Stripe-Signature"], vc.Secret,
			webhook.ConstructEventOptions{IgnoreTolerance: true, IgnoreAPIVersionMismatch: true})
		require.NoError(t, err)
		return
	}
	t.Fatal("no stripe vector")
}

// TestVectorsTampered checks that every published vector fails when the
// body, the secret, or the signature changes.
func TestVectorsTampered(t *testing.T) {
	for _, vc := range loadVectors(t) {
		t.Run(vc.Name, func(t *testing.T) {
			v := newVerifier(t, vc.Provider, vc.Secret, vc.clock())

			d := vc.delivery()
			d.Body = append(append([]byte(nil), d.Body...), ' ')
			_, err := v.Verify(d)
			require.ErrorIs(t, err, ErrInvalidSignature, "tampered body")

			d = vc.delivery()
			if len(d.Body) > 0 {
				d.Body[0] ^= 1
				_, err = v.Verify(d)
				require.ErrorIs(t, err, ErrInvalidSignature, "flipped bit")
			}

			wrong := vc.Secret + "x"
			if vc.Provider == "standardwebhooks" || vc.Provider == "svix" {
				wrong = "whsec_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			}
			_, err = newVerifier(t, vc.Provider, wrong, vc.clock()).Verify(vc.delivery())
			require.ErrorIs(t, err, ErrInvalidSignature, "wrong secret")

			// The right secret among others (rotation) still verifies.
			rot := newVerifier(t, vc.Provider, wrong, vc.clock(), WithSecrets(vc.Secret))
			_, err = rot.Verify(vc.delivery())
			vc.requireGenuine(t, err, "rotation")
		})
	}
}
