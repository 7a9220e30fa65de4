package router

import (
	"net/http"
	"net/url"
	"strings"
)

// stripHandler passes a mounted handler the request with the mount prefix
// removed from its path, as http.StripPrefix does, except that the prefix
// may contain parameters: the part to keep is the mount's catch-all value.
type stripHandler struct {
	next  http.Handler
	param string
	exact bool // the route is the prefix itself, without the catch-all
}

func (h stripHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	rest := "/"
	if !h.exact {
		rest = "/" + req.PathValue(h.param)
	}
	r2 := req.WithContext(req.Context())
	u := *req.URL
	u.Path = rest
	u.RawPath = ""
	if req.URL.RawPath != "" {
		// Keep the client's escaping where it can be kept: the raw path's
		// tail that decodes to the kept part.
		if i := rawSuffixStart(req.URL.RawPath, rest); i >= 0 {
			u.RawPath = req.URL.RawPath[i:]
		}
	}
	r2.URL = &u
	h.next.ServeHTTP(w, r2)
}

// rawSuffixStart returns where, in the escaped path raw, the tail that
// decodes to rest begins, or -1. A tail always starts at a '/'.
func rawSuffixStart(raw, rest string) int {
	for i := len(raw) - 1; i >= 0; i-- {
		if raw[i] != '/' {
			continue
		}
		dec, err := url.PathUnescape(raw[i:])
		if err != nil {
			return -1
		}
		if dec == rest {
			return i
		}
		if len(dec) > len(rest) || !strings.HasSuffix(rest, dec) {
			return -1
		}
	}
	return -1
}
