package apikey

// Checksum exposes the checksum of a key body to the tests.
var Checksum = checksum
