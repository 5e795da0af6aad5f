// Package smsmock holds a go.uber.org/mock mock of sms.Sender, generated
// by mockgen from the go:generate line in package sms, for tests of code
// written against the Sender interface.
package smsmock
