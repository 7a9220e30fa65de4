package auth

import (
	"context"
	"time"
)

// Actions recorded in audit [Event]s.
const (
	ActionLogin          = "login"
	ActionLoginFailed    = "login.failed"
	ActionLogout         = "logout"
	ActionLockout        = "login.lockout"
	ActionUnlock         = "login.unlock"
	ActionMFAEnabled     = "mfa.enabled"
	ActionMFADisabled    = "mfa.disabled"
	ActionMFAFailed      = "mfa.failed"
	ActionRecoveryUsed   = "mfa.recovery_used"
	ActionSessionCreated = "session.created"
	ActionSessionRevoked = "session.revoked"
	ActionTokenIssued    = "token.issued"
	ActionTokenRefreshed = "token.refreshed"
	ActionTokenReuse     = "token.reuse_detected"
	ActionTokenRevoked   = "token.revoked"
	ActionKeyCreated     = "api_key.created"
	ActionKeyRevoked     = "api_key.revoked"
	ActionAccessDenied   = "access.denied"
	ActionPasswordChange = "password.changed"
)

// Results recorded in audit [Event]s.
const (
	ResultSuccess = "success"
	ResultFailure = "failure"
	ResultDenied  = "denied"
)

// Event is one audit record. It never holds a password, token, key or
// other secret: Reason and Attrs are for identifiers and explanations.
type Event struct {
	Time      time.Time
	Actor     string // subject acting, or the username attempted
	Action    string // one of the Action constants, or the caller's own
	Resource  string // what was acted on (session ID, key ID, route)
	Result    string // ResultSuccess, ResultFailure or ResultDenied
	Reason    string // why, for failures and denials
	RequestID string
	IP        string
	UserAgent string
	Attrs     map[string]string
}

// Auditor records audit events. Implementations must be safe for
// concurrent use and must not block the request for long.
type Auditor interface {
	Audit(ctx context.Context, e Event)
}

// AuditorFunc adapts a function to [Auditor].
type AuditorFunc func(ctx context.Context, e Event)

// Audit calls f(ctx, e).
func (f AuditorFunc) Audit(ctx context.Context, e Event) { f(ctx, e) }
