package postmarkmail

import (
	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/sendertest"
)

const testKey = "server-token-must-never-leak"

// fullMessage uses every field of email.Message.
func fullMessage() *email.Message { return sendertest.FullMessage() }
