package redisstore_test

import (
	"log"
	"net/http"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/auth/jwtauth/redisstore"
)

// Example wires one Redis store into the issuer (refresh rotation, reuse
// detection) and the verifier (revocation checks), so that every instance
// of the service sees the same state. It needs a Redis server, so it is
// compiled but not run; the package's tests run the same calls against
// KEEL_REDIS_URL.
func Example() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()
	store := redisstore.New(client, redisstore.Options{Prefix: "myapp:jwt:"})

	key, err := jwtauth.GenerateKey(jwtauth.EdDSA, "2030-01")
	if err != nil {
		log.Fatal(err)
	}
	keys, _ := jwtauth.NewKeySet(key)
	issuer, err := jwtauth.NewIssuer(jwtauth.IssuerOptions{
		Keys: keys, Issuer: "https://auth.example", Audience: []string{"https://api.example"}, Store: store,
	})
	if err != nil {
		log.Fatal(err)
	}
	verifier, err := jwtauth.NewVerifier(jwtauth.Options{
		Keys: keys, Issuer: "https://auth.example", Audience: []string{"https://api.example"},
		Revocations: store, // one EXISTS round trip per request
	})
	if err != nil {
		log.Fatal(err)
	}
	mw := auth.MustMiddleware(auth.Options{Authenticators: []auth.Authenticator{verifier}})
	http.Handle("/api/", mw(http.NotFoundHandler()))
	_ = issuer // issues pairs at login, rotates them at /token
}
