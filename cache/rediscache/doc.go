// Package rediscache is a [cache.Cache] stored in Redis, shared by every
// instance of a service. The caller owns the go-redis client (address,
// pool, TLS, cluster or failover); the cache owns the keys and the codec.
//
//	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	defer client.Close()
//
//	users, err := rediscache.New(client, rediscache.Options[User]{
//		Prefix: "myapp:users:", // entries live under myapp:users:<key>
//	})
//	if err != nil {
//		return err
//	}
//	defer users.Close() // does not close client
//
//	err = users.Set(ctx, "42", User{Name: "Ada"}, 10*time.Minute)
//	u, ok, err := users.Get(ctx, "42") // ok is false on a miss; err is a failure
//
// # Keys and namespaces
//
// The entry for key is the Redis string Options.Prefix+key, so two caches
// with different prefixes never see each other's entries, and
// "SCAN MATCH prefix*" lists one cache's keys. The default prefix is
// [DefaultPrefix]; give each cache its own. Keys are binary-safe; the empty
// key and keys longer than Options.MaxKeyLen fail with
// [cache.ErrInvalidKey].
//
// # Values
//
// Values go through Options.Codec, [cache.JSON] by default. Use
// [cache.Raw] for []byte values and [cache.String] for strings: they are
// stored as they are and read back without a copy beyond the one go-redis
// makes. A value that does not decode is an error, not a miss: a
// [*cache.DecodeError], found with errors.As.
//
// # Expiry
//
// TTLs are Redis's own (SET with PX or EX), so an entry expires at the
// same moment for every instance, and Redis reclaims it. A ttl of 0 means
// no expiry and a negative ttl deletes the key. Redis counts in
// milliseconds: a ttl that is not a whole number of milliseconds is rounded
// up. [Cache.GetWithTTL] returns an entry with the time it has left, for
// caches layered on top of this one.
//
// # Errors
//
// A missing key is (zero, false, nil); every error from Redis (network,
// timeout, a cluster that is down) is returned wrapped, so errors.Is
// still finds the go-redis or net error. After [Cache.Close] every call
// returns [cache.ErrClosed].
//
// # Batches and Redis Cluster
//
// [Cache.GetMany], [Cache.SetMany] and [Cache.DeleteMany] pipeline one
// command per key: one round trip on a single server. They avoid MGET and
// multi-key DEL, which fail on Redis Cluster when keys hash to different
// slots; go-redis splits the pipeline by node, so on a cluster a batch
// costs one round trip per node, sent in parallel.
package rediscache
