package media

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-go/switchboard/webhooks"
)

// Normalized notification types.
const (
	// EventUploaded reports a stored asset, whether the server or a
	// browser uploaded it. Event.Asset describes it.
	EventUploaded = "media.uploaded"
	// EventDeleted reports deleted assets. Event.IDs lists them.
	EventDeleted = "media.deleted"
)

// ErrUnhandledEvent is returned by a NotificationParser for a verified
// notification it does not normalize; HandleNotifications acknowledges it
// without calling the function.
var ErrUnhandledEvent = errors.New("media: unhandled notification")

// Event is a provider's notification about assets, normalized.
type Event struct {
	// Type is EventUploaded or EventDeleted.
	Type string
	// Provider is the backend's Name.
	Provider string
	// Asset is the uploaded asset (EventUploaded). Its ID is the one the
	// backend's Store accepts.
	Asset *Asset
	// IDs are the deleted assets' IDs (EventDeleted).
	IDs []string
	// Webhook is the verified webhook event it came from.
	Webhook *webhooks.Event
}

// NotificationParser turns a provider's verified notifications into
// Events. cloudinarymedia.Store implements it.
type NotificationParser interface {
	// NotificationTypes lists the provider's notification types the
	// parser normalizes.
	NotificationTypes() []string
	// ParseNotification normalizes one verified event; it returns
	// ErrUnhandledEvent for one it does not normalize.
	ParseNotification(e *webhooks.Event) (*Event, error)
}

// HandleNotifications registers fn on h for every notification type p
// normalizes, so that fn receives normalized Events from a verified
// endpoint:
//
//	v, _ := webhooks.NewCloudinary(apiSecret)
//	h := webhooks.NewHandler(v)
//	media.HandleNotifications(h, store, func(ctx context.Context, e *media.Event) error {
//		if e.Type == media.EventUploaded {
//			return attach(ctx, e.Asset)
//		}
//		return nil
//	})
//
// A parse error other than ErrUnhandledEvent, and any error from fn, is
// returned to the handler, which answers 500 so that the provider
// delivers the notification again. It panics when an argument is nil.
func HandleNotifications(h *webhooks.Handler, p NotificationParser, fn func(ctx context.Context, e *Event) error) {
	if h == nil || p == nil || fn == nil {
		panic("media: HandleNotifications needs a handler, a parser and a function")
	}
	hf := func(ctx context.Context, we *webhooks.Event) error {
		e, err := p.ParseNotification(we)
		if errors.Is(err, ErrUnhandledEvent) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("media: normalizing %s notification: %w", we.Type, err)
		}
		return fn(ctx, e)
	}
	for _, t := range p.NotificationTypes() {
		h.On(t, hf)
	}
}
