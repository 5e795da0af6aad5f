package media_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/mediatest"
)

func TestCheckPath(t *testing.T) {
	for _, ok := range []string{"a", "products/shoes", "a-b_c.d/e", "x/" + strings.Repeat("a", media.MaxSegmentLength)} {
		require.NoError(t, media.CheckPath("p", ok), ok)
	}
	for _, bad := range []string{
		"", "/", "/a", "a/", "a//b", ".", "..", "../a", "a/../b", "a/./b", ".hidden", "a/.git/config",
		"a\\b", "..\\a", "a\x00b", "%2e%2e", "a%2fb", "%00", "c:", "a b", "a\nb", "é", "\u2215",
		"a/" + strings.Repeat("b", media.MaxSegmentLength+1), strings.Repeat("a/", media.MaxSegments) + "a",
		strings.Repeat("a", media.MaxPathLength+1),
	} {
		err := media.CheckPath("p", bad)
		require.ErrorIs(t, err, media.ErrInvalidName, "%q", bad)
	}
}

func TestObjectPathReplacesExtension(t *testing.T) {
	require.Equal(t, "f/photo.jpg", media.ObjectPath("f", "photo.png", ".jpg"))
	require.Equal(t, "photo.jpg", media.ObjectPath("", "photo", ".jpg"))
	p := media.ObjectPath("f", "", ".png")
	require.Regexp(t, `^f/[0-9a-f]{32}\.png$`, p)
	require.NoError(t, media.CheckPath("p", p))
}

func TestCheckSniffsAndMeasures(t *testing.T) {
	for _, tc := range []struct {
		name       string
		body       []byte
		typ, ext   string
		w, h       int
		allowed    []string
		wantErr    error
		maxBytes   int64
		wantLength int
	}{
		{name: "png", body: mediatest.PNG(31, 17), typ: "image/png", ext: ".png", w: 31, h: 17},
		{name: "jpeg", body: mediatest.JPEG(64, 48), typ: "image/jpeg", ext: ".jpg", w: 64, h: 48},
		{name: "gif with a large color table", body: mediatest.GIF(40, 40), typ: "image/gif", ext: ".gif", w: 40, h: 40},
		{name: "html", body: mediatest.HTML(), wantErr: media.ErrTypeNotAllowed},
		{name: "html allowed by wildcard", body: mediatest.HTML(), allowed: []string{"*/*"}, typ: "text/html; charset=utf-8", ext: ".html"},
		{name: "text by family", body: []byte("hello"), allowed: []string{"text/*"}, typ: "text/plain; charset=utf-8", ext: ".txt"},
		{name: "broken png", body: mediatest.BrokenPNG(), wantErr: media.ErrInvalidContent},
		{name: "empty", body: nil, wantErr: media.ErrEmpty},
		{name: "one byte over", body: mediatest.PNG(8, 8), maxBytes: int64(len(mediatest.PNG(8, 8))) - 1, wantErr: media.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := media.Limits{MaxBytes: tc.maxBytes, AllowedTypes: tc.allowed}
			c, data, err := media.ReadAll(bytes.NewReader(tc.body), l)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.typ, c.Type)
			require.Equal(t, tc.ext, c.Ext)
			require.Equal(t, tc.w, c.Width)
			require.Equal(t, tc.h, c.Height)
			require.Equal(t, tc.body, data, "every byte comes through, the sniffed head included")
		})
	}
}

// slowReader returns one byte per Read, as a trickling client would.
type slowReader struct {
	r io.Reader
	n int64
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	n, err := s.r.Read(p)
	s.n += int64(n)
	return n, err
}

func TestCheckStopsReadingAtTheLimit(t *testing.T) {
	big := bytes.Repeat([]byte("%PDF-1.4 "), 100000)
	for _, limit := range []int64{1, 10, 511, 512, 513, 4096, 100000} {
		src := &slowReader{r: bytes.NewReader(big)}
		c, err := media.Check(src, media.Limits{MaxBytes: limit, AllowedTypes: []string{"application/pdf"}})
		if err == nil {
			_, err = io.Copy(io.Discard, c)
		}
		require.ErrorIs(t, err, media.ErrTooLarge, "limit %d", limit)
		require.LessOrEqual(t, src.n, limit+1, "limit %d: read at most the limit plus one byte", limit)
	}
}

func TestCheckedWriteToMatchesRead(t *testing.T) {
	img := mediatest.PNG(100, 100)
	c, err := media.Check(bytes.NewReader(img), media.Limits{})
	require.NoError(t, err)
	var b bytes.Buffer
	n, err := c.WriteTo(&b)
	require.NoError(t, err)
	require.Equal(t, int64(len(img)), n)
	require.Equal(t, int64(len(img)), c.Size())
	require.Equal(t, img, b.Bytes())

	c, err = media.Check(bytes.NewReader(img), media.Limits{MaxBytes: int64(len(img)) - 1})
	if err == nil {
		_, err = c.WriteTo(io.Discard)
	}
	require.ErrorIs(t, err, media.ErrTooLarge)
}

func TestCheckPropagatesReadErrors(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := media.Check(io.MultiReader(strings.NewReader("\x89PNG"), errReader{boom}), media.Limits{})
	require.ErrorIs(t, err, boom)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestLimitsAndTypes(t *testing.T) {
	_, _, err := media.Limits{MaxBytes: -1}.Resolve()
	require.ErrorIs(t, err, media.ErrInvalidParams)
	for _, bad := range []string{"png", "image/", "/png", "*/png", "image/png; q=1", "a/b/c", "image /png"} {
		_, _, err := media.Limits{AllowedTypes: []string{bad}}.Resolve()
		require.ErrorIs(t, err, media.ErrInvalidParams, bad)
	}
	max, types, err := media.Limits{}.Resolve()
	require.NoError(t, err)
	require.Equal(t, media.DefaultMaxBytes, max)
	require.Equal(t, media.DefaultAllowedTypes(), types)
	require.True(t, media.TypeAllowed("image/PNG", []string{"image/*"}))
	require.False(t, media.TypeAllowed("imagex/png", []string{"image/*"}))
	require.False(t, media.TypeAllowed("image/svg+xml", media.DefaultAllowedTypes()), "SVG is not a default")
	require.Equal(t, "image/png", media.TypeForExtension(".png"))
	require.Equal(t, "text/plain; charset=utf-8", media.TypeForExtension(".txt"))
	require.Equal(t, "application/octet-stream", media.TypeForExtension(".exe"))
}

func TestCheckMetadata(t *testing.T) {
	require.NoError(t, media.CheckMetadata(map[string]string{"alt": "A shoe | side = left", "sku-1": ""}))
	many := map[string]string{}
	for i := 0; i <= media.MaxMetadataKeys; i++ {
		many[strings.Repeat("k", i+1)] = "v"
	}
	for name, md := range map[string]map[string]string{
		"empty key":  {"": "v"},
		"upper key":  {"Alt": "v"},
		"space key":  {"a b": "v"},
		"long key":   {strings.Repeat("k", 65): "v"},
		"long value": {"k": strings.Repeat("v", media.MaxMetadataValue+1)},
		"control":    {"k": "a\x07b"},
		"invalid":    {"k": "\xff"},
		"too many":   many,
	} {
		require.ErrorIs(t, media.CheckMetadata(md), media.ErrInvalidParams, name)
	}
}

func TestErrorKeepsKindAndCause(t *testing.T) {
	cause := errors.New("dial tcp: refused")
	err := &media.Error{Kind: media.ErrTemporary, Provider: "x", Op: "upload", StatusCode: 503, RequestID: "r1", Err: cause}
	require.ErrorIs(t, err, media.ErrTemporary)
	require.ErrorIs(t, err, cause)
	require.Contains(t, err.Error(), "status 503")
	require.Contains(t, err.Error(), "request r1")
}

func FuzzCheckPath(f *testing.F) {
	for _, s := range []string{"a/b.png", "../x", "a//b", "%2e%2e/x", "a\\b", "\x00", "public/p/x.png"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if media.CheckPath("p", p) != nil {
			return
		}
		// An accepted path is relative, clean and plain ASCII.
		if strings.HasPrefix(p, "/") || strings.Contains(p, "..") && strings.Contains("/"+p+"/", "/../") {
			t.Fatalf("accepted %q", p)
		}
		for _, seg := range strings.Split(p, "/") {
			if seg == "" || seg[0] == '.' {
				t.Fatalf("accepted %q with segment %q", p, seg)
			}
		}
		if !utf8.ValidString(p) || strings.ContainsAny(p, "\\%:\x00 ") {
			t.Fatalf("accepted %q", p)
		}
	})
}

func FuzzCheck(f *testing.F) {
	f.Add(mediatest.PNG(2, 2), int64(0))
	f.Add(mediatest.GIF(3, 3), int64(100))
	f.Add(mediatest.BrokenPNG(), int64(0))
	f.Add([]byte("GIF89a\x01\x00\x01\x00"), int64(0))
	f.Add([]byte{}, int64(5))
	f.Fuzz(func(t *testing.T, body []byte, max int64) {
		if max < 0 {
			max = -max
		}
		l := media.Limits{MaxBytes: max % (1 << 20), AllowedTypes: []string{"*/*"}}
		c, data, err := media.ReadAll(bytes.NewReader(body), l)
		if err != nil {
			return
		}
		if !bytes.Equal(data, body) {
			t.Fatalf("bytes changed")
		}
		limit := l.MaxBytes
		if limit == 0 {
			limit = media.DefaultMaxBytes
		}
		if int64(len(body)) > limit || len(body) == 0 {
			t.Fatalf("accepted %d bytes with limit %d", len(body), limit)
		}
		if c.Width < 0 || c.Height < 0 {
			t.Fatalf("negative dimensions")
		}
	})
}
