// Package africastalkingsms is an sms.Sender for Africa's Talking's
// messaging API, which serves Kenya, Nigeria, Ghana, Uganda, Rwanda and
// other African markets.
//
// A send is one form POST to /version1/messaging on the live host
// (DefaultBaseURL) or the sandbox (WithSandbox, username "sandbox",
// messages reach only the simulator), with the apiKey header: username,
// to, message, from (a registered sender ID or short code; Africa's
// Talking's shared sender otherwise) and bulkSMSMode=1. Africa's Talking
// answers 201 with a result per recipient, and "201" does not mean sent:
// the entry for the number is checked, and its statusCode decides.
//
//	100 Processed, 102 Queued         Receipt with status queued
//	101 Sent                          Receipt with status sent
//	401 RiskHold                      sms.ErrRejected
//	402 InvalidSenderId               sms.ErrSenderRejected (also a 201 with no recipient and that summary)
//	403 InvalidPhoneNumber            sms.ErrInvalidNumber
//	404 UnsupportedNumberType         sms.ErrUnreachable
//	405 InsufficientBalance           sms.ErrInsufficientFunds
//	406 UserInBlacklist               sms.ErrUnsubscribed
//	407 CouldNotRoute                 sms.ErrUnreachable
//	409 DoNotDisturbRejection         sms.ErrUnsubscribed
//	500 InternalServerError,
//	501 GatewayError                  sms.ErrTemporary (nothing was sent)
//	502 RejectedByGateway             sms.ErrRejected
//
// A 401 answer is sms.ErrAuthentication; 429 and 503 are sms.ErrTemporary
// with nothing sent; 500, 502, 504, a lost answer and a 201 that cannot be
// read are sms.ErrUnknownOutcome. The request is never retried here; a
// Message with an IdempotencyKey goes through the at-most-once rule of
// package sms (WithStore). Media, Messaging Services and per-message status
// callbacks do not exist in this API and are refused before any call.
//
// # Delivery reports
//
// Delivery reports go to the URL set in the dashboard (SMS, SMS Callback
// URLs, Delivery Reports), unsigned. Put a long random token in that URL
// and verify it with webhooks.NewAfricasTalking, whose documentation says
// what risk remains; then register a function with sms.Handle and
// ReportParser. Not every carrier returns reports.
package africastalkingsms
