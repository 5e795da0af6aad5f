package media

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// Name limits.
const (
	// MaxSegmentLength is the longest segment of a folder, name or ID.
	MaxSegmentLength = 128
	// MaxPathLength is the longest folder, name or ID.
	MaxPathLength = 512
	// MaxSegments is the most segments a folder or ID may have.
	MaxSegments = 16
)

// CheckPath reports whether p is a safe relative path of slash-separated
// segments, as used for folders and asset IDs. Each segment holds only
// ASCII letters, digits, '-', '_' and '.', does not start with '.', and
// is at most MaxSegmentLength bytes; there are at most MaxSegments of
// them and the whole is at most MaxPathLength bytes. So "..", ".", an
// absolute path, an empty segment ("a//b"), a backslash, NUL, any
// control character, '%' (and with it every percent-encoded variant of
// those), ':' and non-ASCII letters are all refused: a checked path
// cannot escape its folder on any file system or URL. The error wraps
// ErrInvalidName and quotes at most the first 64 bytes of p.
func CheckPath(what, p string) error {
	if p == "" {
		return fmt.Errorf("%w: %s is empty", ErrInvalidName, what)
	}
	if len(p) > MaxPathLength {
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrInvalidName, what, MaxPathLength)
	}
	segments := 0
	start := 0
	for i := 0; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			c := p[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				return fmt.Errorf("%w: %s %s holds a character outside [A-Za-z0-9._-/]", ErrInvalidName, what, quote(p))
			}
			continue
		}
		seg := p[start:i]
		switch {
		case seg == "":
			return fmt.Errorf("%w: %s %s has an empty segment or a leading or trailing slash", ErrInvalidName, what, quote(p))
		case seg[0] == '.':
			return fmt.Errorf("%w: %s %s has a segment starting with '.'", ErrInvalidName, what, quote(p))
		case len(seg) > MaxSegmentLength:
			return fmt.Errorf("%w: %s has a segment longer than %d bytes", ErrInvalidName, what, MaxSegmentLength)
		}
		segments++
		start = i + 1
	}
	if segments > MaxSegments {
		return fmt.Errorf("%w: %s has more than %d segments", ErrInvalidName, what, MaxSegments)
	}
	return nil
}

// CheckName checks an upload's folder (which may be empty) and name
// (which may be empty, for a random one; otherwise one segment, no
// slash) with the rules of CheckPath.
func CheckName(folder, name string) error {
	if folder != "" {
		if err := CheckPath("folder", folder); err != nil {
			return err
		}
	}
	if name != "" {
		if strings.IndexByte(name, '/') >= 0 {
			return fmt.Errorf("%w: name %s holds a slash; put folders in Folder", ErrInvalidName, quote(name))
		}
		if err := CheckPath("name", name); err != nil {
			return err
		}
	}
	if len(folder)+len(name)+1 > MaxPathLength-16 {
		return fmt.Errorf("%w: folder and name are longer than %d bytes", ErrInvalidName, MaxPathLength-16)
	}
	return nil
}

// ObjectPath joins folder and name (a random one when empty) with the
// extension of the sniffed type ext (".png"), replacing any extension
// name has. It does not check its arguments: call CheckName first.
func ObjectPath(folder, name, ext string) string {
	if name == "" {
		name = RandomName()
	} else if dot := strings.LastIndexByte(name, '.'); dot > 0 {
		name = name[:dot]
	}
	if folder == "" {
		return name + ext
	}
	return folder + "/" + name + ext
}

// RandomName returns 32 random lowercase hexadecimal characters, a name
// nobody can guess or collide with.
func RandomName() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// Prefixes of the keys that local and bucket backends store assets
// under; an asset's ID is its key.
const (
	// PublicPrefix starts the ID of a public asset.
	PublicPrefix = "public/"
	// PrivatePrefix starts the ID of a private asset.
	PrivatePrefix = "private/"
)

// KeyID returns the ID of a local or bucket asset at path p.
func KeyID(p string, private bool) string {
	if private {
		return PrivatePrefix + p
	}
	return PublicPrefix + p
}

// ParseKeyID checks the ID of a local or bucket asset and reports
// whether it is private. The error wraps ErrInvalidName.
func ParseKeyID(id string) (private bool, err error) {
	if err := CheckPath("id", id); err != nil {
		return false, err
	}
	switch {
	case strings.HasPrefix(id, PublicPrefix) && len(id) > len(PublicPrefix):
		return false, nil
	case strings.HasPrefix(id, PrivatePrefix) && len(id) > len(PrivatePrefix):
		return true, nil
	}
	return false, fmt.Errorf("%w: id %s starts with neither %q nor %q", ErrInvalidName, quote(id), PublicPrefix, PrivatePrefix)
}
