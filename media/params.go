package media

import (
	"fmt"
	"time"
)

// MaxDimension is the largest width or height a Transformation may ask
// for.
const MaxDimension = 10000

var cropModes = map[string]bool{"": true, "fill": true, "fit": true, "limit": true, "pad": true, "scale": true, "thumb": true, "crop": true}

var formats = map[string]bool{"": true, "jpg": true, "png": true, "webp": true, "avif": true, "gif": true, "auto": true}

// Check validates t. The error wraps ErrInvalidParams.
func (t *Transformation) Check() error {
	if t == nil {
		return nil
	}
	if t.Width < 0 || t.Height < 0 || t.Width > MaxDimension || t.Height > MaxDimension {
		return fmt.Errorf("%w: transformation width and height must be 0 to %d", ErrInvalidParams, MaxDimension)
	}
	if !cropModes[t.Crop] {
		return fmt.Errorf("%w: unknown crop mode %s", ErrInvalidParams, quote(t.Crop))
	}
	if !formats[t.Format] {
		return fmt.Errorf("%w: unknown format %s", ErrInvalidParams, quote(t.Format))
	}
	if t.Quality < 0 || t.Quality > 100 {
		return fmt.Errorf("%w: quality must be 0 to 100", ErrInvalidParams)
	}
	if t.Crop != "" && t.Width == 0 && t.Height == 0 {
		return fmt.Errorf("%w: crop mode %s needs a width or a height", ErrInvalidParams, t.Crop)
	}
	return nil
}

// Check validates o, which may be nil. The error wraps ErrInvalidParams.
func (o *URLOptions) Check() error {
	if o == nil {
		return nil
	}
	if o.Expires < 0 {
		return fmt.Errorf("%w: negative URL expiry", ErrInvalidParams)
	}
	return o.Transform.Check()
}

// Expiry returns how long a signed URL made with o lasts.
func (o *URLOptions) Expiry() time.Duration {
	if o == nil || o.Expires == 0 {
		return DefaultURLExpiry
	}
	return o.Expires
}

// Check validates p against a backend's longest allowed expiry (0 for no
// maximum). The error wraps ErrInvalidName or ErrInvalidParams.
func (p *DirectUploadParams) Check(maxExpiry time.Duration) error {
	if p == nil {
		return fmt.Errorf("%w: nil direct upload parameters", ErrInvalidParams)
	}
	if err := CheckName(p.Folder, p.Name); err != nil {
		return err
	}
	_, allowed, err := p.Limits.resolve()
	if err != nil {
		return err
	}
	if p.ContentType != "" {
		if err := checkTypePattern(p.ContentType); err != nil || baseType(p.ContentType) != p.ContentType || p.ContentType[len(p.ContentType)-1] == '*' {
			return fmt.Errorf("%w: ContentType must be one type/subtype without parameters", ErrInvalidParams)
		}
		if !typeAllowed(p.ContentType, allowed) {
			return fmt.Errorf("%w: ContentType %s is not among the allowed types", ErrTypeNotAllowed, p.ContentType)
		}
	}
	if p.Expires < 0 {
		return fmt.Errorf("%w: negative expiry", ErrInvalidParams)
	}
	if maxExpiry > 0 && p.Expiry() > maxExpiry {
		return fmt.Errorf("%w: expiry %v is longer than the backend's maximum %v", ErrInvalidParams, p.Expiry(), maxExpiry)
	}
	return nil
}

// Expiry returns how long a direct upload signed from p lasts.
func (p *DirectUploadParams) Expiry() time.Duration {
	if p == nil || p.Expires == 0 {
		return DefaultUploadExpiry
	}
	return p.Expires
}
