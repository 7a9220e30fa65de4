package twolevel

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/errors"
)

// ErrMalformedMessage is reported to Options.OnError, wrapped, when a
// message on the invalidation channel does not decode: it was published
// by something else, or by a version of this package with another format.
// The near cache is then cleared, since the key it named is unknown.
var ErrMalformedMessage = errors.New("twolevel: malformed invalidation message")

// messageVersion is the first byte of every invalidation message.
const messageVersion = '1'

// Reconnection backoff of the subscriber: the first retry is immediate,
// since go-redis has usually reconnected already, then the delay doubles
// from retryMin up to retryMax.
const (
	retryMin = 10 * time.Millisecond
	retryMax = 2 * time.Second
)

// subscribe is the subscriber goroutine: it subscribes to the channel and
// applies the invalidations of other instances until Close. go-redis
// reconnects and resubscribes by itself after a network error, silently;
// the only sign is a new subscription confirmation. Any confirmation
// after the first therefore means that messages may have been lost in
// between, and the near cache is cleared.
func (c *Cache[V]) subscribe() {
	defer close(c.stopped)
	ctx := context.Background() // Close unblocks Receive by closing the PubSub
	// On failure the channel is still recorded: Receive reconnects and
	// subscribes.
	if err := c.pubsub.Subscribe(ctx, c.channel); err != nil && !c.isDone() {
		c.onError(fmt.Errorf("twolevel: subscribe to %q: %w", c.channel, err))
	}
	confirmed := false
	failures := 0
	for {
		msg, err := c.pubsub.Receive(ctx)
		if err != nil {
			if c.isDone() {
				return
			}
			c.subscribed.Store(false)
			c.onError(fmt.Errorf("twolevel: receive from %q: %w", c.channel, err))
			failures++
			if !c.wait(backoff(failures)) {
				return
			}
			continue
		}
		failures = 0
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" || m.Channel != c.channel {
				continue
			}
			if confirmed {
				c.clearNear()
			}
			confirmed = true
			c.subscribed.Store(true)
		case *redis.Message:
			c.apply(ctx, m.Payload)
		}
	}
}

// apply drops from the near cache the keys named by an invalidation
// message from another instance.
func (c *Cache[V]) apply(ctx context.Context, payload string) {
	origin, keys, err := decodeMessage(payload)
	if err != nil {
		c.onError(err)
		c.clearNear()
		return
	}
	if origin == c.origin {
		return // our own write, already applied to our near cache
	}
	for _, key := range keys {
		if err := c.dropNear(ctx, c.stripe(key), key); err != nil {
			c.onError(fmt.Errorf("twolevel: invalidate %q in the near cache: %w", key, err))
		}
	}
}

// publish announces that keys changed in the far cache.
func (c *Cache[V]) publish(ctx context.Context, keys ...string) error {
	if err := c.client.Publish(ctx, c.channel, encodeMessage(c.origin, keys...)).Err(); err != nil {
		return fmt.Errorf("twolevel: publish invalidation on %q: %w", c.channel, err)
	}
	return nil
}

func (c *Cache[V]) isDone() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// wait waits d, and reports false if Close came first.
func (c *Cache[V]) wait(d time.Duration) bool {
	if d <= 0 {
		return !c.isDone()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.done:
		return false
	}
}

// backoff returns the delay before the retry that follows the given
// number of consecutive failures.
func backoff(failures int) time.Duration {
	if failures <= 1 {
		return 0
	}
	if failures > 10 {
		return retryMax
	}
	return min(retryMin<<(failures-2), retryMax)
}

// encodeMessage returns the invalidation message saying that origin
// changed keys. The format is binary-safe, as keys are: the version byte,
// then the origin and each key as a uvarint length followed by the bytes.
func encodeMessage(origin string, keys ...string) []byte {
	n := 1 + binary.MaxVarintLen64 + len(origin)
	for _, key := range keys {
		n += binary.MaxVarintLen64 + len(key)
	}
	b := make([]byte, 0, n)
	b = append(b, messageVersion)
	b = appendField(b, origin)
	for _, key := range keys {
		b = appendField(b, key)
	}
	return b
}

func appendField(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decodeMessage parses an invalidation message. It accepts exactly what
// encodeMessage produces with a non-empty origin and at least one
// non-empty key, and returns an error wrapping [ErrMalformedMessage] for
// anything else.
func decodeMessage(payload string) (origin string, keys []string, err error) {
	if len(payload) == 0 || payload[0] != messageVersion {
		return "", nil, fmt.Errorf("%w: unknown version", ErrMalformedMessage)
	}
	origin, rest, ok := readField(payload[1:])
	if !ok || origin == "" {
		return "", nil, fmt.Errorf("%w: bad origin", ErrMalformedMessage)
	}
	for len(rest) > 0 {
		var key string
		key, rest, ok = readField(rest)
		if !ok || key == "" {
			return "", nil, fmt.Errorf("%w: bad key after %d keys", ErrMalformedMessage, len(keys))
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return "", nil, fmt.Errorf("%w: no key", ErrMalformedMessage)
	}
	return origin, keys, nil
}

// readField reads a uvarint length and that many bytes from the front of
// s. The length must be minimally encoded, so that a message has one
// encoding.
func readField(s string) (field, rest string, ok bool) {
	head := s[:min(len(s), binary.MaxVarintLen64)]
	n, size := binary.Uvarint([]byte(head))
	if size <= 0 || size != uvarintLen(n) || n > uint64(len(s)-size) {
		return "", "", false
	}
	end := size + int(n)
	return s[size:end], s[end:], true
}

// uvarintLen returns the length of the minimal uvarint encoding of n.
func uvarintLen(n uint64) int {
	l := 1
	for ; n >= 0x80; n >>= 7 {
		l++
	}
	return l
}
