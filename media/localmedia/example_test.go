package localmedia_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/localmedia"
	"github.com/switchboard-go/switchboard/media/mediatest"
)

func Example() {
	dir, _ := os.MkdirTemp("", "media")
	defer os.RemoveAll(dir)
	store, err := localmedia.New(dir, localmedia.WithBaseURL("/media/"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	mux := http.NewServeMux()
	mux.Handle("/media/", store.Handler()) // serves assets, accepts signed direct uploads

	a, err := store.Upload(context.Background(), &media.Upload{
		Folder: "products", Name: "shoe", Body: bytes.NewReader(mediatest.PNG(4, 4)),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.ID)
	fmt.Println(a.URL)
	// Output:
	// public/products/shoe.png
	// /media/public/products/shoe.png
}
