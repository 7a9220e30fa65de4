package reqctx

import "context"

// Key is a typed key for a request-scoped value. Keys compare by identity:
// create each one once, with [NewKey], and keep it in a package variable of
// the package that owns the value.
type Key[T any] struct {
	name string
}

// NewKey returns a new key for values of type T. The name is used only in
// debugging output.
func NewKey[T any](name string) *Key[T] {
	return &Key[T]{name: name}
}

// String returns the key's name.
func (k *Key[T]) String() string { return k.name }

// Set stores v under key in the Data carried by ctx and reports whether ctx
// carries a Data at all; without one nothing is stored.
func Set[T any](ctx context.Context, key *Key[T], v T) bool {
	d := From(ctx)
	if d == nil {
		return false
	}
	SetIn(d, key, v)
	return true
}

// SetIn stores v under key in d, replacing any earlier value.
func SetIn[T any](d *Data, key *Key[T], v T) {
	for i := range d.values {
		if d.values[i].key == any(key) {
			d.values[i].val = v
			return
		}
	}
	d.values = append(d.values, value{key: key, val: v})
}

// Get returns the value stored under key in the Data carried by ctx, and
// whether there was one. Without a Data, or without a value, it returns the
// zero T and false.
func Get[T any](ctx context.Context, key *Key[T]) (T, bool) {
	if d := From(ctx); d != nil {
		return GetIn(d, key)
	}
	var zero T
	return zero, false
}

// GetIn returns the value stored under key in d, and whether there was one.
func GetIn[T any](d *Data, key *Key[T]) (T, bool) {
	for i := range d.values {
		if d.values[i].key == any(key) {
			v, ok := d.values[i].val.(T)
			return v, ok
		}
	}
	var zero T
	return zero, false
}
