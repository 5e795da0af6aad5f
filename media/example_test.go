package media_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/mediatest"
)

// Every Store refuses the same input the same way, before anything is
// stored: here an HTML page uploaded under an image's name.
func Example() {
	var store media.Store = mediatest.NewMemory() // or localmedia, blobmedia, cloudinarymedia
	ctx := context.Background()

	a, err := store.Upload(ctx, &media.Upload{
		Folder: "products",
		Name:   "red-shoe.png",
		Body:   bytes.NewReader(mediatest.JPEG(64, 48)),
		Limits: media.Limits{MaxBytes: 1 << 20},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.ID, a.ContentType, a.Width, a.Height)

	_, err = store.Upload(ctx, &media.Upload{Name: "avatar.png", Body: bytes.NewReader(mediatest.HTML())})
	fmt.Println(errors.Is(err, media.ErrTypeNotAllowed))

	_, err = store.Upload(ctx, &media.Upload{Folder: "../../etc", Body: strings.NewReader("x")})
	fmt.Println(errors.Is(err, media.ErrInvalidName))

	fmt.Println(store.Delete(ctx, a.ID), store.Delete(ctx, a.ID))
	// Output:
	// public/products/red-shoe.jpg image/jpeg 64 48
	// true
	// true
	// <nil> <nil>
}

func ExampleCheck() {
	c, err := media.Check(bytes.NewReader(mediatest.PNG(3, 2)), media.Limits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Type, c.Ext, c.Width, c.Height)
	// Output: image/png .png 3 2
}
