package logsms_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/logsms"
)

func ExampleNew() {
	// A logger without times and message ids, so that the output is
	// stable.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "message_id" || a.Key == "duration" {
				return slog.Attr{}
			}
			return a
		},
	}))
	sender, err := logsms.New(logger, logsms.WithFrom("MYSHOP"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sender.Close()
	r, _ := sender.Send(context.Background(), &sms.Message{To: "+233241234567", Body: "Order 7 is paid"})
	fmt.Println(r.Provider, r.Status)
	// Output:
	// level=INFO msg="sms message (written to the log, not sent)" provider=log to=+233241234567 from=MYSHOP body="Order 7 is paid" segments=1 encoding=GSM-7
	// level=INFO msg="sms sent" provider=log status=sent segments=1 replayed=false idempotency_key=""
	// log sent
}
