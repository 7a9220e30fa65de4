package password_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/keel-go/keel/auth/password"
	"github.com/keel-go/keel/errors"
	"golang.org/x/crypto/bcrypt"
)

func Example() {
	ctx := context.Background()
	// Leave Params zero in production for OWASP's m=19 MiB, t=2, p=1; the
	// example uses cheap ones.
	h := password.MustNew(password.Options{Params: password.Params{Memory: 64, Time: 1, Threads: 1}})

	hash, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$"))

	ok, _ := h.Verify(ctx, hash, "correct horse battery staple")
	fmt.Println(ok)
	ok, _ = h.Verify(ctx, hash, "Tr0ub4dor&3")
	fmt.Println(ok)
	// An unknown user costs a full hash too, and never matches.
	ok, _ = h.Verify(ctx, "", "anything")
	fmt.Println(ok)
	// Output:
	// true
	// true
	// false
	// false
}

// A hash migrated from a bcrypt system verifies once and is replaced by
// an argon2id hash.
func ExampleHasher_VerifyAndRehash() {
	ctx := context.Background()
	h := password.MustNew(password.Options{Params: password.Params{Memory: 64, Time: 1, Threads: 1}})
	legacy, _ := bcrypt.GenerateFromPassword([]byte("s3cret-legacy"), bcrypt.MinCost)

	ok, newHash, err := h.VerifyAndRehash(ctx, string(legacy), "s3cret-legacy")
	fmt.Println(ok, err, strings.HasPrefix(newHash, "$argon2id$"))
	ok, newHash, _ = h.VerifyAndRehash(ctx, newHash, "s3cret-legacy")
	fmt.Printf("%v %q\n", ok, newHash)
	// Output:
	// true <nil> true
	// true ""
}

func ExamplePolicy_Check() {
	policy := password.Policy{
		Breached: func(ctx context.Context, pw string) (bool, error) {
			return pw == "password1234", nil // a real list is far longer
		},
	}
	for _, pw := range []string{"hunter2", "password1234", "my-alice-pass", "purple monkey dishwasher"} {
		err := policy.Check(context.Background(), pw, "alice")
		if err == nil {
			fmt.Println("ok")
			continue
		}
		for _, v := range errors.From(err).Violations() {
			fmt.Println(v.Code+":", v.Message)
		}
	}
	// Output:
	// too_short: must be at least 8 characters
	// breached: appears in a list of breached passwords; choose another
	// contains_context_word: must not contain your user name or other words tied to your account
	// ok
}
