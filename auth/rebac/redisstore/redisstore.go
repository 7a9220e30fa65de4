// Package redisstore keeps ReBAC relation tuples in Redis, behind the
// [rebac.Store] interface (and [rebac.DirectReader], so checks read one
// set member instead of every subject of a relation).
//
//	store, err := redisstore.New(client, redisstore.Options{Prefix: "myapp:rebac:"})
//	engine, err := rebac.New(schema, store, rebac.Options{})
//
// # Keys
//
// Each tuple object#relation@subject is in three sets: the subjects of
// object#relation ("o:" keys, read by Check), the usersets among them
// ("u:" keys, for [rebac.DirectReader]) and the tuples of the subject
// ("s:" keys, read by ListObjects). Write and Delete change all of them in
// one MULTI/EXEC, so a batch lands whole or not at all. Every key starts
// with Prefix followed by the hash tag "{tuples}", so a batch that touches
// many objects still runs on Redis Cluster (all the tuples of one Prefix
// live in one slot; use several prefixes to spread tenants).
package redisstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/auth/rebac"
	"github.com/keel-go/keel/errors"
)

// DefaultPrefix starts the keys of a Store whose Options.Prefix is empty.
const DefaultPrefix = "keel:rebac:"

// Options configures [New]. The zero value is ready to use.
type Options struct {
	// Prefix starts every key. It must not contain braces (the store adds
	// its own hash tag). Default [DefaultPrefix].
	Prefix string
}

// Store is a [rebac.Store] on Redis. It is safe for concurrent use and
// holds only the client, which belongs to the caller: there is nothing to
// close.
type Store struct {
	client redis.UniversalClient
	base   string // prefix and hash tag
}

var (
	_ rebac.Store        = (*Store)(nil)
	_ rebac.DirectReader = (*Store)(nil)
)

// New returns a Store over client. It does not contact the server.
func New(client redis.UniversalClient, opts Options) (*Store, error) {
	if client == nil {
		return nil, errors.New("redisstore: nil client")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("redisstore: Options.Prefix %q contains a brace", opts.Prefix)
	}
	return &Store{client: client, base: opts.Prefix + "{tuples}:"}, nil
}

func (s *Store) objectKey(o rebac.Object, relation string) string {
	return s.base + "o:" + o.String() + "#" + relation
}

func (s *Store) usersetKey(o rebac.Object, relation string) string {
	return s.base + "u:" + o.String() + "#" + relation
}

func (s *Store) subjectKey(sub rebac.Subject) string { return s.base + "s:" + sub.String() }

// Write adds tuples in one transaction.
func (s *Store) Write(ctx context.Context, tuples ...rebac.Tuple) error {
	return s.apply(ctx, tuples, func(pipe redis.Pipeliner, key string, member string) {
		pipe.SAdd(ctx, key, member)
	})
}

// Delete removes tuples in one transaction.
func (s *Store) Delete(ctx context.Context, tuples ...rebac.Tuple) error {
	return s.apply(ctx, tuples, func(pipe redis.Pipeliner, key string, member string) {
		pipe.SRem(ctx, key, member)
	})
}

func (s *Store) apply(ctx context.Context, tuples []rebac.Tuple, op func(redis.Pipeliner, string, string)) error {
	if len(tuples) == 0 {
		return ctx.Err()
	}
	_, err := s.client.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, t := range tuples {
			sub := t.Subject.String()
			op(pipe, s.objectKey(t.Object, t.Relation), sub)
			if t.Subject.Relation != "" {
				op(pipe, s.usersetKey(t.Object, t.Relation), sub)
			}
			op(pipe, s.subjectKey(t.Subject), t.String())
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redisstore: %w", err)
	}
	return nil
}

// Read returns the subjects that have relation to object.
func (s *Store) Read(ctx context.Context, object rebac.Object, relation string) ([]rebac.Subject, error) {
	return s.subjects(ctx, s.objectKey(object, relation))
}

// ReadUsersets returns the userset subjects of object#relation.
func (s *Store) ReadUsersets(ctx context.Context, object rebac.Object, relation string) ([]rebac.Subject, error) {
	return s.subjects(ctx, s.usersetKey(object, relation))
}

// Has reports whether t is stored.
func (s *Store) Has(ctx context.Context, t rebac.Tuple) (bool, error) {
	ok, err := s.client.SIsMember(ctx, s.objectKey(t.Object, t.Relation), t.Subject.String()).Result()
	if err != nil {
		return false, fmt.Errorf("redisstore: %w", err)
	}
	return ok, nil
}

// ReadBySubject returns the tuples whose subject is exactly subject.
func (s *Store) ReadBySubject(ctx context.Context, subject rebac.Subject) ([]rebac.Tuple, error) {
	members, err := s.client.SMembers(ctx, s.subjectKey(subject)).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	out := make([]rebac.Tuple, 0, len(members))
	for _, m := range members {
		t, err := rebac.ParseTuple(m)
		if err != nil {
			return nil, fmt.Errorf("redisstore: stored tuple %q: %w", m, err)
		}
		out = append(out, t)
	}
	return out, nil
}

func (s *Store) subjects(ctx context.Context, key string) ([]rebac.Subject, error) {
	members, err := s.client.SMembers(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	out := make([]rebac.Subject, 0, len(members))
	for _, m := range members {
		sub, err := rebac.ParseSubject(m)
		if err != nil {
			return nil, fmt.Errorf("redisstore: stored subject %q: %w", m, err)
		}
		out = append(out, sub)
	}
	return out, nil
}
