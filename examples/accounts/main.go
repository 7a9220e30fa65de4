// Command accounts shows keel's authentication and authorization working
// together: password login (argon2id, with a lockout against guessing),
// a TOTP second factor, a choice between a session cookie and a JWT
// access and refresh token pair, refresh-token rotation with reuse
// detection, and role-based permissions declared on the routes. Every
// login, failure, lockout, token and denial goes to the log as an audit
// entry.
//
// Three users are seeded at start-up, with these demo passwords:
//
//	alice  alice-demo-password  admin    (TOTP; her secret and otpauth URI are logged)
//	bob    bob-demo-password    analyst
//	carol  carol-demo-password  member
//
// Try it over plain http (hence -insecure-cookie, which drops the Secure
// attribute the session cookie has by default):
//
//	go run ./examples/accounts -insecure-cookie     # :8080, or $PORT
//	J='Content-Type: application/json'
//
// Bob takes the JWT route: an access token for the API, a refresh token to
// get the next pair.
//
//	curl -H "$J" -d '{"username":"bob","password":"bob-demo-password"}' 'localhost:8080/login?mode=jwt'
//	curl -H "Authorization: Bearer $ACCESS" localhost:8080/reports              # 200: analysts read reports
//	curl -H "Authorization: Bearer $ACCESS" -X DELETE localhost:8080/users/carol # 403: only admins delete
//	curl -H "$J" -d '{"refresh_token":"'$REFRESH'"}' localhost:8080/token/refresh # a new pair
//	curl -H "$J" -d '{"refresh_token":"'$REFRESH'"}' localhost:8080/token/refresh # 401: reused, family revoked
//
// Alice takes the session route, in two steps. Her code comes from an
// authenticator app given the totp_uri of her "seeded user" log line, or
// from `oathtool --totp -b <totp_secret>`.
//
//	curl -c jar -H "$J" -d '{"username":"alice","password":"alice-demo-password"}' localhost:8080/login
//	    # {"status":"mfa_required","mfa_token":"..."}
//	curl -c jar -H "$J" -d '{"mfa_token":"...","code":"123456"}' localhost:8080/login/totp
//	curl -b jar localhost:8080/me
//	curl -b jar -X DELETE localhost:8080/users/carol  # 204
//	curl -b jar -X POST localhost:8080/logout
//
// Five wrong passwords lock an account for a minute (429 with
// Retry-After), whether or not it exists.
//
// # Keys and state
//
// Tokens are signed with HS256 under JWT_SIGNING_KEY (base64 of at least
// 32 random bytes: `openssl rand -base64 32`); without it the service
// makes a key at start-up, and its tokens die with the process. Sessions,
// lockouts, used TOTP steps and refresh-token state live in memory: a
// service with several instances gives each package its Redis store.
//
// # CSRF
//
// The session cookie is SameSite=Lax and the endpoints that change state
// take JSON bodies or methods other than POST, so a cross-site form cannot
// use them. A service whose cookie is shared with sibling subdomains,
// which count as the same site, adds middleware.CSRF on its cookie routes.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/rs/zerolog"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/password"
	"github.com/keel-go/keel/shutdown"
)

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "accounts:", err)
		os.Exit(1)
	}
}

// run starts the service and blocks until it has stopped: on SIGINT or
// SIGTERM, or when ctx is cancelled. Logs and audit entries go to stdout
// as JSON lines; the line "listening" says where the server listens.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet(args[0], flag.ContinueOnError)
	flags.SetOutput(stderr)
	port := getenv("PORT")
	if port == "" {
		port = "8080"
	}
	hashMemory := uint64(password.DefaultMemory)
	if v := getenv("HASH_MEMORY_KIB"); v != "" {
		m, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return fmt.Errorf("HASH_MEMORY_KIB: %w", err)
		}
		hashMemory = m
	}
	addr := flags.String("addr", net.JoinHostPort(getenv("HOST"), port), "address to listen on")
	drain := flags.Duration("drain", 0, "how long to fail readiness before stopping (use a few seconds behind a load balancer)")
	memory := flags.Uint64("hash-memory", hashMemory, "argon2id memory in KiB (OWASP's 19456 by default; lower it only for tests)")
	insecureCookie := flags.Bool("insecure-cookie", getenv("INSECURE_COOKIE") == "1", "send the session cookie over plain http too (local development only)")
	if err := flags.Parse(args[1:]); err != nil {
		return err
	}
	if *memory > password.MaxMemory {
		return fmt.Errorf("-hash-memory %d is over %d KiB", *memory, password.MaxMemory)
	}

	level := zerolog.InfoLevel
	if v := getenv("LOG_LEVEL"); v != "" {
		l, err := zerolog.ParseLevel(v)
		if err != nil {
			return fmt.Errorf("LOG_LEVEL: %w", err)
		}
		level = l
	}
	base := zerolog.New(stdout).Level(level).With().Str("service", "accounts").Logger()
	logger := base.With().Timestamp().Logger()
	auditor := auth.NewLogAuditor(base) // it writes each event's own time

	jwtKey, err := signingKey(getenv("JWT_SIGNING_KEY"), logger)
	if err != nil {
		return err
	}
	users := newUserStore()
	sec, err := newSecurity(securityOptions{
		HashParams:     password.Params{Memory: uint32(*memory)},
		JWTKey:         jwtKey,
		InsecureCookie: *insecureCookie,
		Auditor:        auditor,
	}, users)
	if err != nil {
		return err
	}
	if err := users.seed(ctx, sec.hasher, sec.totp, logger); err != nil {
		return err
	}

	lifecycle, err := shutdown.New(shutdown.Options{
		DrainDelay:  *drain,
		StopTimeout: *drain + 20*time.Second,
		Logger:      logger,
	})
	if err != nil {
		return err
	}
	srv, err := shutdown.NewServer(*addr, NewServer(logger, lifecycle, users, sec), shutdown.ServerOptions{})
	if err != nil {
		return err
	}
	lifecycle.Add("http", srv)
	lifecycle.Add("announce", shutdown.Hook{OnStart: func(context.Context) error {
		logger.Info().Str("addr", srv.Addr()).Msg("listening")
		return nil
	}})
	return lifecycle.Run(ctx)
}

// signingKey decodes the base64 HS256 key, or makes one when there is
// none.
func signingKey(encoded string, logger zerolog.Logger) ([]byte, error) {
	if encoded == "" {
		logger.Warn().Msg("JWT_SIGNING_KEY is not set: signing with a random key, so tokens will not survive a restart")
		key := make([]byte, 32)
		_, err := rand.Read(key)
		return key, err
	}
	key, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("JWT_SIGNING_KEY is not base64: %w", err)
	}
	if len(key) < 32 {
		return nil, fmt.Errorf("JWT_SIGNING_KEY has %d bytes, want at least 32", len(key))
	}
	return key, nil
}
