package middleware

// CORSOriginMatcher exposes the origin matcher of a CORS policy to the
// fuzz test. It panics if opts is invalid.
func CORSOriginMatcher(opts CORSOptions) func(origin string) bool {
	p, err := newCORSPolicy(opts)
	if err != nil {
		panic(err.Error())
	}
	return func(origin string) bool { return p.allowAll || p.originAllowed(origin) }
}
