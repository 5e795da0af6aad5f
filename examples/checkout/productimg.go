package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/media"
)

// productImages draws each product's picture, stores it in the media
// store (MEDIA_URL) and sets the product's Image to the store's URL. When
// the store cannot take it (Cloudinary unreachable, say), the picture is
// served by the app itself at /shop/img/ID.png. It returns the origins the
// pictures come from other than the app's, for the Content-Security-Policy.
func (a *app) productImages(ctx context.Context, products []*product) []string {
	pics := map[string][]byte{}
	origins := map[string]bool{}
	var list []string
	for _, p := range products {
		pic := drawProduct(p.hue)
		pics[p.ID] = pic
		p.Image = "/shop/img/" + p.ID + ".png"
		if a.media == nil || a.media.store == nil {
			continue
		}
		uctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		asset, err := a.media.store.Upload(uctx, &media.Upload{
			Folder: "catalogue", Name: p.ID, Body: bytes.NewReader(pic), Overwrite: true,
			Metadata: map[string]string{"product": p.ID},
		})
		cancel()
		if err != nil || asset.URL == "" {
			a.log.Warn("product picture not stored in the media store; the app serves it", "product", p.ID, "err", err)
			continue
		}
		p.Image = asset.URL
		if u, err := url.Parse(asset.URL); err == nil && u.Host != "" {
			o := u.Scheme + "://" + u.Host
			if o != a.baseURL && !origins[o] {
				origins[o] = true
				list = append(list, o)
			}
		}
	}
	a.mux.HandleFunc("GET /shop/img/{file}", func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutSuffix(r.PathValue("file"), ".png")
		pic, found := pics[id]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(pic)
	})
	return list
}

// drawProduct draws a 480x360 picture in the given hue: a soft gradient
// with a few rings, enough to tell the products apart.
func drawProduct(hue float64) []byte {
	const w, h = 480, 360
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			light := 0.88 - 0.25*float64(y)/h
			dx, dy := float64(x-w/2), float64(y-h/2)
			d := math.Hypot(dx, dy)
			if int(d)/24%2 == 0 && d < 150 {
				light -= 0.22
			}
			img.Set(x, y, hsl(hue, 0.55, light))
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // writing to memory does not fail
	return buf.Bytes()
}

// hsl converts a hue (degrees), saturation and lightness (0 to 1) to RGB.
func hsl(hdeg, s, l float64) color.RGBA {
	c := (1 - math.Abs(2*l-1)) * s
	hp := math.Mod(hdeg, 360) / 60
	x := c * (1 - math.Abs(math.Mod(hp, 2)-1))
	var r, g, b float64
	switch {
	case hp < 1:
		r, g = c, x
	case hp < 2:
		r, g = x, c
	case hp < 3:
		g, b = c, x
	case hp < 4:
		g, b = x, c
	case hp < 5:
		r, b = x, c
	default:
		r, b = c, x
	}
	m := l - c/2
	return color.RGBA{uint8((r + m) * 255), uint8((g + m) * 255), uint8((b + m) * 255), 255}
}
