package sms_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/sms"
)

func TestStatusRank(t *testing.T) {
	require.Equal(t, []sms.Status{"queued", "sent", "delivered", "undelivered", "failed", "received"}, sms.Statuses())
	for _, s := range sms.Statuses() {
		require.True(t, s.Valid(), s)
	}
	require.False(t, sms.Status("sending").Valid())
	require.Less(t, sms.StatusQueued.Rank(), sms.StatusSent.Rank())
	require.Less(t, sms.StatusSent.Rank(), sms.StatusDelivered.Rank())
	require.True(t, sms.StatusUndelivered.Final())
	require.False(t, sms.StatusSent.Final())
}

// Regression: reports arrive out of order; the status of higher rank is
// kept whatever the order of arrival.
func TestAdvanceIgnoresLateReports(t *testing.T) {
	cases := []struct {
		current, next, want sms.Status
	}{
		{"", sms.StatusQueued, sms.StatusQueued},
		{sms.StatusQueued, sms.StatusSent, sms.StatusSent},
		{sms.StatusSent, sms.StatusDelivered, sms.StatusDelivered},
		{sms.StatusDelivered, sms.StatusSent, sms.StatusDelivered},
		{sms.StatusDelivered, sms.StatusQueued, sms.StatusDelivered},
		{sms.StatusUndelivered, sms.StatusDelivered, sms.StatusUndelivered},
		{sms.StatusDelivered, sms.StatusFailed, sms.StatusDelivered},
		{sms.StatusSent, sms.Status("bogus"), sms.StatusSent},
		{sms.Status("bogus"), sms.StatusQueued, sms.StatusQueued},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, sms.Advance(tc.current, tc.next), "%s then %s", tc.current, tc.next)
	}
	// Every order of the same reports ends on the same status.
	perms := [][]sms.Status{
		{sms.StatusQueued, sms.StatusSent, sms.StatusDelivered},
		{sms.StatusDelivered, sms.StatusSent, sms.StatusQueued},
		{sms.StatusSent, sms.StatusDelivered, sms.StatusQueued},
	}
	for _, p := range perms {
		var s sms.Status
		for _, n := range p {
			s = sms.Advance(s, n)
		}
		require.Equal(t, sms.StatusDelivered, s, "order %v", p)
	}
}
