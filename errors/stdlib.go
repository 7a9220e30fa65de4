package errors

import stderrors "errors"

// ErrUnsupported is the standard library's errors.ErrUnsupported itself,
// not a copy, so that comparisons with either hold. It indicates that a
// requested operation cannot be performed because it is unsupported.
//
// It is the one exported variable of the package and must not be
// reassigned; it exists only so that this package can replace the standard
// one in an import.
var ErrUnsupported = stderrors.ErrUnsupported

// New returns an error whose Error method returns text, as the standard
// errors.New does. Each call returns a distinct error. For an error that
// reaches an HTTP client use a constructor such as [NotFound] instead: a
// plain error becomes a generic 500.
func New(text string) error { return stderrors.New(text) }

// Is reports whether any error in err's tree matches target, as the
// standard errors.Is does.
func Is(err, target error) bool { return stderrors.Is(err, target) }

// As finds the first error in err's tree that matches target, and if one is
// found, sets target to that error value and returns true, as the standard
// errors.As does.
func As(err error, target any) bool { return stderrors.As(err, target) }

// AsType finds the first error in err's tree that has type E, and if one is
// found, returns that error value and true, as the standard errors.AsType
// does:
//
//	if e, ok := errors.AsType[*errors.Error](err); ok { … }
func AsType[E error](err error) (E, bool) { return stderrors.AsType[E](err) }

// Join returns an error that wraps the given errors, discarding nil ones,
// as the standard errors.Join does. It returns nil if every error is nil.
func Join(errs ...error) error { return stderrors.Join(errs...) }

// Unwrap returns the result of calling the Unwrap method on err, if err's
// type has one returning error, as the standard errors.Unwrap does.
// Otherwise it returns nil.
func Unwrap(err error) error { return stderrors.Unwrap(err) }
