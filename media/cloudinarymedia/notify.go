package cloudinarymedia

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/webhooks"
)

// Cloudinary notification types the Store normalizes.
const (
	// NotificationUpload reports a finished upload.
	NotificationUpload = "upload"
	// NotificationDelete reports deleted assets.
	NotificationDelete = "delete"
)

// NotificationTypes returns the notification types ParseNotification
// normalizes, for media.HandleNotifications.
func (s *Store) NotificationTypes() []string {
	return []string{NotificationUpload, NotificationDelete}
}

type notification struct {
	NotificationType string `json:"notification_type"`
	uploadResult
	Resources []struct {
		ResourceType string `json:"resource_type"`
		Type         string `json:"type"`
		PublicID     string `json:"public_id"`
	} `json:"resources"`
}

// ParseNotification normalizes a verified Cloudinary notification: an
// "upload" notification becomes media.EventUploaded with the asset (its
// ID in the Store's form), a "delete" notification media.EventDeleted
// with the deleted assets' IDs, which carry no format (Cloudinary does
// not send it). Other types return media.ErrUnhandledEvent. Only call it
// with events a webhooks.CloudinaryVerifier has verified.
func (s *Store) ParseNotification(e *webhooks.Event) (*media.Event, error) {
	if e == nil {
		return nil, fmt.Errorf("%w: nil event", media.ErrInvalidParams)
	}
	var n notification
	if err := json.Unmarshal(e.Data, &n); err != nil {
		return nil, fmt.Errorf("%w: %v", webhooks.ErrMalformedBody, err)
	}
	switch n.NotificationType {
	case NotificationUpload:
		a := assetID{resourceType: n.ResourceType, deliveryType: n.Type, publicID: n.PublicID}
		if a.deliveryType == "" {
			a.deliveryType = "upload"
		}
		if a.resourceType != "raw" {
			a.format = n.Format
		}
		if _, err := parseID(a.String()); err != nil {
			return nil, fmt.Errorf("cloudinarymedia: upload notification: %w", err)
		}
		asset := &media.Asset{
			ID: a.String(), Provider: Name, Bytes: n.Bytes, Width: n.Width, Height: n.Height,
			Version: strconv.FormatInt(n.Version, 10), Private: a.deliveryType == "private",
			ContentType: media.TypeForExtension("." + n.Format),
		}
		if n.Format == "jpeg" {
			asset.ContentType = "image/jpeg"
		}
		if t, err := time.Parse(time.RFC3339, n.CreatedAt); err == nil {
			asset.CreatedAt = t
		}
		if !asset.Private {
			asset.URL = s.deliveryURL(a, "", n.Version)
		}
		return &media.Event{Type: media.EventUploaded, Provider: Name, Asset: asset, Webhook: e}, nil
	case NotificationDelete:
		ev := &media.Event{Type: media.EventDeleted, Provider: Name, Webhook: e}
		for _, r := range n.Resources {
			a := assetID{resourceType: r.ResourceType, deliveryType: r.Type, publicID: r.PublicID}
			if _, err := parseID(a.String()); err != nil {
				return nil, fmt.Errorf("cloudinarymedia: delete notification: %w", err)
			}
			ev.IDs = append(ev.IDs, a.String())
		}
		return ev, nil
	}
	return nil, fmt.Errorf("%w: %s", media.ErrUnhandledEvent, n.NotificationType)
}
