package sms_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/sms"
)

func TestCountSegments(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		enc    sms.Encoding
		units  int
		count  int
		per    int
		nonGSM string
		length int
	}{
		{"Empty", "", sms.GSM7, 0, 0, 160, "", 0},
		{"OneChar", "a", sms.GSM7, 1, 1, 160, "", 1},
		{"GSM160", strings.Repeat("a", 160), sms.GSM7, 160, 1, 160, "", 160},
		{"GSM161", strings.Repeat("a", 161), sms.GSM7, 161, 2, 153, "", 161},
		{"GSM306", strings.Repeat("a", 306), sms.GSM7, 306, 2, 153, "", 306},
		{"GSM307", strings.Repeat("a", 307), sms.GSM7, 307, 3, 153, "", 307},
		// Extension characters take two septets.
		{"Euro80", strings.Repeat("€", 80), sms.GSM7, 160, 1, 160, "", 80},
		{"Euro81", strings.Repeat("€", 81), sms.GSM7, 162, 2, 153, "", 81},
		{"Braces", "{}[]~\\|^", sms.GSM7, 16, 1, 160, "", 8},
		// An extension character never straddles two segments: 152
		// septets then "{" (2) would end at 154, so it moves on.
		{"ExtensionAtBoundary", strings.Repeat("a", 152) + "{" + strings.Repeat("a", 10), sms.GSM7, 164, 2, 153, "", 163},
		{"ExtensionFitsExactly", strings.Repeat("a", 151) + "{" + strings.Repeat("a", 153), sms.GSM7, 306, 2, 153, "", 305},
		{"GSMAccents", "àÄöÜñ£¥§¿¡ΔΩ", sms.GSM7, 12, 1, 160, "", 12},
		{"NewLines", "a\nb\r\nc", sms.GSM7, 6, 1, 160, "", 6},
		// One character outside the alphabet makes the whole body UCS-2.
		{"CurlyQuote", "It’s here", sms.UCS2, 9, 1, 70, "’", 9},
		{"UCS70", strings.Repeat("ä", 69) + "ç", sms.UCS2, 70, 1, 70, "ç", 70},
		{"UCS71", strings.Repeat("é", 70) + "ç", sms.UCS2, 71, 2, 67, "ç", 71},
		{"UCS134", strings.Repeat("ç", 134), sms.UCS2, 134, 2, 67, "ç", 134},
		{"UCS135", strings.Repeat("ç", 135), sms.UCS2, 135, 3, 67, "ç", 135},
		// Emoji take two UTF-16 code units and never straddle segments.
		{"Emoji35", strings.Repeat("🚀", 35), sms.UCS2, 70, 1, 70, "🚀", 70},
		{"Emoji36", strings.Repeat("🚀", 36), sms.UCS2, 72, 2, 67, "🚀", 72},
		{"EmojiAtBoundary", strings.Repeat("x", 66) + "🚀" + strings.Repeat("x", 10), sms.UCS2, 78, 2, 67, "🚀", 78},
		{"Backtick", "a`b", sms.UCS2, 3, 1, 70, "`", 3},
		{"Tab", "a\tb", sms.UCS2, 3, 1, 70, "\t", 3},
		{"InvalidUTF8", "a\xffb", sms.UCS2, 3, 1, 70, "\uFFFD", 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := sms.CountSegments(tc.body)
			require.Equal(t, tc.enc, s.Encoding, "encoding")
			require.Equal(t, tc.units, s.Units, "units")
			require.Equal(t, tc.count, s.Count, "segments")
			require.Equal(t, tc.per, s.PerSegment, "units per segment")
			require.Equal(t, tc.length, s.Length, "length in UTF-16 code units")
			require.Equal(t, []rune(tc.nonGSM), nonNil(s.NonGSM), "characters that forced UCS-2")
		})
	}
}

func nonNil(r []rune) []rune {
	if r == nil {
		return []rune{}
	}
	return r
}

func TestCountSegmentsNonGSMBounded(t *testing.T) {
	s := sms.CountSegments("αβγδεζηθικλμ’’’")
	require.Len(t, s.NonGSM, 8, "at most 8 distinct characters are listed")
	require.Equal(t, 'α', s.NonGSM[0], "in order of appearance")
}

// FuzzCountSegments checks the invariants of every split: the segments
// hold the units, a single segment is used up to its size, no segment is
// empty beyond need, and the count never falls below units/size.
func FuzzCountSegments(f *testing.F) {
	for _, s := range []string{"", "hello", strings.Repeat("€", 81), "🚀x", strings.Repeat("a", 152) + "{", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		s := sms.CountSegments(body)
		if body == "" {
			if s.Count != 0 || s.Units != 0 {
				t.Fatalf("empty body: %+v", s)
			}
			return
		}
		single, multi := sms.GSM7Single, sms.GSM7Multi
		if s.Encoding == sms.UCS2 {
			single, multi = sms.UCS2Single, sms.UCS2Multi
			if s.Units != s.Length {
				t.Fatalf("UCS-2 units %d != length %d", s.Units, s.Length)
			}
		}
		switch {
		case s.Units <= single:
			if s.Count != 1 {
				t.Fatalf("%d units in %d segments", s.Units, s.Count)
			}
		default:
			low := (s.Units + multi - 1) / multi
			if s.Count < low || s.Count > low+s.Units/multi+1 {
				t.Fatalf("%d units in %d segments of %d", s.Units, s.Count, multi)
			}
		}
		if utf8.ValidString(body) && s.Encoding == sms.GSM7 && len(s.NonGSM) != 0 {
			t.Fatal("GSM-7 with non-GSM characters")
		}
	})
}
