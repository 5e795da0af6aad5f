package payments_test

import (
	"errors"
	"fmt"

	"github.com/switchboard-go/switchboard/payments"
)

func Example() {
	price, err := payments.ParseMoney("29.99 usd")
	if err != nil {
		panic(err)
	}
	fmt.Println(price.Amount, price.Currency)
	fmt.Println(price)
	fmt.Println(payments.NewMoney(1500, "JPY"), payments.NewMoney(1250, "kwd"))

	_, err = payments.ParseMoney("0.001 USD")
	fmt.Println(errors.Is(err, payments.ErrInvalidAmount))

	paystack := payments.Capabilities{Currencies: payments.AcceptCurrencies("NGN", "GHS", "ZAR", "KES", "USD")}
	err = paystack.ValidateCreatePayment("paystack", payments.CreatePaymentParams{Amount: payments.NewMoney(1000, "EUR")})
	fmt.Println(errors.Is(err, payments.ErrUnsupportedCurrency))
	// Output:
	// 2999 USD
	// 29.99 USD
	// 1500 JPY 1.250 KWD
	// true
	// true
}
