package blobmedia_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/memblob" // registers mem://; import s3blob, gcsblob or azureblob for clouds

	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/blobmedia"
	"github.com/switchboard-go/switchboard/media/mediatest"
)

func Example() {
	ctx := context.Background()
	bucket, err := blob.OpenBucket(ctx, "mem://")
	if err != nil {
		log.Fatal(err)
	}
	defer bucket.Close()
	store, err := blobmedia.New(bucket, blobmedia.WithBaseURL("https://cdn.example.com/"))
	if err != nil {
		log.Fatal(err)
	}
	a, err := store.Upload(ctx, &media.Upload{Folder: "products", Name: "shoe", Body: bytes.NewReader(mediatest.GIF(5, 3))})
	if err != nil {
		log.Fatal(err)
	}
	attrs, _ := bucket.Attributes(ctx, a.ID)
	fmt.Println(a.URL)
	fmt.Println(attrs.ContentType, attrs.Size == a.Bytes, a.Width, a.Height)
	// Output:
	// https://cdn.example.com/public/products/shoe.gif
	// image/gif true 5 3
}
