package password

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/keel-go/keel/errors"
)

// Defaults of a [Policy].
const (
	DefaultMinLength = 8   // runes: NIST SP 800-63B's minimum for user-chosen passwords
	DefaultMaxLength = 128 // runes: NIST asks to allow at least 64
	DefaultField     = "/password"
)

// minContextWord is the shortest context word a [Policy] looks for: shorter
// ones ("al", "bob") occur in too many good passwords by chance.
const minContextWord = 4

// Violation codes a [Policy] reports.
const (
	CodeTooShort    = "too_short"
	CodeTooLong     = "too_long"
	CodeInvalidUTF8 = "invalid_utf8"
	CodeContextWord = "contains_context_word"
	CodeBreached    = "breached"
)

// ErrPolicy is the error [Policy.Check] returns, with one field violation
// per broken rule: a 422 problem. Compare with [errors.Is].
var ErrPolicy = errors.Unprocessable("The password does not meet the requirements.")

// Policy is what a new password must satisfy, following NIST SP 800-63B:
// a length counted in Unicode code points, no composition rules, a check
// against breached-password lists, and no words tied to the account. The
// zero value is ready to use: 8 to 128 characters, no breach check. A
// Policy is safe for concurrent use if Breached is.
type Policy struct {
	// MinLength is the fewest characters (runes) a password may have.
	// Default: [DefaultMinLength].
	MinLength int
	// MaxLength is the most characters (runes) a password may have.
	// Default: [DefaultMaxLength]. Above [MaxBytes] bytes a password is
	// refused whatever MaxLength says.
	MaxLength int
	// Breached reports whether password appears in a list of breached
	// passwords (a local list, or a k-anonymity range query). It is called
	// only for passwords that pass the other rules; its error fails the
	// check with that error (a 5xx), never with a violation. Default: nil,
	// no check.
	Breached func(ctx context.Context, password string) (bool, error)
	// Field is the JSON Pointer the violations point at. Default:
	// [DefaultField].
	Field string
}

// Check returns nil when password satisfies p, or [ErrPolicy] with a field
// violation for each rule broken. contextWords are words tied to the
// account — the username, the parts of an email address, the service's
// name — that the password must not contain, compared case-insensitively;
// words under 4 characters are ignored. The violations never repeat the
// password.
func (p Policy) Check(ctx context.Context, password string, contextWords ...string) error {
	minLen, maxLen, field := p.MinLength, p.MaxLength, p.Field
	if minLen <= 0 {
		minLen = DefaultMinLength
	}
	if maxLen <= 0 {
		maxLen = DefaultMaxLength
	}
	if field == "" {
		field = DefaultField
	}

	var vs []errors.Violation
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		vs = append(vs, errors.Violation{Pointer: field, Code: CodeInvalidUTF8,
			Message: "must be valid UTF-8 text"})
	case n < minLen:
		vs = append(vs, errors.Violation{Pointer: field, Code: CodeTooShort,
			Message: fmt.Sprintf("must be at least %d characters", minLen), Params: map[string]any{"min": minLen}})
	case n > maxLen || len(password) > MaxBytes:
		vs = append(vs, errors.Violation{Pointer: field, Code: CodeTooLong,
			Message: fmt.Sprintf("must be at most %d characters", maxLen), Params: map[string]any{"max": maxLen}})
	}
	if containsContextWord(password, contextWords) {
		vs = append(vs, errors.Violation{Pointer: field, Code: CodeContextWord,
			Message: "must not contain your user name or other words tied to your account"})
	}
	if len(vs) == 0 && p.Breached != nil {
		breached, err := p.Breached(ctx, password)
		if err != nil {
			return fmt.Errorf("password: breached-password check: %w", err)
		}
		if breached {
			vs = append(vs, errors.Violation{Pointer: field, Code: CodeBreached,
				Message: "appears in a list of breached passwords; choose another"})
		}
	}
	if len(vs) > 0 {
		return ErrPolicy.WithViolations(vs...)
	}
	return nil
}

// containsContextWord reports whether password contains one of words of
// at least minContextWord runes, ignoring case.
func containsContextWord(password string, words []string) bool {
	lower := strings.ToLower(password)
	for _, w := range words {
		w = strings.ToLower(strings.TrimSpace(w))
		if utf8.RuneCountInString(w) >= minContextWord && strings.Contains(lower, w) {
			return true
		}
	}
	return false
}
