package cloudinarymedia_test

import (
	"strings"
	"testing"

	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/cloudinarymedia"
	"github.com/switchboard-go/switchboard/webhooks"
)

// FuzzParseNotification feeds arbitrary notification bodies to the
// parser: it never panics, and every ID it returns is one the Store
// accepts, so a notification cannot name a path outside the account.
func FuzzParseNotification(f *testing.F) {
	f.Add(`{"notification_type":"upload","public_id":"p/x","resource_type":"image","type":"upload","format":"png","version":1}`)
	f.Add(`{"notification_type":"delete","resources":[{"resource_type":"raw","type":"upload","public_id":"a.pdf"}]}`)
	f.Add(`{"notification_type":"upload","public_id":"../../x","resource_type":"image"}`)
	f.Add(`[]`)
	s, err := cloudinarymedia.New("demo", "key", "secret")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		e, err := s.ParseNotification(&webhooks.Event{Data: []byte(body)})
		if err != nil {
			return
		}
		ids := e.IDs
		if e.Asset != nil {
			ids = append(ids, e.Asset.ID)
		}
		for _, id := range ids {
			if err := media.CheckPath("id", id); err != nil || strings.Contains(id, "..") && strings.Contains("/"+id+"/", "/../") {
				t.Fatalf("parser returned unsafe id %q", id)
			}
		}
	})
}
