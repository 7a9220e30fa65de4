package middleware

import "time"

// CSRFIssue exposes token issuance to the token tests: a token signed with
// key for session at now, encoded as the cookie holds it.
func CSRFIssue(key []byte, now time.Time, session string) string {
	c := csrfCodec{key: key, maxAge: DefaultCSRFMaxAge}
	return csrfEncoding.EncodeToString(c.issue(now, session))
}

// CSRFVerify exposes the cookie token verifier, with the default MaxAge.
func CSRFVerify(key []byte, token string, now time.Time, session string) bool {
	c := csrfCodec{key: key, maxAge: DefaultCSRFMaxAge}
	_, ok := c.verify(token, now, session)
	return ok
}

// CSRFUnmask exposes the decoder of submitted tokens, masked or plain,
// returning the plain token encoded.
func CSRFUnmask(s string) (string, bool) {
	raw, ok := csrfUnmask(s)
	if !ok {
		return "", false
	}
	return csrfEncoding.EncodeToString(raw), true
}
