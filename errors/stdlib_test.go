package errors_test

import (
	stderrors "errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/keel-go/keel/errors"
)

// TestStdlibNames checks that every exported name of the standard errors
// package exists here too, so that this package stays a drop-in
// replacement when Go adds to the standard one.
func TestStdlibNames(t *testing.T) {
	std, err := importer.ForCompiler(token.NewFileSet(), "source", nil).Import("errors")
	if err != nil {
		t.Fatalf("importing the standard errors package: %v", err)
	}
	ours := exportedNames(t, ".")
	for _, name := range std.Scope().Names() {
		if !token.IsExported(name) {
			continue
		}
		if !ours[name] {
			t.Errorf("standard errors.%s has no counterpart in this package", name)
		}
	}
}

// exportedNames returns the exported package-level names declared in the
// Go files of the package in dir, tests excluded.
func exportedNames(tb testing.TB, dir string) map[string]bool {
	tb.Helper()
	pkg, err := build.ImportDir(dir, 0)
	if err != nil {
		tb.Fatalf("loading %s: %v", dir, err)
	}
	fset := token.NewFileSet()
	names := make(map[string]bool)
	for _, name := range pkg.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			tb.Fatalf("parsing %s: %v", name, err)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						names[s.Name.Name] = s.Name.IsExported()
					case *ast.ValueSpec:
						for _, n := range s.Names {
							names[n.Name] = n.IsExported()
						}
					}
				}
			}
		}
	}
	if len(names) == 0 {
		tb.Fatalf("no declarations found in %s", dir)
	}
	return names
}

func TestStdlibForwarding(t *testing.T) {
	if errors.ErrUnsupported != stderrors.ErrUnsupported {
		t.Errorf("ErrUnsupported = %p, want the standard library's %p", errors.ErrUnsupported, stderrors.ErrUnsupported)
	}
	if !errors.Is(fmt.Errorf("op: %w", stderrors.ErrUnsupported), errors.ErrUnsupported) {
		t.Error("Is(wrapped standard ErrUnsupported, ErrUnsupported) = false, want true")
	}

	a, b := errors.New("a"), errors.New("a")
	if a.Error() != "a" || a == b {
		t.Errorf("New(a) = %q, %q: want text a and distinct values", a, b)
	}

	joined := errors.Join(a, nil, io.EOF)
	if !errors.Is(joined, a) || !errors.Is(joined, io.EOF) {
		t.Errorf("Is(Join(a, nil, EOF), a|EOF) = false, want true")
	}
	if errors.Join(nil, nil) != nil {
		t.Errorf("Join(nil, nil) = %v, want nil", errors.Join(nil, nil))
	}

	wrapped := fmt.Errorf("ctx: %w", io.EOF)
	if got := errors.Unwrap(wrapped); got != io.EOF {
		t.Errorf("Unwrap(%v) = %v, want EOF", wrapped, got)
	}
	if got := errors.Unwrap(io.EOF); got != nil {
		t.Errorf("Unwrap(EOF) = %v, want nil", got)
	}

	var pe *fs.PathError
	_, openErr := os.Open("/does/not/exist")
	if !errors.As(fmt.Errorf("open: %w", openErr), &pe) || pe.Path != "/does/not/exist" {
		t.Errorf("As(wrapped open error, *fs.PathError) = %v, want the path error", pe)
	}
	if got, ok := errors.AsType[*fs.PathError](fmt.Errorf("open: %w", openErr)); !ok || got.Path != "/does/not/exist" {
		t.Errorf("AsType[*fs.PathError](wrapped open error) = %v, %t, want the path error, true", got, ok)
	}
	if _, ok := errors.AsType[*fs.PathError](io.EOF); ok {
		t.Error("AsType[*fs.PathError](EOF) ok = true, want false")
	}
}

func TestWrappingKeepsClassification(t *testing.T) {
	notFound := errors.NotFound("no user %d", 7)
	tests := []struct {
		name string
		err  error
	}{
		{"fmt.Errorf", fmt.Errorf("load: %w", notFound)},
		{"twice", fmt.Errorf("handler: %w", fmt.Errorf("load: %w", notFound))},
		{"Join", errors.Join(io.EOF, notFound)},
		{"multiple %w", fmt.Errorf("%w and %w", io.ErrClosedPipe, notFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, notFound) {
				t.Errorf("Is(%v, notFound) = false, want true", tt.err)
			}
			e, ok := errors.AsType[*errors.Error](tt.err)
			if !ok || e != notFound {
				t.Errorf("AsType[*Error](%v) = %v, %t, want the NotFound error", tt.err, e, ok)
			}
			var target *errors.Error
			if !errors.As(tt.err, &target) || target.StatusCode() != 404 {
				t.Errorf("As(%v, *Error) = %v, want status 404", tt.err, target)
			}
			if got := errors.From(tt.err).StatusCode(); got != 404 {
				t.Errorf("From(%v).StatusCode() = %d, want 404", tt.err, got)
			}
		})
	}

	withCause := errors.NotFound("no user").WithCause(io.EOF)
	if !errors.Is(fmt.Errorf("x: %w", withCause), io.EOF) {
		t.Errorf("Is(wrapped NotFound.WithCause(EOF), EOF) = false, want true")
	}
}
