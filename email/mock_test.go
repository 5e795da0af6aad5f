package email_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/mock/gomock"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/emailmock"
)

// notify is application code under test.
func notify(ctx context.Context, s email.Sender, to string) (string, error) {
	r, err := s.Send(ctx, &email.Message{From: "a@example.com", To: []string{to}, Subject: "Hi", Text: "Hello"})
	if err != nil {
		return "", err
	}
	return r.MessageID, nil
}

func TestMockSender(t *testing.T) {
	ctrl := gomock.NewController(t)
	m := emailmock.NewMockSender(ctrl)
	m.EXPECT().
		Send(gomock.Any(), gomock.Cond(func(msg *email.Message) bool { return msg.To[0] == "b@example.com" })).
		Return(&email.Receipt{Provider: "mock", MessageID: "id-1"}, nil)
	m.EXPECT().Send(gomock.Any(), gomock.Any()).
		Return(nil, &email.SendError{Kind: email.ErrTemporary, Provider: "mock"})

	id, err := notify(context.Background(), m, "b@example.com")
	require.NoError(t, err)
	require.Equal(t, "id-1", id)
	_, err = notify(context.Background(), m, "c@example.com")
	require.ErrorIs(t, err, email.ErrTemporary)
}
