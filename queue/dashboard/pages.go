package dashboard

import (
	"bytes"
	"cmp"
	"context"
	"embed"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/queue"
)

//go:embed templates static
var assets embed.FS

// maxShown bounds the bytes of a payload or result a job page shows, and
// errorSummary the runes of an error a list shows.
const (
	maxShown     = 64 << 10
	errorSummary = 160
)

// layout is what every page's frame needs.
type layout struct {
	Prefix   string
	Title    string
	CSRF     string
	CanPause bool
}

func (d *dashboard) layout(r *http.Request, title string) layout {
	return layout{Prefix: d.opts.Prefix, Title: title, CSRF: formToken(r), CanPause: d.pauser != nil}
}

// parsePages parses each page with the shared layout.
func parsePages(prefix string) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"stateURL": func(q string, s queue.State) string {
			return prefix + "/queues/" + url.PathEscape(q) + "/" + url.PathEscape(string(s))
		},
		"jobURL": func(q, id string) string {
			return prefix + "/queues/" + url.PathEscape(q) + "/jobs/" + url.PathEscape(id)
		},
		"queueURL": func(q string) string { return prefix + "/queues/" + url.PathEscape(q) },
		"when":     formatTime,
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"overview", "list", "job", "error"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes page with the template name.
func (d *dashboard) render(w http.ResponseWriter, r *http.Request, name string, page any) error {
	var buf bytes.Buffer
	if err := d.pages[name].ExecuteTemplate(&buf, "layout", page); err != nil {
		return errors.Internal("rendering the %s page: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
	return nil
}

// jobTable is a list of jobs with their actions.
type jobTable struct {
	ID        string
	Title     string
	WhenLabel string
	Empty     string
	Rows      []jobRow
	CSRF      string
}

type jobRow struct {
	Queue     string
	ID        string
	Type      string
	State     queue.State
	Attempt   int
	When      time.Time
	Error     string
	CanRetry  bool
	CanDelete bool
}

func newJobRow(ji queue.JobInfo) jobRow {
	j := ji.Job
	row := jobRow{
		Queue: j.Queue, ID: j.ID, Type: j.Type, State: ji.State, Attempt: j.Attempt,
		Error:     summary(j.LastError),
		CanRetry:  retryable(ji.State),
		CanDelete: ji.State != queue.StateActive,
	}
	switch ji.State {
	case queue.StateScheduled, queue.StateRetry:
		row.When = ji.NextRunAt
	case queue.StateCompleted, queue.StateArchived:
		row.When = ji.FinishedAt
	default:
		row.When = j.EnqueuedAt
	}
	return row
}

var whenLabels = map[queue.State]string{
	queue.StatePending:   "Enqueued",
	queue.StateScheduled: "Runs at",
	queue.StateActive:    "Enqueued",
	queue.StateRetry:     "Next attempt",
	queue.StateCompleted: "Finished",
	queue.StateArchived:  "Failed at",
}

type queueRow struct {
	queue.QueueInfo
	Counts []stateCount
	Rate   rate
}

type stateCount struct {
	State queue.State
	N     int
}

type overviewPage struct {
	layout
	States       []queue.State
	Queues       []queueRow
	Failures     []jobTable
	RateInterval time.Duration
}

// overview serves the queues with their counts and throughput, and the
// latest failures.
func (d *dashboard) overview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	qs, err := d.broker.Queues(ctx)
	if err != nil {
		return err
	}
	rates := d.rates.observe(qs, d.opts.Now())
	page := overviewPage{layout: d.layout(r, "Queues"), States: queue.States, RateInterval: d.opts.RateInterval}
	for i, q := range qs {
		row := queueRow{QueueInfo: q, Rate: rates[i]}
		for _, s := range queue.States {
			row.Counts = append(row.Counts, stateCount{State: s, N: q.Counts[s]})
		}
		page.Queues = append(page.Queues, row)
	}
	retrying, err := d.latest(ctx, qs, queue.StateRetry)
	if err != nil {
		return err
	}
	// The next to run first: a retrying job has no failure time to sort by.
	slices.SortStableFunc(retrying, func(a, b jobRow) int { return a.When.Compare(b.When) })
	archived, err := d.latest(ctx, qs, queue.StateArchived)
	if err != nil {
		return err
	}
	slices.SortStableFunc(archived, func(a, b jobRow) int { return b.When.Compare(a.When) })
	page.Failures = []jobTable{
		{ID: "retrying", Title: "Retrying", WhenLabel: whenLabels[queue.StateRetry], Empty: "No job is waiting for a retry.",
			Rows: retrying[:min(len(retrying), d.opts.Failures)], CSRF: page.CSRF},
		{ID: "archived", Title: "Failed for good (archived)", WhenLabel: whenLabels[queue.StateArchived], Empty: "No archived job.",
			Rows: archived[:min(len(archived), d.opts.Failures)], CSRF: page.CSRF},
	}
	return d.render(w, r, "overview", page)
}

// latest returns the most recent Failures jobs in state of each queue.
// Inspector lists oldest first, so the page is taken from the end.
func (d *dashboard) latest(ctx context.Context, qs []queue.QueueInfo, state queue.State) ([]jobRow, error) {
	var rows []jobRow
	for _, q := range qs {
		n := q.Counts[state]
		if n == 0 || d.opts.Failures == 0 {
			continue
		}
		jobs, err := d.broker.List(ctx, q.Name, state, max(0, n-d.opts.Failures), d.opts.Failures)
		if err != nil {
			return nil, err
		}
		for i := len(jobs) - 1; i >= 0; i-- {
			rows = append(rows, newJobRow(jobs[i]))
		}
	}
	return rows, nil
}

type listPage struct {
	layout
	Queue  queue.QueueInfo
	State  queue.State
	Counts []stateCount
	Jobs   jobTable
	Page   int
	Prev   int
	Next   int
}

// list serves a page of the jobs of one queue in one state.
func (d *dashboard) list(w http.ResponseWriter, r *http.Request) error {
	name, state := r.PathValue("queue"), queue.State(r.PathValue("state"))
	if !slices.Contains(queue.States, state) {
		return errors.NotFound("no state %q: the states are %v", state, queue.States)
	}
	pageNo := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1<<20 {
			return errors.BadRequest("page %q is not a page number", v)
		}
		pageNo = n
	}
	q, err := d.findQueue(r.Context(), name)
	if err != nil {
		return err
	}
	size := max(d.opts.PageSize, 1)
	jobs, err := d.broker.List(r.Context(), name, state, (pageNo-1)*size, size+1)
	if err != nil {
		return err
	}
	page := listPage{layout: d.layout(r, name+" · "+string(state)), Queue: q, State: state, Page: pageNo}
	for _, s := range queue.States {
		page.Counts = append(page.Counts, stateCount{State: s, N: q.Counts[s]})
	}
	if len(jobs) > size {
		jobs, page.Next = jobs[:size], pageNo+1
	}
	if pageNo > 1 {
		page.Prev = pageNo - 1
	}
	page.Jobs = jobTable{ID: "jobs", WhenLabel: whenLabels[state], Empty: "No job on this page.", CSRF: page.CSRF}
	for _, ji := range jobs {
		page.Jobs.Rows = append(page.Jobs.Rows, newJobRow(ji))
	}
	return d.render(w, r, "list", page)
}

// findQueue returns the queue named name, or a 404.
func (d *dashboard) findQueue(ctx context.Context, name string) (queue.QueueInfo, error) {
	qs, err := d.broker.Queues(ctx)
	if err != nil {
		return queue.QueueInfo{}, err
	}
	i := slices.IndexFunc(qs, func(q queue.QueueInfo) bool { return q.Name == name })
	if i < 0 {
		return queue.QueueInfo{}, errors.NotFound("no queue %q", name)
	}
	return qs[i], nil
}

type jobPage struct {
	layout
	queue.JobInfo
	Payload   shown
	Result    *shown
	Meta      []metaEntry
	CanRetry  bool
	CanDelete bool
}

type metaEntry struct{ Key, Value string }

// job serves one job with its payload.
func (d *dashboard) job(w http.ResponseWriter, r *http.Request) error {
	ji, err := d.broker.Job(r.Context(), r.PathValue("queue"), r.PathValue("id"))
	if err != nil {
		return jobError(err)
	}
	page := jobPage{
		layout:    d.layout(r, "Job "+ji.Job.ID),
		JobInfo:   ji,
		Payload:   show(ji.Job.Payload),
		CanRetry:  retryable(ji.State),
		CanDelete: ji.State != queue.StateActive,
	}
	if ji.Result != nil {
		res := show(ji.Result)
		page.Result = &res
	}
	for k, v := range ji.Job.Meta {
		page.Meta = append(page.Meta, metaEntry{k, v})
	}
	slices.SortFunc(page.Meta, func(a, b metaEntry) int { return cmp.Compare(a.Key, b.Key) })
	return d.render(w, r, "job", page)
}

// retry makes a scheduled, retrying or archived job pending now.
func (d *dashboard) retry(w http.ResponseWriter, r *http.Request) error {
	name, id := r.PathValue("queue"), r.PathValue("id")
	ji, err := d.broker.Job(r.Context(), name, id)
	if err != nil {
		return jobError(err)
	}
	if !retryable(ji.State) {
		return errors.Conflict("a %s job cannot be retried", ji.State)
	}
	if err := d.broker.RetryNow(r.Context(), name, id); err != nil {
		return jobError(err)
	}
	http.Redirect(w, r, d.opts.Prefix+"/queues/"+url.PathEscape(name)+"/jobs/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

// delete removes a job that is not running.
func (d *dashboard) delete(w http.ResponseWriter, r *http.Request) error {
	if err := d.broker.Delete(r.Context(), r.PathValue("queue"), r.PathValue("id")); err != nil {
		return jobError(err)
	}
	http.Redirect(w, r, d.opts.Prefix+"/", http.StatusSeeOther)
	return nil
}

func (d *dashboard) pause(w http.ResponseWriter, r *http.Request) error {
	return d.setPaused(w, r, d.pauser.Pause)
}

func (d *dashboard) resume(w http.ResponseWriter, r *http.Request) error {
	return d.setPaused(w, r, d.pauser.Resume)
}

func (d *dashboard) setPaused(w http.ResponseWriter, r *http.Request, f func(context.Context, string) error) error {
	name := r.PathValue("queue")
	if _, err := d.findQueue(r.Context(), name); err != nil {
		return err
	}
	if err := f(r.Context(), name); err != nil {
		return err
	}
	http.Redirect(w, r, d.opts.Prefix+"/", http.StatusSeeOther)
	return nil
}

// jobError maps the Inspector's sentinels to client errors; any other
// error stays internal.
func jobError(err error) error {
	switch {
	case errors.Is(err, queue.ErrNotFound):
		return errors.NotFound("no such job").WithCause(err)
	case errors.Is(err, queue.ErrActive):
		return errors.Conflict("the job is running; try again when it has finished").WithCause(err)
	case errors.Is(err, queue.ErrState):
		// The job moved between the page's check and the action.
		return errors.Conflict("the job's state no longer allows this; reload the page").WithCause(err)
	}
	return err
}

func retryable(s queue.State) bool {
	return s == queue.StateScheduled || s == queue.StateRetry || s == queue.StateArchived
}

// shown is a payload or result as a job page shows it.
type shown struct {
	// Kind is "json" (pretty-printed), "text", "binary" (a hex dump) or
	// "empty".
	Kind      string
	Text      string
	Size      int
	Truncated bool
}

// show renders b as text: indented when it is JSON, as is when it is
// UTF-8, as a hex dump otherwise; at most maxShown bytes of it.
func show(b []byte) shown {
	s := shown{Size: len(b)}
	if len(b) == 0 {
		s.Kind = "empty"
		return s
	}
	if len(b) <= maxShown && utf8.Valid(b) && json.Valid(b) {
		var buf bytes.Buffer
		if json.Indent(&buf, b, "", "  ") == nil {
			s.Kind, s.Text = "json", buf.String()
			return s
		}
	}
	if len(b) > maxShown {
		b, s.Truncated = b[:maxShown], true
		// Do not let the cut split the last character.
		for i := 0; i < utf8.UTFMax-1 && len(b) > 0 && !utf8.Valid(b); i++ {
			b = b[:len(b)-1]
		}
	}
	if utf8.Valid(b) {
		s.Kind, s.Text = "text", string(b)
	} else {
		s.Kind, s.Text = "binary", hex.Dump(b)
	}
	return s
}

// summary returns the first line of an error, shortened for a list.
func summary(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if utf8.RuneCountInString(s) <= errorSummary {
		return s
	}
	r := []rune(s)
	return string(r[:errorSummary]) + "…"
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// staticFiles serves the embedded stylesheet and script.
func staticFiles(d *dashboard) http.Handler {
	files, _ := fs.Sub(assets, "static")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, d.opts.Prefix+"/static/")
		if name != "dashboard.css" && name != "dashboard.js" {
			d.writeError(w, r, errors.NotFound("no such file"))
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		http.ServeFileFS(w, r, files, name)
	})
}
