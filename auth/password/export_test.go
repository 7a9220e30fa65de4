package password

// SetKDF replaces the key derivation function of h, so that tests can see
// what a Hasher computes and make it slow or blocking at will.
func SetKDF(h *Hasher, kdf func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte) {
	h.kdf = kdf
}
