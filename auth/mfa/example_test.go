package mfa_test

import (
	"context"
	"fmt"
	"time"

	"github.com/keel-go/keel/auth/mfa"
	"github.com/keel-go/keel/errors"
)

func Example() {
	// A clock that stands still keeps the output stable; leave Now unset
	// in production.
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	v := mfa.MustNew(mfa.Options{Issuer: "Keel Shop", Now: func() time.Time { return now }})
	ctx := context.Background()

	// Enrollment: show the URI as a QR code, then confirm with a code.
	secret := "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" // from mfa.GenerateSecret
	fmt.Println(v.ProvisioningURI("alice@example.com", secret))
	code, _ := v.Code(secret, now) // what the user's app shows
	fmt.Println("enable:", v.Enable(ctx, "alice", secret, code))

	// The same code a second time is refused.
	err := v.Verify(ctx, "alice", secret, code)
	fmt.Println("replay:", err, errors.From(err).StatusCode())
	// Output:
	// otpauth://totp/Keel%20Shop:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Keel%20Shop&algorithm=SHA1&digits=6&period=30
	// enable: <nil>
	// replay: The code is not valid. 401
}

func ExampleVerifier_UseRecoveryCode() {
	v := mfa.MustNew(mfa.Options{Issuer: "Keel Shop"})
	ctx := context.Background()

	codes, err := v.GenerateRecoveryCodes(ctx, "alice")
	if err != nil {
		panic(err)
	}
	fmt.Println(len(codes), len(codes[0]))
	fmt.Println(v.UseRecoveryCode(ctx, "alice", codes[0]))
	fmt.Println(v.UseRecoveryCode(ctx, "alice", codes[0]))
	// Output:
	// 10 11
	// <nil>
	// The code is not valid.
}

func ExampleParseCode() {
	for _, typed := range []string{"123 456", "123-456", "12345", "12e456"} {
		code, ok := mfa.ParseCode(typed, 6)
		fmt.Printf("%q → %q %v\n", typed, code, ok)
	}
	// Output:
	// "123 456" → "123456" true
	// "123-456" → "123456" true
	// "12345" → "" false
	// "12e456" → "" false
}
