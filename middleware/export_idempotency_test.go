package middleware

// ParseIdempotencyKey exposes idemParseKey to the fuzz test, for one
// header line.
func ParseIdempotencyKey(value string, maxLen int) (key string, ok bool) {
	key, reason := idemParseKey([]string{value}, maxLen)
	return key, reason == ""
}
