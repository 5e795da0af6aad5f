package cloudinarymedia_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/cloudinarymedia"
	"github.com/switchboard-go/switchboard/media/mediatest"
)

type cleanup []func()

func (c *cleanup) Cleanup(f func()) { *c = append(*c, f) }

func Example() {
	var done cleanup
	defer func() {
		for _, f := range done {
			f()
		}
	}()
	// A fake of the Upload API; in production leave out the two URL options.
	fake := mediatest.NewFakeCloudinary(&done, "demo", "123456789012345", "the-api-secret", cloudinarymedia.SHA1)

	store, err := cloudinarymedia.NewFromURL("cloudinary://123456789012345:the-api-secret@demo",
		cloudinarymedia.WithBaseURL(fake.URL()), cloudinarymedia.WithDeliveryURL("https://res.cloudinary.com"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	a, err := store.Upload(ctx, &media.Upload{Folder: "products", Name: "shoe", Body: bytes.NewReader(mediatest.JPEG(40, 30))})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.ID, a.Width, a.Height)

	thumb, _ := store.URL(ctx, a.ID, &media.URLOptions{Transform: &media.Transformation{Width: 200, Height: 200, Crop: "thumb", Format: "auto"}})
	fmt.Println(thumb)

	du, _ := store.SignUpload(ctx, &media.DirectUploadParams{Folder: "products"})
	fmt.Println(du.Method, strings.HasSuffix(du.URL, "/v1_1/demo/image/upload"), du.Fields["api_key"], du.Fields["signature"] != "")
	// Output:
	// image/upload/products/shoe.jpg 40 30
	// https://res.cloudinary.com/demo/image/upload/c_thumb,f_auto,h_200,q_auto,w_200/products/shoe.jpg
	// POST true 123456789012345 true
}

func ExampleSign() {
	// The example of Cloudinary's "Generating authentication signatures".
	params := map[string][]string{
		"eager":     {"w_400,h_300,c_pad|w_260,h_200,c_crop"},
		"public_id": {"sample_image"},
		"timestamp": {"1315060510"},
	}
	sig, _ := cloudinarymedia.Sign(params, "abcd", cloudinarymedia.SHA1)
	fmt.Println(sig)
	// Output: bfd09f95f331f558cbd1320e67aa8d488770583e
}
