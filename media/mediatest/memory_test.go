package mediatest_test

import (
	"testing"

	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/mediatest"
)

func TestMemoryConformance(t *testing.T) {
	var cur *mediatest.Memory
	mediatest.Run(t, mediatest.Harness{
		New: func(t *testing.T) media.Store { cur = mediatest.NewMemory(); return cur },
		Read: func(t *testing.T, s media.Store, id string) ([]byte, bool) {
			_, b, ok := s.(*mediatest.Memory).Get(id)
			return b, ok
		},
		Calls: func() int { return cur.Calls() },
		InjectError: func(t *testing.T, kind error) bool {
			cur.Fail(kind)
			return true
		},
		Fetch: func(t *testing.T, url string) (int, []byte) { return cur.Fetch(url) },
		DirectUpload: func(t *testing.T, du *media.DirectUpload, file []byte) (int, string) {
			a, err := cur.CompleteDirectUpload(du, file)
			if err != nil {
				return 403, ""
			}
			return 201, a.ID
		},
	})
}
