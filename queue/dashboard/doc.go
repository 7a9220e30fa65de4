// Package dashboard serves a small web dashboard for the background jobs
// of a [queue.Inspector] broker, such as memoryqueue or redisqueue: the
// queues with their counts and throughput, the latest failures with their
// errors, each job with its payload, and the actions retry, delete and
// pause/resume.
//
//	broker, _ := redisqueue.New(rdb, redisqueue.Options{})
//	dash, err := dashboard.New(broker, dashboard.Options{
//		Prefix: "/admin/jobs",
//		Auth:   requireOperator, // func(http.Handler) http.Handler
//	})
//	if err != nil {
//		return err
//	}
//	mux.Handle("/admin/jobs/", dash)
//
// The pages are built with html/template from templates embedded in the
// binary, with an embedded stylesheet and a few lines of script: nothing is
// loaded from another origin, and every response carries the
// [ContentSecurityPolicy] "default-src 'self'; ...", which also forbids
// framing the dashboard.
//
// # Pages
//
// Under the prefix:
//
//	GET  /                                overview: queues, counts, throughput, latest failures
//	GET  /queues/{queue}/{state}?page=N    the jobs of a queue in a state, oldest first
//	GET  /queues/{queue}/jobs/{id}         one job: details, last error, payload, result
//	POST /queues/{queue}/jobs/{id}/retry   make a scheduled, retrying or archived job pending now
//	POST /queues/{queue}/jobs/{id}/delete  delete a job that is not running
//	POST /queues/{queue}/pause             pause a queue (when the broker is a queue.Pauser)
//	POST /queues/{queue}/resume            resume it
//
// A successful action answers 303 See Other to the job's page (retry) or
// the overview. The pause and resume buttons and routes exist only when
// the broker implements [queue.Pauser]. Queue names and job IDs are
// path-escaped in links, so any name works, "/" included.
//
// A payload is shown as text: pretty-printed when it is JSON, as is when it
// is other UTF-8 text, as a hex dump otherwise, and cut after 64 KiB.
// Payloads, errors and every other value are escaped by html/template, so
// a payload holding "<script>" shows as that text and never runs.
//
// # Throughput
//
// The overview shows each queue's Processed and Failed counters from
// [queue.QueueInfo] (Processed counts every settled attempt, failed ones
// included), and their rates in attempts per minute. The dashboard keeps
// one sample of the counters per queue in memory; a page load at least
// [Options].RateInterval (10 s by default) after the sample measures the
// rate since it and becomes the new sample, and a page load sooner shows
// the last rate measured. So the rate spans at least RateInterval, and is
// "—" until two page loads that far apart, and after the counters went
// backwards (a restarted broker). The clock is [Options].Now.
//
// # Security
//
// Authentication is required: [Options].Auth is a middleware that runs
// before every request reaches the dashboard, and [New] fails without it
// unless [Options].Local declares the dashboard local-only, in which case
// every request not from a loopback address (by r.RemoteAddr) is refused
// with 403. Do not set Local behind a reverse proxy on the same host: the
// proxy's requests come from loopback.
//
// The actions are POST forms protected from cross-site request forgery
// twice. The standard library's [http.CrossOriginProtection] refuses a
// request that a browser marks as cross-origin (Sec-Fetch-Site, or an
// Origin that is not the Host). And every POST must carry, in the form
// field csrf_token, the token held by the dashboard's cookie
// ([CSRFCookie]): a random nonce signed with HMAC-SHA256 under
// [Options].CSRFKey, issued on the first page load of a browser session,
// HttpOnly, SameSite=Lax, scoped to the prefix and Secure over TLS. Each
// page masks it afresh, so that compression does not leak it. A POST
// without a valid token, or cross-origin, gets 403 with code
// [CodeCSRFRejected]. With the default random key, tokens die with the
// process: a reload of the page gets a new one.
//
// # Errors
//
// Every failure is classified by keel's errors package ([errors.From]):
// an unknown job or queue is 404, an action on a job in the wrong state
// (retrying a completed job, deleting a running one) is 409, a refused
// CSRF check is 403, a broker failure is 500 with a generic message and
// the cause logged. A request whose Accept header names text/html (a
// browser's page loads and form posts) gets the error as an HTML page; any
// other (curl, scripts) gets an RFC 9457 application/problem+json body
// from [errors.Write]. Both carry the same status and public detail.
//
// # Mounting
//
// Set [Options].Prefix to the path the dashboard is mounted at, and mount
// the handler at Prefix+"/" without [http.StripPrefix]: the dashboard
// matches full paths, so its links and form actions work under the prefix.
// A request for Prefix alone is redirected to Prefix+"/".
package dashboard
