package bench

// Peers used by benchmarks being written; removed once each has a real use.
import (
	_ "github.com/dgraph-io/ristretto/v2"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/hashicorp/golang-lru/v2"
	_ "github.com/maypok86/otter/v2"
	_ "github.com/redis/go-redis/v9"
)
