package sms

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Encoding is how a body travels in SMS segments.
type Encoding string

// Encodings.
const (
	// GSM7 is the GSM 03.38 default alphabet, 7 bits a character: 160
	// characters in a single segment, 153 in each segment of a
	// concatenated message. The characters of its extension table
	// (^ { } [ ] ~ \ | € and form feed) take two.
	GSM7 Encoding = "GSM-7"
	// UCS2 is used as soon as one character is outside the GSM alphabet
	// (an emoji, a curly quote, most non-Latin scripts): 70 UTF-16 code
	// units in a single segment, 67 in each segment of a concatenated
	// message. A character outside the Basic Multilingual Plane (most
	// emoji) takes two.
	UCS2 Encoding = "UCS-2"
)

// Segment sizes, in septets (GSM-7) or UTF-16 code units (UCS-2). A
// concatenated message loses 7 septets (6 bytes) of every segment to the
// user data header that numbers the parts.
const (
	GSM7Single = 160
	GSM7Multi  = 153
	UCS2Single = 70
	UCS2Multi  = 67
)

// Segments is how a body splits into SMS segments, which providers bill
// one by one.
type Segments struct {
	// Encoding is GSM7 when every character is in the GSM alphabet, UCS2
	// otherwise.
	Encoding Encoding
	// Length is the body's length as providers count it: UTF-16 code
	// units, so an emoji counts two.
	Length int
	// Units is the size of the encoded body: septets for GSM-7 (extension
	// characters count two), UTF-16 code units for UCS-2.
	Units int
	// Count is the number of segments: 0 for an empty body, 1 up to the
	// single-segment size, then one per GSM7Multi or UCS2Multi units. A
	// two-unit character never straddles two segments: it moves whole to
	// the next one, as handsets and providers split.
	Count int
	// PerSegment is how many units each segment holds: 160 or 153 for
	// GSM-7, 70 or 67 for UCS-2.
	PerSegment int
	// NonGSM lists, in order of first appearance, up to 8 distinct
	// characters that forced UCS-2 (a curly quote, an en dash), so that an
	// application can say which character made a message cost more.
	NonGSM []rune
}

// maxNonGSM bounds Segments.NonGSM.
const maxNonGSM = 8

// CountSegments computes the encoding and segments of body. Invalid UTF-8
// counts as U+FFFD, which forces UCS-2 (Validate refuses such a body).
func CountSegments(body string) Segments {
	s := Segments{Encoding: GSM7}
	gsm := 0
	for _, r := range body {
		n := utf16.RuneLen(r)
		if n < 0 {
			n = 1 // a surrogate half or an invalid rune is sent as U+FFFD
		}
		s.Length += n
		switch gsmCost(r) {
		case 1:
			gsm++
		case 2:
			gsm += 2
		default:
			if s.Encoding == GSM7 {
				s.Encoding = UCS2
			}
			if len(s.NonGSM) < maxNonGSM && !containsRune(s.NonGSM, r) {
				s.NonGSM = append(s.NonGSM, r)
			}
		}
	}
	if s.Encoding == GSM7 {
		s.Units = gsm
		s.Count, s.PerSegment = split(body, gsm, GSM7Single, GSM7Multi, func(r rune) int { return gsmCost(r) })
		return s
	}
	s.Units = s.Length
	s.Count, s.PerSegment = split(body, s.Length, UCS2Single, UCS2Multi, func(r rune) int {
		if n := utf16.RuneLen(r); n > 0 {
			return n
		}
		return 1
	})
	return s
}

// split counts the segments of body, whose size is total units: one when
// it fits single, otherwise segments of multi units filled in order, a
// character of two units moving whole to the next segment when only one
// unit is left.
func split(body string, total, single, multi int, cost func(rune) int) (count, per int) {
	switch {
	case total == 0:
		return 0, single
	case total <= single:
		return 1, single
	}
	count, cur := 1, 0
	for _, r := range body {
		c := cost(r)
		if cur+c > multi {
			count++
			cur = 0
		}
		cur += c
	}
	return count, multi
}

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// gsmCost returns 1 for a character of the GSM 03.38 default alphabet, 2
// for one of its extension table (sent as ESC and the character), and 0
// for a character outside both.
func gsmCost(r rune) int {
	if r < 0x80 {
		return int(gsmASCII[r])
	}
	switch r {
	case '£', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', 'Ø', 'ø', 'Å', 'å', 'Δ', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ',
		'Σ', 'Θ', 'Ξ', 'Æ', 'æ', 'ß', 'É', '¤', '¡', 'Ä', 'Ö', 'Ñ', 'Ü', '§', '¿', 'ä', 'ö', 'ñ', 'ü', 'à':
		return 1
	case '€':
		return 2
	case utf8.RuneError:
		return 0
	}
	return 0
}

// gsmASCII gives the GSM cost of each ASCII character: LF, CR, space and
// the printable characters are in the default alphabet except ` (absent)
// and ^ { } [ ] ~ \ | (extension table, 2); form feed is in the extension
// table; the other control characters are absent. '$', '@' and '_' are in
// the default alphabet at other positions than in ASCII.
var gsmASCII = func() (t [128]uint8) {
	for c := ' '; c <= '~'; c++ {
		t[c] = 1
	}
	t['`'] = 0
	for _, c := range "^{}[]~\\|" {
		t[c] = 2
	}
	t['\n'], t['\r'] = 1, 1
	t['\f'] = 2
	return t
}()
