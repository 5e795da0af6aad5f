// Package e164 turns the phone numbers people type ("024 123 4567",
// "(0803) 123-4567", "+44 20 7946 0958") into the E.164 form senders take
// ("+233241234567"), with the numbering plans of
// github.com/nyaruka/phonenumbers, a maintained Go port of Google's
// libphonenumber whose metadata is updated as countries change their
// plans.
//
// It lives apart from package sms because that library builds its
// metadata when a program starts (tens of milliseconds and a few
// megabytes): only programs that normalize numbers pay for it. Package sms
// itself checks the E.164 form alone.
//
// Normalize refuses what cannot be a number: text without digits, a
// number without a country code (and no default region), a country code
// that is not assigned, a length no number of that country has. A number
// of a possible length that the plan does not (yet) list is accepted, so
// that a newly opened range still reaches the provider, which refuses
// numbers that do not exist (sms.ErrInvalidNumber).
package e164

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/switchboard-go/switchboard/sms"
)

// maxInput bounds the text Normalize reads: libphonenumber's own limit.
const maxInput = 250

// Normalize parses raw, a number as a person wrote it, and returns it in
// E.164 form. region is the ISO 3166-1 alpha-2 code ("GH", "NG", "KE") of
// the country a number without an international prefix belongs to; it may
// be empty when raw starts with "+" or "00". The error is an
// *sms.ValidationError for the field "To" that matches sms.ErrInvalidNumber
// and says what is wrong without quoting raw.
func Normalize(raw, region string) (string, error) {
	region = strings.ToUpper(strings.TrimSpace(region))
	switch {
	case strings.TrimSpace(raw) == "":
		return "", invalid("is empty")
	case len(raw) > maxInput:
		return "", invalid("is too long to be a phone number")
	case strings.ContainsAny(raw, "\r\n\x00"):
		return "", invalid("holds CR, LF or NUL")
	case region != "" && !supportedRegion(region):
		return "", invalid(fmt.Sprintf("the default region %q is not a country code this package knows", region))
	}
	n, err := phonenumbers.Parse(raw, region)
	if err != nil {
		return "", invalid(parseProblem(err, region))
	}
	switch phonenumbers.IsPossibleNumberWithReason(n) {
	case phonenumbers.IS_POSSIBLE, phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
	case phonenumbers.INVALID_COUNTRY_CODE:
		return "", invalid("has a country code that is not assigned")
	case phonenumbers.TOO_SHORT:
		return "", invalid("is too short for its country")
	case phonenumbers.TOO_LONG:
		return "", invalid("is too long for its country")
	default:
		return "", invalid("has a length no number of its country has")
	}
	out := phonenumbers.Format(n, phonenumbers.E164)
	if err := sms.CheckNumber(out); err != nil {
		return "", err
	}
	return out, nil
}

// Region returns the ISO 3166-1 alpha-2 code of the country an E.164
// number belongs to ("GH" for "+233241234567"), or "" when the numbering
// plans do not tell (an unassigned or non-geographic number).
func Region(number string) string {
	if sms.CheckNumber(number) != nil {
		return ""
	}
	n, err := phonenumbers.Parse(number, "")
	if err != nil {
		return ""
	}
	r := phonenumbers.GetRegionCodeForNumber(n)
	if r == "ZZ" || r == "001" {
		return ""
	}
	return r
}

func supportedRegion(r string) bool {
	return phonenumbers.GetCountryCodeForRegion(r) != 0
}

func invalid(reason string) error {
	return &sms.ValidationError{Field: "To", Reason: reason, Number: true}
}

// parseProblem explains a libphonenumber parse error.
func parseProblem(err error, region string) string {
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode) && region == "":
		return `has no country code: start it with "+" or give a default region`
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return "has a country code that is not assigned"
	case errors.Is(err, phonenumbers.ErrNotANumber):
		return "is not a phone number"
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return "is too short"
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return "is too long"
	}
	return "is not a phone number"
}
