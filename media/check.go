package media

import (
	"bytes"
	"fmt"
	"image"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	// Image decoders for DecodeConfig: dimensions of every image type
	// DefaultAllowedTypes accepts, and BMP.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/webp"
)

// sniffLen is how many bytes net/http.DetectContentType looks at.
const sniffLen = 512

// maxImageHeader is how far into an image Check reads to find its
// dimensions. JPEG files may carry large EXIF or ICC segments before the
// frame header; 1 MiB covers all but pathological ones, which are
// refused as ErrInvalidContent.
const maxImageHeader = 1 << 20

// Content describes bytes that passed Check.
type Content struct {
	// Type is the media type sniffed from the bytes, with parameters
	// for text types ("text/plain; charset=utf-8").
	Type string
	// Ext is the file extension for Type, with its dot (".png").
	Ext string
	// Width and Height are an image's dimensions, zero otherwise.
	Width, Height int
}

// Checked is an upload body that passed the checks of its first bytes:
// it is not empty, its sniffed type is allowed, and an image's header
// decodes. Reading it yields every byte of the body, and fails with an
// error wrapping ErrTooLarge once more than the limit has been read;
// it never reads more than the limit plus one byte from the source.
type Checked struct {
	Content
	head []byte
	off  int
	rest io.LimitedReader
	max  int64
	n    int64
	err  error
}

// Check reads the first bytes of r, sniffs their type with
// net/http.DetectContentType (never from a file name or a declared type),
// refuses an empty body (ErrEmpty), a type outside l.AllowedTypes
// (ErrTypeNotAllowed), an image whose header does not decode
// (ErrInvalidContent) and a body already over l.MaxBytes (ErrTooLarge),
// and returns the body to store. Every backend calls it, so the checks
// are the same everywhere.
func Check(r io.Reader, l Limits) (*Checked, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: no body", ErrInvalidParams)
	}
	max, allowed, err := l.resolve()
	if err != nil {
		return nil, err
	}
	headCap := int64(sniffLen)
	if max+1 < headCap {
		headCap = max + 1
	}
	head := make([]byte, headCap, sniffLen)
	n, err := io.ReadFull(r, head)
	head = head[:n]
	eof := false
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		eof = true
	case err != nil:
		return nil, fmt.Errorf("media: reading upload: %w", err)
	}
	if n == 0 {
		return nil, ErrEmpty
	}
	if int64(n) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	ctype := http.DetectContentType(head)
	base := baseType(ctype)
	if !typeAllowed(base, allowed) {
		return nil, fmt.Errorf("%w: sniffed %s", ErrTypeNotAllowed, base)
	}
	c := &Checked{Content: Content{Type: ctype, Ext: ExtensionFor(ctype)}, max: max}
	if strings.HasPrefix(base, "image/") && hasDecoder(base) {
		head, eof, err = c.decodeImage(r, head, eof, max)
		if err != nil {
			return nil, err
		}
	}
	c.head = head
	if eof {
		c.rest = io.LimitedReader{R: eofReader{}, N: 0}
	} else {
		c.rest = io.LimitedReader{R: r, N: max - int64(len(head)) + 1}
	}
	return c, nil
}

// decodeImage reads more of r into head until image.DecodeConfig finds
// the dimensions, up to maxImageHeader bytes.
func (c *Checked) decodeImage(r io.Reader, head []byte, eof bool, max int64) ([]byte, bool, error) {
	for {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(head))
		if err == nil {
			if cfg.Width <= 0 || cfg.Height <= 0 {
				return nil, false, fmt.Errorf("%w: %s has no pixels", ErrInvalidContent, baseType(c.Type))
			}
			c.Width, c.Height = cfg.Width, cfg.Height
			return head, eof, nil
		}
		// Decoders do not all wrap io.ErrUnexpectedEOF when the header
		// is cut short (GIF's color table), so any error short of the end
		// of the body reads further, up to maxImageHeader.
		if eof || len(head) >= maxImageHeader || int64(len(head)) > max {
			return nil, false, fmt.Errorf("%w: %s header does not decode", ErrInvalidContent, baseType(c.Type))
		}
		want := 2 * len(head)
		if want < 4096 {
			want = 4096
		}
		if want > maxImageHeader {
			want = maxImageHeader
		}
		if int64(want) > max+1 {
			want = int(max + 1)
		}
		grown := make([]byte, want)
		copy(grown, head)
		m, rerr := io.ReadFull(r, grown[len(head):])
		head = grown[:len(head)+m]
		switch {
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			eof = true
		case rerr != nil:
			return nil, false, fmt.Errorf("media: reading upload: %w", rerr)
		}
		if int64(len(head)) > max {
			return nil, false, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
		}
	}
}

// Read implements io.Reader.
func (c *Checked) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.off < len(c.head) {
		n := copy(p, c.head[c.off:])
		c.off += n
		c.n += int64(n)
		return n, nil
	}
	n, err := c.rest.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		c.err = fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.max)
		return 0, c.err
	}
	return n, err
}

// WriteTo writes the whole body to w and returns the number of bytes
// written, or an error wrapping ErrTooLarge when the body exceeds the
// limit (w then holds up to the limit plus one byte, which the caller
// discards). It lets io.Copy to an *os.File keep the file's fast path.
func (c *Checked) WriteTo(w io.Writer) (int64, error) {
	if c.err != nil {
		return 0, c.err
	}
	var total int64
	if c.off < len(c.head) {
		n, err := w.Write(c.head[c.off:])
		c.off += n
		c.n += int64(n)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	n, err := io.Copy(w, &c.rest)
	c.n += n
	total += n
	if c.n > c.max {
		c.err = fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.max)
		return total, c.err
	}
	return total, err
}

// Size returns how many bytes have been read so far: the body's size once
// it has been read to the end.
func (c *Checked) Size() int64 { return c.n }

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// ReadAll checks r like Check and reads the whole body into memory, for
// backends that send it in one request.
func ReadAll(r io.Reader, l Limits) (Content, []byte, error) {
	c, err := Check(r, l)
	if err != nil {
		return Content{}, nil, err
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return Content{}, nil, err
	}
	return c.Content, buf.Bytes(), nil
}

// resolve applies the defaults and validates l.
func (l Limits) resolve() (int64, []string, error) {
	max := l.MaxBytes
	if max < 0 {
		return 0, nil, fmt.Errorf("%w: MaxBytes is negative", ErrInvalidParams)
	}
	if max == 0 {
		max = DefaultMaxBytes
	}
	allowed := l.AllowedTypes
	if allowed == nil {
		allowed = DefaultAllowedTypes()
	}
	if len(allowed) == 0 {
		return 0, nil, fmt.Errorf("%w: AllowedTypes is empty; nil means the defaults", ErrInvalidParams)
	}
	for _, t := range allowed {
		if err := checkTypePattern(t); err != nil {
			return 0, nil, err
		}
	}
	return max, allowed, nil
}

// Resolve returns the effective size limit and allowed types of l, its
// defaults applied, or an error wrapping ErrInvalidParams.
func (l Limits) Resolve() (maxBytes int64, allowedTypes []string, err error) {
	return l.resolve()
}

func checkTypePattern(t string) error {
	slash := strings.IndexByte(t, '/')
	if slash <= 0 || slash == len(t)-1 || strings.ContainsAny(t, " ;,\t") || strings.Count(t, "/") != 1 {
		return fmt.Errorf("%w: allowed type %q is not type/subtype", ErrInvalidParams, t)
	}
	if t[:slash] == "*" && t != "*/*" {
		return fmt.Errorf("%w: allowed type %q: only the subtype may be *", ErrInvalidParams, t)
	}
	return nil
}

// TypeAllowed reports whether media type t (parameters ignored) matches
// one of the patterns in allowed ("image/png", "image/*", "*/*").
func TypeAllowed(t string, allowed []string) bool {
	return typeAllowed(baseType(t), allowed)
}

func typeAllowed(base string, allowed []string) bool {
	for _, a := range allowed {
		a = strings.ToLower(a)
		switch {
		case a == "*/*", a == base:
			return true
		case strings.HasSuffix(a, "/*") && strings.HasPrefix(base, a[:len(a)-1]):
			return true
		}
	}
	return false
}

func baseType(t string) string {
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return strings.ToLower(strings.TrimSpace(t))
}

func hasDecoder(base string) bool {
	switch base {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp":
		return true
	}
	return false
}

// extensions maps sniffed types to extensions; types[ext] is its inverse.
var extensions = map[string]string{
	"image/jpeg":                    ".jpg",
	"image/png":                     ".png",
	"image/gif":                     ".gif",
	"image/webp":                    ".webp",
	"image/bmp":                     ".bmp",
	"image/x-icon":                  ".ico",
	"application/pdf":               ".pdf",
	"application/zip":               ".zip",
	"application/x-gzip":            ".gz",
	"application/wasm":              ".wasm",
	"application/ogg":               ".ogg",
	"application/postscript":        ".ps",
	"application/vnd.ms-fontobject": ".eot",
	"audio/mpeg":                    ".mp3",
	"audio/wave":                    ".wav",
	"audio/aiff":                    ".aiff",
	"audio/basic":                   ".au",
	"audio/midi":                    ".mid",
	"video/mp4":                     ".mp4",
	"video/webm":                    ".webm",
	"video/avi":                     ".avi",
	"font/ttf":                      ".ttf",
	"font/otf":                      ".otf",
	"font/woff":                     ".woff",
	"font/woff2":                    ".woff2",
	"text/plain":                    ".txt",
	"text/html":                     ".html",
	"text/xml":                      ".xml",
	"application/octet-stream":      ".bin",
}

var types = func() map[string]string {
	m := make(map[string]string, len(extensions))
	for t, e := range extensions {
		m[e] = t
	}
	return m
}()

// ExtensionFor returns the extension stored for sniffed type t
// (parameters ignored), ".bin" for a type without one.
func ExtensionFor(t string) string {
	if e, ok := extensions[baseType(t)]; ok {
		return e
	}
	return ".bin"
}

// TypeForExtension returns the media type of an extension ExtensionFor
// produced (".png"), or "application/octet-stream". Text types carry
// "; charset=utf-8".
func TypeForExtension(ext string) string {
	t, ok := types[strings.ToLower(ext)]
	if !ok {
		return "application/octet-stream"
	}
	if strings.HasPrefix(t, "text/") {
		return t + "; charset=utf-8"
	}
	return t
}

// Metadata limits.
const (
	// MaxMetadataKeys is the most entries Upload.Metadata may hold.
	MaxMetadataKeys = 32
	// MaxMetadataValue is the longest metadata value in bytes.
	MaxMetadataValue = 512
)

// CheckMetadata checks upload metadata: at most MaxMetadataKeys entries,
// keys of 1 to 64 lowercase ASCII letters, digits, '-' or '_' (buckets
// lowercase keys, so only lowercase survives every backend), values of valid
// UTF-8 without control characters and at most MaxMetadataValue bytes.
// The error wraps ErrInvalidParams.
func CheckMetadata(md map[string]string) error {
	if len(md) > MaxMetadataKeys {
		return fmt.Errorf("%w: more than %d metadata entries", ErrInvalidParams, MaxMetadataKeys)
	}
	for k, v := range md {
		if k == "" || len(k) > 64 {
			return fmt.Errorf("%w: metadata key must be 1 to 64 bytes", ErrInvalidParams)
		}
		for i := 0; i < len(k); i++ {
			c := k[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("%w: metadata key %s holds a character outside [a-z0-9_-]", ErrInvalidParams, quote(k))
			}
		}
		if len(v) > MaxMetadataValue {
			return fmt.Errorf("%w: metadata value of %q is longer than %d bytes", ErrInvalidParams, k, MaxMetadataValue)
		}
		if !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0 {
			return fmt.Errorf("%w: metadata value of %q is not printable UTF-8", ErrInvalidParams, k)
		}
	}
	return nil
}

// CheckUpload checks everything about in that can be checked before its
// body is read: a body is present, the folder and name (CheckName), the
// limits and the metadata.
func CheckUpload(in *Upload) error {
	if in == nil {
		return fmt.Errorf("%w: nil upload", ErrInvalidParams)
	}
	if in.Body == nil {
		return fmt.Errorf("%w: no body", ErrInvalidParams)
	}
	if err := CheckName(in.Folder, in.Name); err != nil {
		return err
	}
	if _, _, err := in.Limits.resolve(); err != nil {
		return err
	}
	return CheckMetadata(in.Metadata)
}
