package router

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/keel-go/keel/errors"
)

// FileServerOptions configures [FileServer]. Every zero field means the
// default stated on it.
type FileServerOptions struct {
	// Index is the file served for a directory. Default "index.html". A
	// directory without it is answered 404: the server never lists
	// directories.
	Index string
	// CacheControl, when set, is sent as the Cache-Control header of every
	// file served.
	CacheControl string
	// AllowDotFiles serves files and directories whose name begins with a
	// dot. By default they are answered 404, so a stray .git or .env in
	// the tree is never served.
	AllowDotFiles bool
}

// FileServer returns a handler that serves the files of fsys at the
// request's path (mount it with [Group.Mount] or [Group.Static] so the
// prefix is stripped). It answers only GET and HEAD, never lists a
// directory, refuses paths that try to leave fsys (../, %2e%2e, encoded
// slashes and backslashes, NUL), and sets Content-Type from the file
// extension, Last-Modified, and conditional and range responses through
// http.ServeContent. Where fsys has no modification times (embed.FS), it
// sends a strong ETag made from a hash of the content, computed once per
// file, so clients can still revalidate.
func FileServer(fsys fs.FS, opts FileServerOptions) http.Handler {
	if fsys == nil {
		panic("router: FileServer with a nil fs.FS")
	}
	if opts.Index == "" {
		opts.Index = "index.html"
	}
	return &fileServer{fsys: fsys, opts: opts}
}

type fileServer struct {
	fsys  fs.FS
	opts  FileServerOptions
	etags sync.Map // file name -> ETag, for files without a modification time
}

func (s *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		errors.Write(w, r, errors.MethodNotAllowed("files are read with GET or HEAD"))
		return
	}
	name, err := s.cleanName(r)
	if err != nil {
		errors.Write(w, r, err)
		return
	}
	f, st, err := s.open(name)
	if err != nil {
		errors.Write(w, r, err)
		return
	}
	defer f.Close()
	content, ok := f.(io.ReadSeeker)
	if !ok {
		b, err := io.ReadAll(f)
		if err != nil {
			errors.Write(w, r, errors.Internal("read %s", name).WithCause(err))
			return
		}
		content = bytes.NewReader(b)
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if s.opts.CacheControl != "" {
		h.Set("Cache-Control", s.opts.CacheControl)
	}
	mod := st.ModTime()
	if mod.IsZero() || mod.Unix() <= 0 {
		etag, err := s.etag(name, content)
		if err != nil {
			errors.Write(w, r, errors.Internal("hash %s", name).WithCause(err))
			return
		}
		h.Set("ETag", etag)
	}
	http.ServeContent(w, r, st.Name(), mod, content)
}

// cleanName turns the request path into a name for fsys, or a problem.
func (s *fileServer) cleanName(r *http.Request) (string, error) {
	raw := strings.ToLower(r.URL.EscapedPath())
	if strings.Contains(raw, "%2f") || strings.Contains(raw, "%5c") || strings.Contains(raw, "%00") {
		return "", errors.BadRequest("path contains an encoded slash, backslash or NUL")
	}
	p := r.URL.Path
	if strings.ContainsAny(p, "\x00\\") {
		return "", errors.BadRequest("path contains a backslash or NUL")
	}
	name := strings.Trim(p, "/")
	if name == "" {
		name = "."
	}
	if !fs.ValidPath(name) {
		return "", errors.NotFound("no file at %s", p)
	}
	if !s.opts.AllowDotFiles {
		for seg := range strings.SplitSeq(name, "/") {
			if strings.HasPrefix(seg, ".") && seg != "." {
				return "", errors.NotFound("no file at %s", p)
			}
		}
	}
	return name, nil
}

// open opens name, or the index file when name is a directory.
func (s *fileServer) open(name string) (fs.File, fs.FileInfo, error) {
	notFound := errors.NotFound("no file at /%s", strings.TrimPrefix(name, "."))
	f, err := s.fsys.Open(name)
	if err != nil {
		return nil, nil, notFound.WithCause(err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, notFound.WithCause(err)
	}
	if !st.IsDir() {
		return f, st, nil
	}
	f.Close()
	index := path.Join(name, s.opts.Index)
	if f, err = s.fsys.Open(index); err != nil {
		return nil, nil, notFound.WithCause(err)
	}
	if st, err = f.Stat(); err != nil || st.IsDir() {
		f.Close()
		return nil, nil, notFound.WithCause(err)
	}
	return f, st, nil
}

// etag returns the content-hash ETag of name, computing it on first use.
func (s *fileServer) etag(name string, content io.ReadSeeker) (string, error) {
	if v, ok := s.etags.Load(name); ok {
		return v.(string), nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, content); err != nil {
		return "", err
	}
	if _, err := content.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	etag := `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`
	s.etags.Store(name, etag)
	return etag, nil
}
