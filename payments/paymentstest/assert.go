package paymentstest

import (
	"fmt"
	"reflect"
	"testing"
)

// The suite uses these small assertions rather than a test library, so
// that importing paymentstest adds no dependency to a provider's tests.

func msg(args []any) string {
	if len(args) == 0 {
		return ""
	}
	if f, ok := args[0].(string); ok {
		return ": " + fmt.Sprintf(f, args[1:]...)
	}
	return ": " + fmt.Sprint(args...)
}

func noError(t *testing.T, err error, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v%s", err, msg(args))
	}
}

func equal(t *testing.T, want, got any, args ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("want %#v, got %#v%s", want, got, msg(args))
	}
}

func notEqual(t *testing.T, a, b any, args ...any) {
	t.Helper()
	if reflect.DeepEqual(a, b) {
		t.Fatalf("both are %#v%s", a, msg(args))
	}
}

func isTrue(t *testing.T, cond bool, args ...any) {
	t.Helper()
	if !cond {
		t.Fatalf("condition failed%s", msg(args))
	}
}

func notEmpty(t *testing.T, s string, args ...any) {
	t.Helper()
	if s == "" {
		t.Fatalf("empty string%s", msg(args))
	}
}
