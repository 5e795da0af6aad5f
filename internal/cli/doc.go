// Package cli implements the switchboard command line: signing, sending
// and verifying webhook deliveries for every provider of the webhooks
// package, and printing the version. The switchboard program is a thin
// wrapper around Run, which tests call in-process with their own standard
// streams.
//
// Commands:
//
//	switchboard webhooks send --provider P --secret S [--type T] [--data @file.json] [--repeat N] [--concurrency C] [--max-connection-errors N] [--json] URL
//	switchboard webhooks sign --provider P --secret S [--url U] [--timestamp T] [--json] < body
//	switchboard webhooks verify --provider P --secret S [--url U] [--now UNIX] [--header 'Name: value' ...] [--json] < body
//	switchboard webhooks keygen --provider sendgrid
//	switchboard version
//
// Every command has --help. Run returns ExitOK, ExitFailure (a delivery
// that does not verify, whether not genuine or genuine but no event; failed
// sends; a send stopped by --max-connection-errors), ExitUsage (a wrong
// command line, such as a missing URL argument) or ExitInterrupted.
package cli
