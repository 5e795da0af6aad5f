package main

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard-go/switchboard/webhooks"
)

// maxDeliveries is how many recent webhook deliveries the deliveries page
// keeps.
const maxDeliveries = 100

// Delivery is one webhook request the app received, as the deliveries page
// shows it: who sent it, how it was answered and what became of each of
// its events. It holds nothing secret: the webhooks.Observer it is built
// from sees no header, signature or body.
type Delivery struct {
	Seq        int64           `json:"seq"`
	At         time.Time       `json:"at"`
	Provider   string          `json:"provider"`
	Outcome    string          `json:"outcome"`          // accepted, rejected, ...
	Reason     string          `json:"reason,omitempty"` // why a delivery was rejected
	StatusCode int             `json:"status_code"`
	DurationMS float64         `json:"duration_ms"`
	Events     []DeliveryEvent `json:"events"`
	// Worker is true for events a queue worker ran after the delivery was
	// acknowledged (QUEUE_URL): they are listed on their own.
	Worker bool `json:"worker,omitempty"`
}

// DeliveryEvent is one event of a verified delivery.
type DeliveryEvent struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Outcome string `json:"outcome"` // processed, duplicate, in_progress, failed, ...
}

// deliveryLog records the most recent deliveries of every webhook handler
// of the app through a webhooks.Observer.
type deliveryLog struct {
	mu   sync.Mutex
	seq  int64
	ring []Delivery // newest last, at most maxDeliveries
}

// pending is a delivery being answered; its events are added as they end.
type pending struct {
	mu sync.Mutex
	d  Delivery
}

type pendingKey struct{}

// observer returns the webhooks.Observer that records deliveries.
func (l *deliveryLog) observer() *webhooks.Observer {
	return &webhooks.Observer{
		DeliveryStart: func(ctx context.Context, d webhooks.DeliveryInfo) context.Context {
			return context.WithValue(ctx, pendingKey{}, &pending{d: Delivery{At: time.Now(), Provider: d.Provider}})
		},
		EventEnd: func(ctx context.Context, e webhooks.EventInfo, r webhooks.EventResult) {
			ev := DeliveryEvent{ID: e.ID, Type: e.Type, Outcome: r.Outcome}
			if p, ok := ctx.Value(pendingKey{}).(*pending); ok {
				p.mu.Lock()
				p.d.Events = append(p.d.Events, ev)
				p.mu.Unlock()
				return
			}
			// A queue worker's event: the delivery was answered earlier.
			l.add(Delivery{At: time.Now(), Provider: e.Provider, Outcome: "worker", Events: []DeliveryEvent{ev}, Worker: true})
		},
		DeliveryEnd: func(ctx context.Context, _ webhooks.DeliveryInfo, r webhooks.DeliveryResult) {
			p, ok := ctx.Value(pendingKey{}).(*pending)
			if !ok {
				return
			}
			p.mu.Lock()
			d := p.d
			d.Events = append([]DeliveryEvent(nil), p.d.Events...)
			p.mu.Unlock()
			d.Outcome, d.Reason, d.StatusCode = r.Outcome, r.Reason, r.StatusCode
			d.DurationMS = float64(r.Duration.Microseconds()) / 1000
			l.add(d)
		},
	}
}

func (l *deliveryLog) add(d Delivery) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	d.Seq = l.seq
	if d.Events == nil {
		d.Events = []DeliveryEvent{}
	}
	if len(l.ring) == maxDeliveries {
		copy(l.ring, l.ring[1:])
		l.ring = l.ring[:maxDeliveries-1]
	}
	l.ring = append(l.ring, d)
}

// recent returns the recorded deliveries, newest first.
func (l *deliveryLog) recent() []Delivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Delivery, len(l.ring))
	for i, d := range l.ring {
		out[len(l.ring)-1-i] = d
	}
	return out
}

// observeWebhooks adds the app's observer to a webhook handler's options:
// the delivery log, and the telemetry when it is on.
func (a *app) observeWebhooks(opts ...webhooks.HandlerOption) []webhooks.HandlerOption {
	return append(opts, webhooks.WithObserver(joinObservers(a.deliveries.observer(), a.tel.webhookObserver())))
}

// joinObservers returns an observer that calls each of obs in turn (nil
// ones are skipped); start callbacks pass the context along the chain.
func joinObservers(obs ...*webhooks.Observer) *webhooks.Observer {
	var list []*webhooks.Observer
	for _, o := range obs {
		if o != nil {
			list = append(list, o)
		}
	}
	if len(list) == 1 {
		return list[0]
	}
	return &webhooks.Observer{
		DeliveryStart: func(ctx context.Context, d webhooks.DeliveryInfo) context.Context {
			for _, o := range list {
				if o.DeliveryStart != nil {
					ctx = o.DeliveryStart(ctx, d)
				}
			}
			return ctx
		},
		DeliveryEnd: func(ctx context.Context, d webhooks.DeliveryInfo, r webhooks.DeliveryResult) {
			for _, o := range list {
				if o.DeliveryEnd != nil {
					o.DeliveryEnd(ctx, d, r)
				}
			}
		},
		EventStart: func(ctx context.Context, e webhooks.EventInfo) context.Context {
			for _, o := range list {
				if o.EventStart != nil {
					ctx = o.EventStart(ctx, e)
				}
			}
			return ctx
		},
		EventEnd: func(ctx context.Context, e webhooks.EventInfo, r webhooks.EventResult) {
			for _, o := range list {
				if o.EventEnd != nil {
					o.EventEnd(ctx, e, r)
				}
			}
		},
	}
}

// deliveriesJSON answers the recent deliveries, newest first.
func (a *app) deliveriesJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, a.deliveries.recent())
}
