package mediatest

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
)

func testImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	// A deterministic noise, so that PNG cannot compress it away and
	// sizes grow with the dimensions.
	seed := uint32(w*7919 + h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			seed = seed*1664525 + 1013904223
			img.Set(x, y, color.RGBA{R: uint8(seed >> 24), G: uint8(seed >> 16), B: uint8(seed >> 8), A: 255})
		}
	}
	return img
}

// PNG returns a valid w×h PNG image.
func PNG(w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage(w, h)); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// JPEG returns a valid w×h JPEG image.
func JPEG(w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(w, h), &jpeg.Options{Quality: 80}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// GIF returns a valid w×h GIF image.
func GIF(w, h int) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, testImage(w, h), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// HTML returns an HTML document that carries a script: what an attacker
// uploads under an image's name.
func HTML() []byte {
	return []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
}

// BrokenPNG returns bytes that start with the PNG signature but hold no
// valid header: they sniff as image/png and must not decode.
func BrokenPNG() []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	return append(b, bytes.Repeat([]byte{0xAB}, 600)...)
}
