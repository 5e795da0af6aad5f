package otelobserve

import (
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// measureOpts are the options of a measurement with one attribute set,
// built once per distinct set.
type measureOpts struct {
	add []metric.AddOption
	rec []metric.RecordOption
}

func newMeasureOpts(kvs ...attribute.KeyValue) *measureOpts {
	o := metric.WithAttributeSet(attribute.NewSet(kvs...))
	return &measureOpts{add: []metric.AddOption{o}, rec: []metric.RecordOption{o}}
}

// maxCached bounds each cache: past it, options are built for each
// measurement instead of kept. Every key is made of low-cardinality words,
// so the bound is only a guard.
const maxCached = 4096

// optsCache keeps the measurement options of each attribute combination,
// so that recording a measurement allocates nothing once a combination
// was seen.
type optsCache[K comparable] struct {
	m sync.Map // K -> *measureOpts
	n atomic.Int64
}

func (c *optsCache[K]) get(k K, build func() *measureOpts) *measureOpts {
	if v, ok := c.m.Load(k); ok {
		return v.(*measureOpts)
	}
	o := build()
	if c.n.Load() >= maxCached {
		return o
	}
	if v, loaded := c.m.LoadOrStore(k, o); loaded {
		return v.(*measureOpts)
	}
	c.n.Add(1)
	return o
}

// nameCache keeps span names built from a few words.
type nameCache[K comparable] struct {
	m sync.Map // K -> string
	n atomic.Int64
}

func (c *nameCache[K]) get(k K, build func() string) string {
	if v, ok := c.m.Load(k); ok {
		return v.(string)
	}
	s := build()
	if c.n.Load() < maxCached {
		if _, loaded := c.m.LoadOrStore(k, s); !loaded {
			c.n.Add(1)
		}
	}
	return s
}
