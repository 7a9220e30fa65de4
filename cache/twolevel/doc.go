// Package twolevel puts a near cache in process memory in front of a far
// cache shared by every instance of a service, and keeps the near caches
// of all instances coherent through Redis pub/sub.
//
//	far, err := rediscache.New(client, rediscache.Options[User]{Prefix: "myapp:users:"})
//	if err != nil {
//		return err
//	}
//	near, err := memorycache.New(memorycache.Options[string, User]{MaxEntries: 10_000})
//	if err != nil {
//		return err
//	}
//	users, err := twolevel.New(near, far, client, twolevel.Options{})
//	if err != nil {
//		return err
//	}
//	defer users.Close() // stops the subscriber; then close near and far
//
//	u, ok, err := users.Get(ctx, "42") // memory hit, or Redis then memory
//	err = users.Set(ctx, "42", u, time.Hour) // Redis, memory, then PUBLISH
//
// # Reads and writes
//
// Get answers from the near cache when it can. On a near miss it reads the
// far cache and copies the entry into the near cache for the time the
// entry has left to live (when the far cache implements [TTLGetter], as
// rediscache does), capped at Options.MaxNearTTL. Set and Delete write the
// far cache, then the near cache, then publish the key on Options.Channel;
// every other instance drops the key from its near cache when the message
// arrives. An instance ignores its own messages.
//
// A write is visible at once on the instance that made it, and on the
// others as soon as they receive the message, normally well under a
// millisecond later.
//
// # Lost invalidations
//
// Redis pub/sub delivers at most once: a message published while an
// instance is disconnected never reaches it. Three things bound the
// damage:
//
//   - go-redis reconnects and resubscribes by itself; the subscriber sees
//     the new subscription confirmation and clears the whole near cache,
//     so the near cache must implement [Clearer] (memorycache does) and be
//     dedicated to one Cache;
//   - while the subscription is down, and until it is first confirmed
//     after [New], the near cache is neither filled nor written;
//   - a message that can be lost without a disconnection being seen (a
//     failover, a half-open TCP connection) leaves an instance serving its
//     old copy for at most Options.MaxNearTTL, the cap on every near TTL.
//
// A read of the far cache that overlaps a change of its key (a local
// write, or an invalidation received meanwhile) does not fill the near
// cache, so a slow read never puts an old value back after the change.
//
// # Lifecycle
//
// [New] starts one goroutine, the subscriber, which owns a dedicated
// pub/sub connection of the client. [Cache.Close] stops it; it closes
// neither the near cache, nor the far cache, nor the client, which the
// caller created and closes afterwards.
package twolevel
