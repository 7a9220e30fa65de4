package jwtauth

// MaxAge exposes the Cache-Control parser to the fuzz test.
var MaxAge = maxAge
