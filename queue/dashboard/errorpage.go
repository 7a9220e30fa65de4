package dashboard

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// genericDetail is what an HTML error page says of a 5xx error without an
// explicit public detail; the error itself is logged, never shown.
const genericDetail = "The dashboard could not complete the request. Quote the request ID when reporting the problem."

type errorPage struct {
	layout
	Status    int
	Title     string
	Detail    string
	Code      string
	RequestID string
}

// writeError answers err. A request that accepts text/html (a browser)
// gets an HTML page; any other gets a problem from [errors.Write]. Both
// have the status and the public detail that [errors.From] gives err.
func (d *dashboard) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := errors.From(err)
	if !wantsHTML(r) || e.StatusCode() == errors.StatusClientClosedRequest || r.Context().Err() != nil {
		errors.Write(w, r, err)
		return
	}
	status := e.StatusCode()
	detail := e.Detail()
	l := reqctx.Logger(r.Context())
	ev := l.Debug()
	if status >= 500 {
		ev = l.Error()
		if detail == "" {
			detail = genericDetail
		}
	} else if detail == "" {
		detail = e.Message()
	}
	ev.Err(err).Int("status", status).Str("code", e.Code()).Str("method", r.Method).Str("path", r.URL.Path).Msg("dashboard request failed")

	var buf bytes.Buffer
	page := errorPage{
		layout:    d.layout(r, e.Title()),
		Status:    status,
		Title:     e.Title(),
		Detail:    detail,
		Code:      e.Code(),
		RequestID: reqctx.RequestID(r.Context()),
	}
	if terr := d.pages["error"].ExecuteTemplate(&buf, "layout", page); terr != nil {
		l.Error().Err(terr).Msg("dashboard error page failed")
		errors.Write(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	for k, vs := range e.Header() {
		h[k] = vs
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// wantsHTML reports whether r's Accept header names text/html with a
// non-zero quality, as every browser's does for pages and form posts.
func wantsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(v, ",") {
			mt, params, _ := strings.Cut(part, ";")
			if !strings.EqualFold(strings.TrimSpace(mt), "text/html") {
				continue
			}
			accepted := true
			for p := range strings.SplitSeq(params, ";") {
				k, v, _ := strings.Cut(p, "=")
				if strings.EqualFold(strings.TrimSpace(k), "q") {
					q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
					accepted = err == nil && q > 0
				}
			}
			if accepted {
				return true
			}
		}
	}
	return false
}
