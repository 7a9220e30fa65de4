package protocodec_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/keel-go/keel/negotiate"
	"github.com/keel-go/keel/negotiate/protocodec"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func Example() {
	codecs := negotiate.Default()
	if err := codecs.Register(protocodec.Codec{}); err != nil {
		fmt.Println(err)
		return
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = codecs.Respond(w, r, http.StatusOK, wrapperspb.String("hello"))
	})

	for _, accept := range []string{"application/protobuf", "application/json"} {
		r := httptest.NewRequest(http.MethodGet, "/greeting", nil)
		r.Header.Set("Accept", accept)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Header().Get("Content-Type"))
		if accept == "application/protobuf" {
			var m wrapperspb.StringValue
			if err := proto.Unmarshal(w.Body.Bytes(), &m); err != nil {
				fmt.Println(err)
				return
			}
			fmt.Println(m.GetValue())
		}
	}
	// Output:
	// application/protobuf
	// hello
	// application/json; charset=utf-8
}
