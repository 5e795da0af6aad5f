package mediatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"sort"

	"github.com/switchboard-go/switchboard/media"
)

// SendDirectUpload plays the browser's part of a direct upload: a
// multipart POST with du.Fields (in name order) followed by the file in
// du.FileField, or a PUT of the file with du.Header. It returns the
// response with its body read, and the body decoded as a JSON object
// when it is one.
func SendDirectUpload(ctx context.Context, c *http.Client, du *media.DirectUpload, filename string, file []byte) (*http.Response, map[string]any, error) {
	if c == nil {
		c = http.DefaultClient
	}
	var req *http.Request
	var err error
	switch du.Method {
	case http.MethodPost:
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		keys := make([]string, 0, len(du.Fields))
		for k := range du.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := mw.WriteField(k, du.Fields[k]); err != nil {
				return nil, nil, err
			}
		}
		fw, err := mw.CreateFormFile(du.FileField, filename)
		if err != nil {
			return nil, nil, err
		}
		if _, err := fw.Write(file); err != nil {
			return nil, nil, err
		}
		if err := mw.Close(); err != nil {
			return nil, nil, err
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, du.URL, &body)
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("Content-Type", mw.FormDataContentType())
	case http.MethodPut:
		req, err = http.NewRequestWithContext(ctx, http.MethodPut, du.URL, bytes.NewReader(file))
		if err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, fmt.Errorf("mediatest: direct upload method %q", du.Method)
	}
	for k, v := range du.Header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	var obj map[string]any
	_ = json.Unmarshal(raw, &obj)
	return resp, obj, nil
}
