package apikey_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/keel-go/keel/auth/apikey"
)

// Example issues a key, authenticates a request with it, and revokes it.
func Example() {
	keys, err := apikey.New(apikey.NewMemoryStore(), apikey.Options{})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	// Shown to the user once; only its hash is stored.
	plain, key, err := keys.Create(ctx, "alice", []string{"orders:read"}, time.Time{})
	if err != nil {
		panic(err)
	}
	fmt.Println("issued:", len(plain), "characters, starting", plain[:5])

	r := httptest.NewRequest(http.MethodGet, "/orders", nil)
	r.Header.Set("Authorization", "Bearer "+plain)
	p, err := keys.Authenticate(r)
	fmt.Println("caller:", p.Subject, p.Kind, p.Scopes, err)

	if err := keys.Revoke(ctx, "alice", key.ID); err != nil {
		panic(err)
	}
	_, err = keys.Authenticate(r)
	fmt.Println("after revocation:", err != nil)
	// Output:
	// issued: 63 characters, starting keel_
	// caller: alice api_key [orders:read] <nil>
	// after revocation: true
}

// ExampleParse recognises a key's shape and checksum without a store,
// as a secret scanner would.
func ExampleParse() {
	keys, _ := apikey.New(apikey.NewMemoryStore(), apikey.Options{Prefix: "acme"})
	plain, key, _ := keys.Create(context.Background(), "ci", nil, time.Time{})

	prefix, id, err := apikey.Parse(plain)
	fmt.Println(prefix, id == key.ID, err)

	typo := plain[:20] + "!" + plain[21:]
	_, _, err = apikey.Parse(typo)
	fmt.Println(err)
	// Output:
	// acme true <nil>
	// apikey: malformed key
}
