package rbac

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// maxJSONSize is the largest document [LoadJSON] reads: a role model is
// configuration, and a bound keeps a mistaken input from exhausting memory.
const maxJSONSize = 4 << 20

// document is the JSON form of a model.
type document struct {
	Roles []Role `json:"roles"`
}

// LoadJSON builds a model from its JSON form:
//
//	{"roles": [
//	  {"name": "viewer", "permissions": ["posts:read"]},
//	  {"name": "editor", "permissions": ["posts:write"], "inherits": ["viewer"]},
//	  {"name": "admin",  "permissions": ["*"]}
//	]}
//
// Unknown fields, trailing data and documents over 4 MiB are rejected;
// the roles are then checked as [New] checks them.
func LoadJSON(r io.Reader) (*Model, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxJSONSize+1))
	if err != nil {
		return nil, fmt.Errorf("rbac: reading the model: %w", err)
	}
	if len(data) > maxJSONSize {
		return nil, fmt.Errorf("rbac: model larger than %d bytes", maxJSONSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc document
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("rbac: decoding the model: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("rbac: decoding the model: data after the JSON document")
	}
	return New(doc.Roles...)
}

// MarshalJSON encodes the model's role definitions in the form
// [LoadJSON] reads.
func (m *Model) MarshalJSON() ([]byte, error) {
	roles := m.Roles()
	if roles == nil {
		roles = []Role{}
	}
	return json.Marshal(document{Roles: roles})
}
