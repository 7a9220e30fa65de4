package redistest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/keel-go/keel/internal/redistest"
)

func TestPrefixIsDeletedWhenTheTestEnds(t *testing.T) {
	client := redistest.Client(t)
	var prefix string
	t.Run("writer", func(t *testing.T) {
		prefix = redistest.Prefix(t, client, "redistest")
		if !strings.HasPrefix(prefix, "keeltest:redistest:") || !strings.HasSuffix(prefix, ":") {
			t.Fatalf("Prefix = %q, want keeltest:redistest:<random>:", prefix)
		}
		for _, k := range []string{"a", "b", "c"} {
			if err := client.Set(context.Background(), prefix+k, "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	keys, err := client.Keys(context.Background(), prefix+"*").Result()
	if err != nil || len(keys) != 0 {
		t.Errorf("keys under %q after the subtest = %v, %v; want none", prefix, keys, err)
	}
	if other := redistest.Prefix(t, client, "redistest"); other == prefix {
		t.Errorf("two prefixes are both %q", prefix)
	}
}
