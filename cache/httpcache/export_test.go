package httpcache

// SetWaitHook makes the middleware built from opts call hook as a request
// starts waiting for the response another request is producing.
func SetWaitHook(opts *Options, hook func()) { opts.waitHook = hook }
