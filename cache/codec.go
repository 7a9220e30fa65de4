package cache

import (
	"encoding/json"
)

// Codec turns values into bytes and back, for byte-level backends such as
// Redis. Implementations must be safe for concurrent use. Unmarshal must
// not keep data after it returns: the caller may reuse the buffer.
type Codec[V any] interface {
	Marshal(v V) ([]byte, error)
	Unmarshal(data []byte) (V, error)
}

// JSON is the default [Codec]: encoding/json. The zero value is ready to
// use.
type JSON[V any] struct{}

// Marshal encodes v as JSON.
func (JSON[V]) Marshal(v V) ([]byte, error) { return json.Marshal(v) }

// Unmarshal decodes JSON data into a new V.
func (JSON[V]) Unmarshal(data []byte) (V, error) {
	var v V
	err := json.Unmarshal(data, &v)
	return v, err
}

// Raw is the identity [Codec] for byte-slice values. Both directions copy,
// so that Typed[[]byte](c, Raw{}) shares no memory with its callers even
// over a backend that keeps the slices it is given (an in-process map):
// the value a caller passes to Set may be reused afterwards, and the value
// Get returns outlives the backend's buffer. The zero value is ready to
// use.
type Raw struct{}

// Marshal returns a copy of v.
func (Raw) Marshal(v []byte) ([]byte, error) {
	return append([]byte(nil), v...), nil
}

// Unmarshal returns a copy of data.
func (Raw) Unmarshal(data []byte) ([]byte, error) {
	return append([]byte(nil), data...), nil
}

// String is the [Codec] for string values, stored as their bytes. The zero
// value is ready to use.
type String struct{}

// Marshal returns the bytes of v.
func (String) Marshal(v string) ([]byte, error) { return []byte(v), nil }

// Unmarshal returns data as a string.
func (String) Unmarshal(data []byte) (string, error) { return string(data), nil }

var (
	_ Codec[any]    = JSON[any]{}
	_ Codec[[]byte] = Raw{}
	_ Codec[string] = String{}
)
