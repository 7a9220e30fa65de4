package validate

// IsPlainEmail exposes the allocation-free e-mail fast path to the tests.
var IsPlainEmail = isPlainEmail

// CodeTables exposes the ISO code tables, whose order the lookup relies on.
var CodeTables = map[string]string{"country": countryCodes, "currency": currencyCodes}
