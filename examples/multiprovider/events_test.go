package main

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func rec(i int) eventRecord {
	return eventRecord{Provider: "p", ID: fmt.Sprint(i), Type: "t", Time: time.Unix(int64(i), 0).UTC()}
}

func ids(rs []eventRecord) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func TestEventLog(t *testing.T) {
	tests := []struct {
		name string
		size int
		add  int
		want []string
	}{
		{"empty", 3, 0, []string{}},
		{"partly filled", 3, 2, []string{"1", "0"}},
		{"exactly full", 3, 3, []string{"2", "1", "0"}},
		{"wrapped", 3, 7, []string{"6", "5", "4"}},
		{"size below one holds one", 0, 4, []string{"3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newEventLog(tt.size)
			for i := range tt.add {
				l.add(rec(i))
			}
			require.Equal(t, tt.want, ids(l.recent()))
		})
	}
}

func TestEventLogRecentIsACopy(t *testing.T) {
	l := newEventLog(2)
	l.add(rec(1))
	got := l.recent()
	got[0].ID = "changed"
	require.Equal(t, "1", l.recent()[0].ID)
}

func TestEventLogConcurrent(t *testing.T) {
	l := newEventLog(recentCapacity)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				l.add(rec(w*1000 + i))
				_ = l.recent()
			}
		})
	}
	wg.Wait()
	got := l.recent()
	require.Len(t, got, recentCapacity)
	seen := map[string]bool{}
	for _, r := range got {
		require.False(t, seen[r.ID], "duplicate %s", r.ID)
		seen[r.ID] = true
	}
}
