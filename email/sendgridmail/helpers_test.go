package sendgridmail

import (
	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/sendertest"
)

const testKey = "SG.test-key-must-never-leak"

// fullMessage uses every field of email.Message.
func fullMessage() *email.Message { return sendertest.FullMessage() }
