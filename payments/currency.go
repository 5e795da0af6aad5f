package payments

import (
	"strconv"
	"strings"
)

// currencyExponents maps each ISO 4217 currency code to its minor-unit
// exponent: the number of decimal places between the major unit and the
// unit amounts are counted in (USD 2: cents; JPY 0: yen; KWD 3: fils).
//
// The table holds the active codes of ISO 4217 list A.1 that have a minor
// unit, including fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW).
// Codes without a minor unit (precious metals XAU, XAG, XPD, XPT, the
// bond-market units XBA to XBD, XDR, XSU, XUA, XTS and XXX) are left out:
// they cannot be expressed as Money. A few codes that ISO has withdrawn
// recently but payment providers still process (ANG, BGN, SLL, ZWL) are kept
// so that payments recorded in them can still be read.
var currencyExponents = map[Currency]int{
	"AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "ANG": 2, "AOA": 2, "ARS": 2, "AUD": 2,
	"AWG": 2, "AZN": 2, "BAM": 2, "BBD": 2, "BDT": 2, "BGN": 2, "BHD": 3, "BIF": 0,
	"BMD": 2, "BND": 2, "BOB": 2, "BOV": 2, "BRL": 2, "BSD": 2, "BTN": 2, "BWP": 2,
	"BYN": 2, "BZD": 2, "CAD": 2, "CDF": 2, "CHE": 2, "CHF": 2, "CHW": 2, "CLF": 4,
	"CLP": 0, "CNY": 2, "COP": 2, "COU": 2, "CRC": 2, "CUP": 2, "CVE": 2, "CZK": 2,
	"DJF": 0, "DKK": 2, "DOP": 2, "DZD": 2, "EGP": 2, "ERN": 2, "ETB": 2, "EUR": 2,
	"FJD": 2, "FKP": 2, "GBP": 2, "GEL": 2, "GHS": 2, "GIP": 2, "GMD": 2, "GNF": 0,
	"GTQ": 2, "GYD": 2, "HKD": 2, "HNL": 2, "HTG": 2, "HUF": 2, "IDR": 2, "ILS": 2,
	"INR": 2, "IQD": 3, "IRR": 2, "ISK": 0, "JMD": 2, "JOD": 3, "JPY": 0, "KES": 2,
	"KGS": 2, "KHR": 2, "KMF": 0, "KPW": 2, "KRW": 0, "KWD": 3, "KYD": 2, "KZT": 2,
	"LAK": 2, "LBP": 2, "LKR": 2, "LRD": 2, "LSL": 2, "LYD": 3, "MAD": 2, "MDL": 2,
	"MGA": 2, "MKD": 2, "MMK": 2, "MNT": 2, "MOP": 2, "MRU": 2, "MUR": 2, "MVR": 2,
	"MWK": 2, "MXN": 2, "MXV": 2, "MYR": 2, "MZN": 2, "NAD": 2, "NGN": 2, "NIO": 2,
	"NOK": 2, "NPR": 2, "NZD": 2, "OMR": 3, "PAB": 2, "PEN": 2, "PGK": 2, "PHP": 2,
	"PKR": 2, "PLN": 2, "PYG": 0, "QAR": 2, "RON": 2, "RSD": 2, "RUB": 2, "RWF": 0,
	"SAR": 2, "SBD": 2, "SCR": 2, "SDG": 2, "SEK": 2, "SGD": 2, "SHP": 2, "SLE": 2,
	"SLL": 2, "SOS": 2, "SRD": 2, "SSP": 2, "STN": 2, "SVC": 2, "SYP": 2, "SZL": 2,
	"THB": 2, "TJS": 2, "TMT": 2, "TND": 3, "TOP": 2, "TRY": 2, "TTD": 2, "TWD": 2,
	"TZS": 2, "UAH": 2, "UGX": 0, "USD": 2, "USN": 2, "UYI": 0, "UYU": 2, "UYW": 4,
	"UZS": 2, "VED": 2, "VES": 2, "VND": 0, "VUV": 0, "WST": 2, "XAF": 0, "XCD": 2,
	"XCG": 2, "XOF": 0, "XPF": 0, "YER": 2, "ZAR": 2, "ZMW": 2, "ZWG": 2, "ZWL": 2,
}

// ParseCurrency returns the currency for an ISO 4217 code in any case
// ("usd", "USD"). Unknown codes give an error wrapping
// ErrUnsupportedCurrency.
func ParseCurrency(code string) (Currency, error) {
	c := Currency(strings.ToUpper(strings.TrimSpace(code)))
	if !c.Valid() {
		return "", &Error{Kind: ErrUnsupportedCurrency, Code: "unknown_currency",
			Message: "unknown ISO 4217 currency " + quoteCode(code)}
	}
	return c, nil
}

// Valid reports whether c is an ISO 4217 code with a minor unit, in any
// case ("USD" or "usd").
func (c Currency) Valid() bool {
	_, ok := currencyExponents[c.Normalize()]
	return ok
}

// Exponent returns the number of decimal places of c's minor unit (2 for
// USD, 0 for JPY, 3 for KWD), or -1 when c is not a known currency. The
// code may be in any case.
func (c Currency) Exponent() int {
	e, ok := currencyExponents[c.Normalize()]
	if !ok {
		return -1
	}
	return e
}

// Normalize returns c in upper case ("usd" becomes "USD"). Only ASCII
// letters change; it allocates only when c holds a lower-case letter.
func (c Currency) Normalize() Currency {
	for i := 0; i < len(c); i++ {
		if 'a' <= c[i] && c[i] <= 'z' {
			b := []byte(c)
			for j := i; j < len(b); j++ {
				if 'a' <= b[j] && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return Currency(b)
		}
	}
	return c
}

// String returns the code in upper case.
func (c Currency) String() string { return string(c.Normalize()) }

// Currencies returns every known currency code, in no particular order.
func Currencies() []Currency {
	out := make([]Currency, 0, len(currencyExponents))
	for c := range currencyExponents {
		out = append(out, c)
	}
	return out
}

// quoteCode quotes a user-supplied code for an error message, cutting it
// short so that a long or hostile input cannot flood logs.
func quoteCode(s string) string {
	const max = 16
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strconv.Quote(s)
}
