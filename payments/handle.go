package payments

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-go/switchboard/webhooks"
)

// Handle registers fn on h for every provider event type parser
// normalizes, so that one function receives normalized Events from a
// verified webhook endpoint:
//
//	h, err := webhooks.NewHandler(stripeVerifier)
//	if err != nil {
//		return err
//	}
//	payments.Handle(h, stripepay.EventParser{}, func(ctx context.Context, e *payments.Event) error {
//		switch e.Type {
//		case payments.EventPaymentSucceeded:
//			return fulfil(ctx, e.Reference)
//		}
//		return nil
//	})
//
// The types come from parser's WebhookEventTypes (every provider's parser
// implements WebhookEventTyper); a parser without it is registered as h's
// Fallback instead. An event the parser reports as ErrUnhandledEvent (for
// example a Stripe refund.updated that is not a failure) is acknowledged
// without calling fn. Any other parse error, and any error from fn, is
// returned to the handler, which answers 500 so that the provider
// delivers the event again.
func Handle(h *webhooks.Handler, parser EventParser, fn func(ctx context.Context, e *Event) error) {
	if h == nil || parser == nil || fn == nil {
		panic("payments: Handle needs a handler, a parser and a function")
	}
	hf := func(ctx context.Context, we *webhooks.Event) error {
		e, err := parser.ParseEvent(we)
		if errors.Is(err, ErrUnhandledEvent) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("payments: normalizing %s event: %w", we.Type, err)
		}
		return fn(ctx, e)
	}
	typer, ok := parser.(WebhookEventTyper)
	if !ok {
		h.Fallback(hf)
		return
	}
	for _, t := range typer.WebhookEventTypes() {
		h.On(t, hf)
	}
}
