package mediatest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/mediatest"
)

// A test of code that stores files uses Memory in place of the real Store,
// then looks at what was stored or makes the backend fail.
func ExampleMemory() {
	store := mediatest.NewMemory()
	ctx := context.Background()
	a, _ := store.Upload(ctx, &media.Upload{Folder: "avatars", Name: "u1", Body: bytes.NewReader(mediatest.PNG(2, 2))})
	_, data, ok := store.Get(a.ID)
	fmt.Println(a.ID, ok, len(data) > 0)

	store.Fail(media.ErrTemporary)
	_, err := store.Upload(ctx, &media.Upload{Body: bytes.NewReader(mediatest.PNG(2, 2))})
	fmt.Println(errors.Is(err, media.ErrTemporary))
	// Output:
	// public/avatars/u1.png true true
	// true
}
