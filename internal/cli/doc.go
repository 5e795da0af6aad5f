// Package cli implements the switchboard command line: signing, sending
// and verifying webhook deliveries for every provider of the webhooks
// package, and printing the version. The switchboard program is a thin
// wrapper around Run, which tests call in-process with their own standard
// streams.
//
// Commands:
//
//	switchboard webhooks send --provider P --secret S [--type T] [--data @file.json] [--repeat N] [--concurrency C] URL
//	switchboard webhooks sign --provider P --secret S [--url U] [--timestamp T] < body
//	switchboard webhooks verify --provider P --secret S [--url U] [--now UNIX] [--header 'Name: value' ...] < body
//	switchboard webhooks keygen --provider sendgrid
//	switchboard version
//
// Every command has --help. Run returns ExitOK, ExitFailure (a delivery
// that does not verify, failed sends), ExitUsage (a wrong command line) or
// ExitInterrupted.
package cli
