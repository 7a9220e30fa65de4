package mfa

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/keel-go/keel/auth"
)

// RecoveryCodeLen is the number of characters in a recovery code, not
// counting the dash it is shown with: 10 characters of a 32-letter
// alphabet, 50 bits.
const RecoveryCodeLen = 10

// recoveryAlphabet has 32 characters without the look-alikes 0/O and 1/I,
// so each random byte gives one character without bias (byte & 31).
const recoveryAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// GenerateRecoveryCodes makes a new set of Options.RecoveryCodes
// single-use recovery codes for user, replacing any earlier set, and
// returns them for the user to write down, formatted "XXXXX-XXXXX". The
// store keeps only their SHA-256 digests, each bound to user.
func (v *Verifier) GenerateRecoveryCodes(ctx context.Context, user string) ([]string, error) {
	codes := make([]string, v.opts.RecoveryCodes)
	digests := make([]string, v.opts.RecoveryCodes)
	raw := make([]byte, RecoveryCodeLen)
	for i := range codes {
		if _, err := rand.Read(raw); err != nil {
			return nil, fmt.Errorf("mfa: recovery codes: %w", err)
		}
		for j, b := range raw {
			raw[j] = recoveryAlphabet[b&31]
		}
		codes[i] = string(raw[:5]) + "-" + string(raw[5:])
		digests[i] = recoveryDigest(user, string(raw))
	}
	if err := v.opts.Store.SetRecoveryCodes(ctx, user, digests); err != nil {
		return nil, fmt.Errorf("mfa: recovery codes: %w", err)
	}
	return codes, nil
}

// UseRecoveryCode checks a recovery code as user typed it (any case,
// spaces and dashes ignored) and consumes it: it returns nil once per
// code. It shares the attempt limit of [Verifier.Verify] and returns
// [ErrInvalidCode], [ErrThrottled] or the store's error the same way. A
// success is audited as [auth.ActionRecoveryUsed].
func (v *Verifier) UseRecoveryCode(ctx context.Context, user, code string) error {
	now := v.opts.Now()
	if err := v.attempt(ctx, user, now); err != nil {
		return err
	}
	norm, ok := NormalizeRecoveryCode(code)
	if !ok {
		return v.fail(ctx, user, "malformed recovery code")
	}
	used, err := v.opts.Store.UseRecoveryCode(ctx, user, recoveryDigest(user, norm))
	if err != nil {
		return fmt.Errorf("mfa: use recovery code: %w", err)
	}
	if !used {
		return v.fail(ctx, user, "wrong or used recovery code")
	}
	if err := v.opts.Store.ResetAttempts(ctx, user); err != nil {
		return fmt.Errorf("mfa: reset attempts: %w", err)
	}
	v.audit(ctx, auth.ActionRecoveryUsed, user, auth.ResultSuccess, "")
	return nil
}

// NormalizeRecoveryCode reads a recovery code as a user typed it: spaces,
// tabs and dashes are dropped, letters upper-cased, and what remains must
// be [RecoveryCodeLen] characters of the recovery alphabet. It returns the
// code's canonical form and whether the input was a code. Input over 64
// bytes is refused.
func NormalizeRecoveryCode(s string) (string, bool) {
	if len(s) > maxCodeInput {
		return "", false
	}
	var buf [RecoveryCodeLen]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '-':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		if !inRecoveryAlphabet(c) || n == RecoveryCodeLen {
			return "", false
		}
		buf[n] = c
		n++
	}
	if n != RecoveryCodeLen {
		return "", false
	}
	return string(buf[:]), true
}

// inRecoveryAlphabet reports whether c is a character of recovery codes.
func inRecoveryAlphabet(c byte) bool {
	return (c >= '2' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'O')
}

// recoveryDigest is what the store keeps of a recovery code: SHA-256 over
// the user and the code, so that equal digests in two users' sets do not
// reveal equal codes, and one guess cannot be checked against every
// user's digests at once. The codes carry 50 random bits, which makes a
// fast hash enough.
func recoveryDigest(user, code string) string {
	h := sha256.New()
	h.Write([]byte("keel-mfa-recovery\x00"))
	h.Write([]byte(user))
	h.Write([]byte{0})
	h.Write([]byte(code))
	return hex.EncodeToString(h.Sum(nil))
}
