// Package auth holds what keel's authentication and authorization
// sub-packages share: the [Principal], the [Authenticator] contract, the
// middleware that runs authenticators, and audit events.
package auth
