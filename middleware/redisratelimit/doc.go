// Package redisratelimit is a [middleware.RateLimitStore] in Redis, for
// rate limits that every instance of a service counts together: a client
// gets its quota once, not once per instance.
//
//	client := redis.NewClient(&redis.Options{Addr: "localhost:6379"}) // yours: pool, TLS, timeouts
//	store, err := redisratelimit.New(client, redisratelimit.Options{})
//	if err != nil {
//		return err
//	}
//	r := router.New()
//	r.Use(middleware.RateLimit(middleware.RateLimitOptions{
//		Quota: middleware.Quota{Rate: 100, Window: time.Minute},
//		Store: store,
//	}))
//
// It lives in a package of its own so that importing middleware does not
// pull a Redis client into a binary that keeps its buckets in memory.
//
// # Algorithm
//
// Each call to [Store.Allow] runs one Lua script on the server (sent once,
// then called by its SHA-1 with EVALSHA; go-redis sends it again if the
// server lost it), so that concurrent calls for one key, from any number
// of instances, are applied one after another. The script is GCRA, the
// generic cell rate algorithm, exactly as [middleware.RateLimitStore]
// gives it: with T = Window/Rate and the stored theoretical arrival time
// TAT, a request is allowed when TAT − now ≤ (Burst − 1)·T, and then TAT
// becomes max(TAT, now) + T. The decision's Remaining, Reset and
// RetryAfter are those of [middleware.MemoryRateLimitStore] (to within a
// few microseconds), so switching stores changes no header.
//
// The clock is the Redis server's (TIME, read inside the script): the
// instances' own clocks never enter the computation, so clock drift
// between them cannot make a bucket refill faster.
// Options.CallerClock uses the time passed to Allow instead, for tests.
// Times are counted in microseconds.
//
// When the quota for a key changes between calls (a deployment with a new
// limit), the tokens the bucket holds carry over to the new quota, capped
// at its burst, and refill at its rate from then on, as in the memory
// store. A refused request writes nothing (except to record such a
// change), so it consumes nothing.
//
// # Keys
//
// The bucket of key is the Redis hash Prefix+key ([Store.Key]): the
// middleware's keys are the policy name and the client's key, such as
// "keel:ratelimit:default:ip:192.0.2.1". It expires when the bucket is
// full again — after the time the bucket takes to refill — since a full
// bucket is what a missing key means, so idle clients cost no memory. Each
// call touches that one key, so the store works unchanged with Redis
// Cluster: a key's slot comes from the whole key, and no hash tag ({...})
// is needed. Put one in the prefix only to pin all buckets to one node.
//
// The script needs Redis 5 or later (for TIME followed by writes in a
// script) or a compatible server such as Valkey.
package redisratelimit
