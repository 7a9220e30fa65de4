package auth

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"time"
	"unicode/utf8"

	"github.com/keel-go/keel/reqctx"
	"github.com/rs/zerolog"
)

// maxAuditField is the longest value, in bytes, [NewLogAuditor] writes for
// a field and [EventFromRequest] keeps for the user agent. Actors and user
// agents come from clients; the bound keeps a hostile one from filling the
// audit log.
const maxAuditField = 256

// NewLogAuditor returns an [Auditor] that writes each event as one
// structured info-level entry, with the message "audit" and the fields
// time, actor, action, resource, result, reason, request_id, ip,
// user_agent and attrs (an object); empty fields are left out. An event
// with a zero Time is stamped with the current time. Client-supplied
// values longer than 256 bytes are cut (at a rune boundary) and marked
// with "…".
//
// The event's Time is written as the "time" field, so give it a logger
// without zerolog's Timestamp, which would write a second one. The
// returned Auditor is safe for concurrent use when the logger's writer
// is.
func NewLogAuditor(logger zerolog.Logger) Auditor {
	return AuditorFunc(func(_ context.Context, e Event) {
		ev := logger.Info()
		if ev == nil {
			return
		}
		t := e.Time
		if t.IsZero() {
			t = time.Now()
		}
		ev = ev.Time("time", t)
		ev = auditStr(ev, "actor", e.Actor)
		ev = auditStr(ev, "action", e.Action)
		ev = auditStr(ev, "resource", e.Resource)
		ev = auditStr(ev, "result", e.Result)
		ev = auditStr(ev, "reason", e.Reason)
		ev = auditStr(ev, "request_id", e.RequestID)
		ev = auditStr(ev, "ip", e.IP)
		ev = auditStr(ev, "user_agent", e.UserAgent)
		if len(e.Attrs) > 0 {
			d := zerolog.Dict()
			for k, v := range e.Attrs {
				d = d.Str(truncate(k, maxAuditField), truncate(v, maxAuditField))
			}
			ev = ev.Dict("attrs", d)
		}
		ev.Msg("audit")
	})
}

// EventFromRequest returns an [Event] for action filled from r: the time
// now, the request ID ([reqctx.RequestID]), the client IP ([reqctx.ClientIP],
// or the host of r.RemoteAddr when no real-IP middleware set one), the user
// agent cut to 256 bytes, and as Resource the matched route pattern
// ([reqctx.Pattern]) when there is one. The caller fills Actor, Result,
// Reason and Attrs.
//
// It reads nothing else from r: not the path (which may carry a reset
// token), the query, the headers that carry credentials or the body, so an
// event built from a request holds no secret of the request's.
func EventFromRequest(r *http.Request, action string) Event {
	ctx := r.Context()
	e := Event{
		Time:      time.Now(),
		Action:    action,
		Resource:  reqctx.Pattern(ctx),
		RequestID: reqctx.RequestID(ctx),
		UserAgent: truncate(r.UserAgent(), maxAuditField),
	}
	if ip := reqctx.ClientIP(ctx); ip.IsValid() {
		e.IP = ip.String()
	} else {
		e.IP = remoteIP(r.RemoteAddr)
	}
	return e
}

// EventFromContext returns an [Event] for action filled from the request
// data ctx carries, for code that has a context and no request (a store, a
// limiter): the time now, the request ID, the client IP set by a real-IP
// middleware and the matched route pattern as Resource. Without a
// [reqctx.Data] only Time and Action are set.
func EventFromContext(ctx context.Context, action string) Event {
	e := Event{
		Time:      time.Now(),
		Action:    action,
		Resource:  reqctx.Pattern(ctx),
		RequestID: reqctx.RequestID(ctx),
	}
	if ip := reqctx.ClientIP(ctx); ip.IsValid() {
		e.IP = ip.String()
	}
	return e
}

// remoteIP returns the address in a RemoteAddr ("host:port" or a bare
// host), or "" when it is not an IP address.
func remoteIP(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	return ip.String()
}

// auditStr adds the field when v is not empty.
func auditStr(ev *zerolog.Event, key, v string) *zerolog.Event {
	if v == "" {
		return ev
	}
	return ev.Str(key, truncate(v, maxAuditField))
}

// truncate cuts s to at most n bytes at a rune boundary, marking the cut
// with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
