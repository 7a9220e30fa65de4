package validate

// IsPlainEmail exposes the allocation-free e-mail fast path to the tests.
var IsPlainEmail = isPlainEmail
