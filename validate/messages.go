package validate

import (
	"fmt"
	"strconv"
	"strings"
)

// CodeValidationFailed is the code of the 422 problem that gathers the
// violations of the struct rules.
const CodeValidationFailed = "validation_failed"

// Codes of the violations the built-in struct rules report, each the key
// of its message in a [Catalog]. The parameters a violation carries are
// named in braces.
const (
	CodeRequired    = "required"   // a required value is absent (or zero, for plain fields)
	CodeNotZero     = "notzero"    // the value is its type's zero value
	CodeLen         = "len"        // a string of not exactly {len} characters
	CodeMinLength   = "min_length" // a string shorter than {min} characters
	CodeMaxLength   = "max_length" // a string longer than {max} characters
	CodeSize        = "size"       // a list or map of not exactly {size} items
	CodeMinItems    = "min_items"  // a list or map of fewer than {min} items
	CodeMaxItems    = "max_items"  // a list or map of more than {max} items
	CodeMin         = "min"        // a number less than {min}
	CodeMax         = "max"        // a number greater than {max}
	CodePattern     = "pattern"    // a string that does not match {pattern}
	CodeOneOf       = "oneof"      // a value not among {values}
	CodeEmail       = "email"      // not an email address
	CodeURL         = "url"        // not an absolute http or https URL
	CodeUUID        = "uuid"       // not a UUID
	CodeE164        = "e164"       // not an E.164 phone number
	CodeIP          = "ip"         // not an IP address
	CodeCIDR        = "cidr"       // not a CIDR prefix
	CodePast        = "past"       // a time not in the past
	CodeFuture      = "future"     // a time not in the future
	CodeCountry     = "country"    // not an ISO 3166-1 alpha-2 country code
	CodeCurrency    = "currency"   // not an ISO 4217 currency code
	CodeEqField     = "eqfield"    // a value not equal to that of {field}
	CodeNeField     = "nefield"    // a value equal to that of {field}
	CodeGtField     = "gtfield"    // a value not greater than that of {field}
	CodeGteField    = "gtefield"   // a value less than that of {field}
	CodeLtField     = "ltfield"    // a value not less than that of {field}
	CodeLteField    = "ltefield"   // a value greater than that of {field}
	CodeInvalidRule = "invalid"    // a custom rule failed without a code of its own
	codeFallback    = CodeInvalidRule
)

// Catalog maps violation codes to message templates, in which {name}
// stands for the violation's parameter name: "must be at least {min}
// characters long". Messages describe the rule, never the value, so they
// are safe to show to anyone. The key [CodeValidationFailed] holds the
// problem's own message.
//
// A Catalog given in [RulesOptions] need not be complete: a code it lacks
// takes its English message, and a code no catalogue knows takes the
// message of [CodeInvalidRule]. A Catalog is read-only once given to
// [NewRules].
type Catalog map[string]string

// DefaultCatalog returns a new copy of the English catalogue, to extend or
// translate.
func DefaultCatalog() Catalog {
	c := make(Catalog, len(english))
	for k, v := range english {
		c[k] = v
	}
	return c
}

// english is the default catalogue. It is never modified.
var english = map[string]string{
	CodeValidationFailed: "The request has invalid fields.",
	CodeRequired:         "is required",
	CodeNotZero:          "must not be empty or zero",
	CodeLen:              "must be exactly {len} characters long",
	CodeMinLength:        "must be at least {min} characters long",
	CodeMaxLength:        "must be at most {max} characters long",
	CodeSize:             "must have exactly {size} items",
	CodeMinItems:         "must have at least {min} items",
	CodeMaxItems:         "must have at most {max} items",
	CodeMin:              "must be at least {min}",
	CodeMax:              "must be at most {max}",
	CodePattern:          "must match the pattern {pattern}",
	CodeOneOf:            "must be one of {values}",
	CodeEmail:            "must be an email address",
	CodeURL:              "must be an absolute http or https URL",
	CodeUUID:             "must be a UUID",
	CodeE164:             "must be a phone number in E.164 form, such as +14155550100",
	CodeIP:               "must be an IP address",
	CodeCIDR:             "must be an IP prefix in CIDR notation",
	CodePast:             "must be in the past",
	CodeFuture:           "must be in the future",
	CodeCountry:          "must be an ISO 3166-1 alpha-2 country code",
	CodeCurrency:         "must be an ISO 4217 currency code",
	CodeEqField:          "must equal {field}",
	CodeNeField:          "must differ from {field}",
	CodeGtField:          "must be greater than {field}",
	CodeGteField:         "must be greater than or equal to {field}",
	CodeLtField:          "must be less than {field}",
	CodeLteField:         "must be less than or equal to {field}",
	CodeInvalidRule:      "is invalid",
}

// Message returns the message of code with its parameters put in place
// of their {name} placeholders. A code c lacks takes the English message,
// and an unknown code the message of [CodeInvalidRule]. A placeholder
// without a parameter is left as it is.
func (c Catalog) Message(code string, params map[string]any) string {
	tmpl, ok := c[code]
	if !ok {
		if tmpl, ok = english[code]; !ok {
			if tmpl, ok = c[codeFallback]; !ok {
				tmpl = english[codeFallback]
			}
		}
	}
	if len(params) == 0 || !strings.Contains(tmpl, "{") {
		return tmpl
	}
	var b strings.Builder
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			break
		}
		name := tmpl[open+1 : open+end]
		b.WriteString(tmpl[:open])
		if v, ok := params[name]; ok {
			b.WriteString(formatParam(v))
		} else {
			b.WriteString(tmpl[open : open+end+1])
		}
		tmpl = tmpl[open+end+1:]
	}
	b.WriteString(tmpl)
	return b.String()
}

// formatParam writes a parameter for a message: lists as "a, b, c".
func formatParam(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case []string:
		return strings.Join(v, ", ")
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			parts[i] = formatParam(p)
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}
