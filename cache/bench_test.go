package cache_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/keel-go/keel/cache"
)

// The overhead of the strategies over a trivial map backend.

func BenchmarkLoaderGetHit(b *testing.B) {
	backend := newMapcache[cache.Entry[string]](nil)
	l, err := cache.NewLoader(backend, func(context.Context, string) (string, bool, error) {
		return "v", true, nil
	}, cache.LoaderOptions{TTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	if _, _, err := l.Get(ctx, "k"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := l.Get(ctx, "k"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkLoaderGetMiss(b *testing.B) {
	backend := newMapcache[cache.Entry[string]](nil)
	l, err := cache.NewLoader(backend, func(context.Context, string) (string, bool, error) {
		return "v", true, nil
	}, cache.LoaderOptions{TTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	keys := make([]string, b.N)
	for i := range keys {
		keys[i] = strconv.Itoa(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, _, err := l.Get(ctx, keys[i]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTypedGetJSON(b *testing.B) {
	raw := newMapcache[[]byte](nil)
	c := cache.Typed[user](raw, nil)
	ctx := context.Background()
	if err := c.Set(ctx, "u", user{ID: 1, Name: "Ada"}, 0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Get(ctx, "u"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEntryCodecRoundTrip(b *testing.B) {
	codec := cache.EntryCodec[string]{Value: cache.String{}}
	e := cache.Entry[string]{Value: "value", Found: true, FreshUntil: time.Now()}
	b.ReportAllocs()
	for b.Loop() {
		data, err := codec.Marshal(e)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := codec.Unmarshal(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteBackSet(b *testing.B) {
	w, err := cache.NewWriteBack(newMapcache[string](nil), cache.WriteBackOptions[string]{
		Store:    func(context.Context, map[string]string) error { return nil },
		MaxBatch: 1000,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	ctx := context.Background()
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = strconv.Itoa(i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := w.Set(ctx, keys[i%len(keys)], "v"); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
