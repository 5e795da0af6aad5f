package reliability_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
)

// Example shows the property the duplicate storm checks, on the store
// alone: of ten concurrent claims of one event, exactly one acquires it.
func Example() {
	store, err := memstore.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		acquired int
	)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := store.Claim(context.Background(), "stripe:evt_1", "fp", time.Minute)
			if err == nil && c.State == idempotency.Acquired {
				mu.Lock()
				acquired++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Println("acquired:", acquired)
	// Output: acquired: 1
}
