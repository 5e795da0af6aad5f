package payments_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/mock/gomock"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/paymentsmock"
)

// checkout is application code written against payments.Provider.
func checkout(ctx context.Context, p payments.Provider, order string, total payments.Money) (string, error) {
	pay, err := p.CreatePayment(ctx, payments.CreatePaymentParams{Amount: total, Reference: order, IdempotencyKey: "checkout-" + order})
	if errors.Is(err, payments.ErrRateLimited) {
		return "", errors.New("busy, try again")
	}
	if err != nil {
		return "", err
	}
	return pay.NextAction.ClientSecret, nil
}

func TestProviderMock(t *testing.T) {
	ctrl := gomock.NewController(t)
	p := paymentsmock.NewMockProvider(ctrl)
	total := payments.NewMoney(2999, "USD")
	p.EXPECT().CreatePayment(gomock.Any(), payments.CreatePaymentParams{Amount: total, Reference: "o1", IdempotencyKey: "checkout-o1"}).
		Return(&payments.Payment{ID: "pay_1", Status: payments.StatusPending,
			NextAction: &payments.NextAction{Type: payments.NextActionConfirmWithClientSecret, ClientSecret: "cs_1"}}, nil)
	p.EXPECT().CreatePayment(gomock.Any(), gomock.Any()).
		Return(nil, &payments.Error{Kind: payments.ErrRateLimited, Provider: "mock"})

	secret, err := checkout(context.Background(), p, "o1", total)
	require.NoError(t, err)
	require.Equal(t, "cs_1", secret)
	_, err = checkout(context.Background(), p, "o2", total)
	require.EqualError(t, err, "busy, try again")
}
