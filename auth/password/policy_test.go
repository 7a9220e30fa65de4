package password_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/keel-go/keel/auth/password"
	"github.com/keel-go/keel/errors"
)

func TestPolicy(t *testing.T) {
	breachedList := map[string]bool{"Password123!": true}
	breached := func(_ context.Context, pw string) (bool, error) { return breachedList[pw], nil }
	tests := []struct {
		name      string
		policy    password.Policy
		pw        string
		words     []string
		wantCodes []string
	}{
		{"good", password.Policy{}, "correct horse battery", nil, nil},
		{"too short", password.Policy{}, "short", nil, []string{password.CodeTooShort}},
		{"runes not bytes", password.Policy{}, "ééééééé", nil, []string{password.CodeTooShort}}, // 14 bytes, 7 runes
		{"eight runes", password.Policy{}, "éééééééé", nil, nil},
		{"too long", password.Policy{MaxLength: 10}, "abcdefghijk", nil, []string{password.CodeTooLong}},
		{"default max", password.Policy{}, strings.Repeat("a", 129), nil, []string{password.CodeTooLong}},
		{"over MaxBytes", password.Policy{MaxLength: 100000}, strings.Repeat("a", password.MaxBytes+1), nil, []string{password.CodeTooLong}},
		{"invalid utf8", password.Policy{}, "abcdefgh\xff", nil, []string{password.CodeInvalidUTF8}},
		{"contains username", password.Policy{}, "xxAlice2024xx", []string{"alice"}, []string{password.CodeContextWord}},
		{"short word ignored", password.Policy{}, "bobsleigh-fun", []string{"bob"}, nil},
		{"several violations", password.Policy{}, "alice", []string{"Alice"}, []string{password.CodeTooShort, password.CodeContextWord}},
		{"breached", password.Policy{Breached: breached}, "Password123!", nil, []string{password.CodeBreached}},
		{"not breached", password.Policy{Breached: breached}, "Password1234!", nil, nil},
		{"custom min", password.Policy{MinLength: 15}, "fourteen chars", nil, []string{password.CodeTooShort}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Check(context.Background(), tt.pw, tt.words...)
			if tt.wantCodes == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, password.ErrPolicy) {
				t.Fatalf("Check = %v, want ErrPolicy", err)
			}
			e := errors.From(err)
			if e.StatusCode() != 422 {
				t.Errorf("status = %d, want 422", e.StatusCode())
			}
			var codes []string
			for _, v := range e.Violations() {
				codes = append(codes, v.Code)
				if v.Pointer != "/password" {
					t.Errorf("violation pointer = %q, want /password", v.Pointer)
				}
				if len(tt.pw) >= 4 && strings.Contains(v.Message, tt.pw) {
					t.Errorf("violation message %q repeats the password", v.Message)
				}
			}
			if !slices.Equal(codes, tt.wantCodes) {
				t.Errorf("violation codes = %v, want %v", codes, tt.wantCodes)
			}
		})
	}
}

func TestPolicyBreachedHook(t *testing.T) {
	var calls int
	p := password.Policy{Field: "/new_password", Breached: func(context.Context, string) (bool, error) {
		calls++
		return false, errors.New("range API unreachable")
	}}
	if err := p.Check(context.Background(), "short"); calls != 0 || !errors.Is(err, password.ErrPolicy) {
		t.Errorf("Check(short) = %v after %d hook calls, want ErrPolicy without calling the hook", err, calls)
	}
	err := p.Check(context.Background(), "long enough password")
	if err == nil || errors.Is(err, password.ErrPolicy) || errors.From(err).StatusCode() != 500 {
		t.Errorf("Check with a failing hook = %v, want an infrastructure error (500)", err)
	}
	err = p.Check(context.Background(), "tiny")
	if v := errors.From(err).Violations(); len(v) != 1 || v[0].Pointer != "/new_password" {
		t.Errorf("violations = %v, want one at /new_password", v)
	}
}
