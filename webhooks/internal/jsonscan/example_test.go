package jsonscan_test

import (
	"errors"
	"fmt"

	"github.com/switchboard-go/switchboard/webhooks/internal/jsonscan"
)

// Read an event's id, type and nested data.id in one validating pass.
func Example() {
	fields := jsonscan.NewFields("id", "type", "data.id")
	vals := make([][]byte, 3)
	err := fields.Read([]byte(`{"id":"evt_1","data":{"id":42},"type":"invoice.paid"}`), vals)
	id, _ := jsonscan.String(vals[0])
	typ, _ := jsonscan.String(vals[1])
	dataID, _ := jsonscan.Scalar(vals[2])
	fmt.Println(err, id, typ, dataID)

	err = fields.Read([]byte(`{"id":"evt_1","id":"evt_2"}`), vals)
	fmt.Println(errors.Is(err, jsonscan.ErrDuplicate))
	err = fields.Read([]byte(`{"id":"evt_1",}`), vals)
	fmt.Println(errors.Is(err, jsonscan.ErrSyntax))
	// Output:
	// <nil> evt_1 invoice.paid 42
	// true
	// true
}
