package redisqueue

// KeysOf exposes the key names of a queue to the slot test.
func (b *Broker) KeysOf(q string) (fixed []string, jobPrefix, uniquePrefix string) {
	k := b.keys(q)
	return k.fixed, k.jobs, k.uniques
}
