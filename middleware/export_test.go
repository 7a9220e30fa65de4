package middleware

import "strings"

// RedactQuery exposes redactQuery to the fuzz test, with names given as
// AccessLogOptions.RedactQuery takes them.
func RedactQuery(q string, names ...string) string {
	secret := make(map[string]struct{}, len(names))
	for _, n := range names {
		secret[strings.ToLower(n)] = struct{}{}
	}
	return redactQuery(q, secret)
}
