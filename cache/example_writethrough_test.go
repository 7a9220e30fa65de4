package cache_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/memorycache"
)

// Write-through: the database takes the write first; the cache never
// holds a value the database refused.
func ExampleWriteThrough() {
	ctx := context.Background()
	db := map[string]string{}
	errReadOnly := errors.New("database is read-only")
	readOnly := false

	settings, err := memorycache.New(memorycache.Options[string, string]{})
	if err != nil {
		log.Fatal(err)
	}
	defer settings.Close()
	w, err := cache.NewWriteThrough(settings, cache.WriteThroughOptions[string]{
		Store: func(ctx context.Context, key, value string) error {
			if readOnly {
				return errReadOnly
			}
			db[key] = value
			return nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println(w.Set(ctx, "theme", "dark"))
	v, ok, _ := settings.Get(ctx, "theme")
	fmt.Println(v, ok)

	readOnly = true
	fmt.Println(w.Set(ctx, "theme", "light"))
	_, ok, _ = settings.Get(ctx, "theme")
	fmt.Println("cached:", ok, "db:", db["theme"])
	// Output:
	// <nil>
	// dark true
	// database is read-only
	// cached: false db: dark
}
