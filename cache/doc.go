// Package cache defines the [Cache] contract shared by keel's cache
// backends and the strategies built on it.
package cache
