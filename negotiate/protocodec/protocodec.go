// Package protocodec is the Protocol Buffers codec for package negotiate:
// it writes and reads proto.Message values in the binary wire format as
// application/protobuf (and the older application/x-protobuf). It lives
// apart from negotiate so that only the services that speak protobuf link
// the protobuf runtime.
//
//	codecs := negotiate.Default() // JSON, XML
//	codecs.Register(protocodec.Codec{})
//
//	// A client sending Accept: application/protobuf gets the wire format;
//	// others get JSON or XML, and a value that is not a proto.Message is
//	// never offered as protobuf.
//	return codecs.Respond(w, r, http.StatusOK, msg)
//
// Generated message types are proto.Message values, as are the well-known
// types (wrapperspb, structpb, timestamppb, ...). The JSON codec encodes
// them with encoding/json, which does not follow the protobuf JSON mapping;
// register a codec built on protojson for that.
package protocodec

import (
	"fmt"
	"io"
	"net/http"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/negotiate"
	"google.golang.org/protobuf/proto"
)

// Media types of the protobuf wire format: the registered one, and the one
// older clients send.
const (
	MediaType       = "application/protobuf"
	LegacyMediaType = "application/x-protobuf"
)

// CodeMalformedProtobuf is the code of the 400 problem [Codec.Decode]
// returns for a body that is not a valid encoding of the message.
const CodeMalformedProtobuf = "malformed_protobuf"

// ErrNotMessage is returned, wrapped, by [Codec.Encode] and [Codec.Decode]
// for a value that is not a proto.Message, a programming mistake that
// [errors.Write] answers as a 500. Test for it with errors.Is.
var ErrNotMessage = errors.New("protocodec: value is not a proto.Message")

// Codec is the [negotiate.Codec] for the protobuf wire format. The zero
// value is ready to use. A Codec holds only configuration and is safe for
// concurrent use.
//
// It is a [negotiate.TypedCodec]: [negotiate.Registry.Respond] offers it
// only for proto.Message values.
type Codec struct {
	// Deterministic orders map entries, so that equal messages encode to
	// equal bytes (for ETags or signatures). Default: false, the faster
	// unordered encoding.
	Deterministic bool

	// DiscardUnknown drops fields the message type does not define when
	// decoding. Default: false, they are kept and re-encoded.
	DiscardUnknown bool
}

var _ negotiate.TypedCodec = Codec{}

// MediaTypes returns application/protobuf and application/x-protobuf.
func (Codec) MediaTypes() []string { return []string{MediaType, LegacyMediaType} }

// CanEncode reports whether v is a proto.Message.
func (Codec) CanEncode(v any) bool {
	_, ok := v.(proto.Message)
	return ok
}

// Encode writes the wire encoding of v, which must be a proto.Message.
func (c Codec) Encode(w io.Writer, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("%w: %T", ErrNotMessage, v)
	}
	b, err := proto.MarshalOptions{Deterministic: c.Deterministic}.Marshal(m)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Decode reads the whole of r and unmarshals it into v, which must be a
// proto.Message (a pointer to a generated struct). An empty body is a valid
// encoding of the message with every field unset. A body that is not a
// valid encoding returns a 400 *errors.Error coded [CodeMalformedProtobuf];
// an error from r itself is returned as it is.
func (c Codec) Decode(r io.Reader, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("%w: %T", ErrNotMessage, v)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := (proto.UnmarshalOptions{DiscardUnknown: c.DiscardUnknown}).Unmarshal(b, m); err != nil {
		return errors.E(http.StatusBadRequest, CodeMalformedProtobuf,
			"The request body is not a valid protobuf encoding of the message.").WithCause(err)
	}
	return nil
}
