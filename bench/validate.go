package bench

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
)

// The request type of the validation benchmarks comes twice, with the same
// fields and JSON names and equivalent rules: KeelOrder in keel's tag
// syntax (package validate), PlaygroundOrder in go-playground/validator's.
// The rules that are written differently, or that differ at the edges:
//
//   - url: keel's url takes absolute http and https URLs only; validator's
//     url takes any scheme, so PlaygroundOrder uses http_url.
//   - country: keel's country, validator's iso3166_1_alpha2; both take the
//     assigned ISO 3166-1 alpha-2 codes in upper case.
//   - past: keel's past on a time; validator's lt without a parameter,
//     which on a time.Time means before now.
//   - pattern: validator has no regular-expression rule (by design), so
//     NewPlaygroundValidator registers postcode and sku, custom rules that
//     match the same anchored expressions as keel's pattern rules.
//   - email: both parse with net/mail; validator also matches its own
//     regular expression, keel checks the length, the angle brackets and
//     that the address is the whole value. They agree on the benchmark's
//     values.
//   - dive: validator checks the items of a slice only when the tag says
//     dive; keel always checks the structs a slice holds.
//
// Both stop at a field's first failing rule, and both count the length of
// a string in characters.

// KeelOrder is the benchmark's request, with keel's `validate` tags.
type KeelOrder struct {
	ID       string      `json:"id" validate:"required,uuid"`
	Customer string      `json:"customer" validate:"required,min=2,max=100"`
	Email    string      `json:"email" validate:"required,email"`
	Note     string      `json:"note" validate:"max=1000"`
	Age      int         `json:"age" validate:"min=18,max=130"`
	Country  string      `json:"country" validate:"required,country"`
	Gift     bool        `json:"gift"`
	PlacedAt time.Time   `json:"placed_at" validate:"required,past"`
	Status   string      `json:"status" validate:"required,oneof=pending paid shipped"`
	Website  string      `json:"website" validate:"omitempty,url"`
	Address  KeelAddress `json:"address"`
	Items    []KeelItem  `json:"items" validate:"required,min=1,max=10"`
}

// KeelAddress is the address of a KeelOrder.
type KeelAddress struct {
	Street     string `json:"street" validate:"required,max=200"`
	City       string `json:"city" validate:"required,max=100"`
	PostalCode string `json:"postal_code" validate:"required,pattern=[0-9]{5}(-[0-9]{4})?"`
	Country    string `json:"country" validate:"required,country"`
}

// KeelItem is a line of a KeelOrder.
type KeelItem struct {
	SKU      string  `json:"sku" validate:"required,pattern=[A-Z]{3}-[0-9]{4}"`
	Quantity int     `json:"quantity" validate:"min=1,max=100"`
	Price    float64 `json:"price" validate:"min=0.01"`
}

// PlaygroundOrder is KeelOrder with go-playground/validator's tags.
type PlaygroundOrder struct {
	ID       string            `json:"id" validate:"required,uuid"`
	Customer string            `json:"customer" validate:"required,min=2,max=100"`
	Email    string            `json:"email" validate:"required,email"`
	Note     string            `json:"note" validate:"max=1000"`
	Age      int               `json:"age" validate:"min=18,max=130"`
	Country  string            `json:"country" validate:"required,iso3166_1_alpha2"`
	Gift     bool              `json:"gift"`
	PlacedAt time.Time         `json:"placed_at" validate:"required,lt"`
	Status   string            `json:"status" validate:"required,oneof=pending paid shipped"`
	Website  string            `json:"website" validate:"omitempty,http_url"`
	Address  PlaygroundAddress `json:"address"`
	Items    []PlaygroundItem  `json:"items" validate:"required,min=1,max=10,dive"`
}

// PlaygroundAddress is the address of a PlaygroundOrder.
type PlaygroundAddress struct {
	Street     string `json:"street" validate:"required,max=200"`
	City       string `json:"city" validate:"required,max=100"`
	PostalCode string `json:"postal_code" validate:"required,postcode"`
	Country    string `json:"country" validate:"required,iso3166_1_alpha2"`
}

// PlaygroundItem is a line of a PlaygroundOrder.
type PlaygroundItem struct {
	SKU      string  `json:"sku" validate:"required,sku"`
	Quantity int     `json:"quantity" validate:"min=1,max=100"`
	Price    float64 `json:"price" validate:"min=0.01"`
}

// The patterns of the postal code and the SKU, as keel's pattern rules
// take them (anchored at both ends) and as the custom rules of
// NewPlaygroundValidator match them.
var (
	postcodePattern = regexp.MustCompile(`^(?:[0-9]{5}(-[0-9]{4})?)$`)
	skuPattern      = regexp.MustCompile(`^(?:[A-Z]{3}-[0-9]{4})$`)
)

// NewPlaygroundValidator returns the validator that checks a
// PlaygroundOrder: validator.New with its required-struct option, the
// postcode and sku rules, and field names taken from the json tags, so
// that an error's namespace names the JSON keys (see PlaygroundPointer).
// Create it once: validator caches what it learns of each type in it.
func NewPlaygroundValidator() (*validator.Validate, error) {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(sf reflect.StructField) string {
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	for name, re := range map[string]*regexp.Regexp{"postcode": postcodePattern, "sku": skuPattern} {
		if err := v.RegisterValidation(name, func(fl validator.FieldLevel) bool {
			return re.MatchString(fl.Field().String())
		}); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// PlaygroundPointer converts the namespace of a validator field error of a
// PlaygroundOrder ("PlaygroundOrder.items[2].sku", as NewPlaygroundValidator
// names fields) to the JSON Pointer keel reports ("/items/2/sku").
func PlaygroundPointer(namespace string) string {
	_, rest, _ := strings.Cut(namespace, ".")
	var b strings.Builder
	for _, seg := range strings.Split(rest, ".") {
		name, index, hasIndex := strings.Cut(seg, "[")
		b.WriteString("/" + name)
		if hasIndex {
			b.WriteString("/" + strings.TrimSuffix(index, "]"))
		}
	}
	return b.String()
}

// OrderPlacedAt is the placed_at of the benchmark orders.
var OrderPlacedAt = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

// ValidKeelOrder returns a valid order with 5 items.
func ValidKeelOrder() KeelOrder {
	o := KeelOrder{
		ID:       "0b9e6c1e-3f5a-4b8e-9c1d-2e3f4a5b6c7d",
		Customer: "Augusta Ada King, Countess of Lovelace",
		Email:    "ada.lovelace@example.com",
		Note: "Please leave the parcel with the concierge if nobody answers the door. " +
			"The building has two entrances: use the one on Baker Street, next to the bakery. " +
			"Deliveries are accepted between 9:00 and 18:00 on weekdays, and until 13:00 on Saturdays. " +
			"Call ahead if the order is larger than one box; the lift is out of service until December. " +
			"Wrap the books separately, and leave the prices off the packing slip: this order is a gift.",
		Age:      36,
		Country:  "GB",
		Gift:     true,
		PlacedAt: OrderPlacedAt,
		Status:   "paid",
		Website:  "https://ada.example.com/profile",
		Address: KeelAddress{
			Street:     "1600 Pennsylvania Avenue NW",
			City:       "Washington",
			PostalCode: "20500-0003",
			Country:    "US",
		},
	}
	for i, price := range []float64{9.99, 24.5, 3.75, 120, 15.25} {
		o.Items = append(o.Items, KeelItem{
			SKU:      "ABC-" + strconv.Itoa(1001+i),
			Quantity: 1 + i,
			Price:    price,
		})
	}
	return o
}

// InvalidKeelOrder returns ValidKeelOrder with four faults, at the
// pointers InvalidPointers lists.
func InvalidKeelOrder() KeelOrder {
	o := ValidKeelOrder()
	o.Email = "ada.lovelace.example.com"
	o.Age = 12
	o.Address.PostalCode = "2050"
	o.Items[2].SKU = "abc-1003"
	return o
}

// InvalidPointers returns the pointers of the faults of InvalidKeelOrder,
// in the order of the fields.
func InvalidPointers() []string {
	return []string{"/email", "/age", "/address/postal_code", "/items/2/sku"}
}

// PlaygroundOrderOf returns o as a PlaygroundOrder.
func PlaygroundOrderOf(o KeelOrder) PlaygroundOrder {
	p := PlaygroundOrder{
		ID: o.ID, Customer: o.Customer, Email: o.Email, Note: o.Note, Age: o.Age, Country: o.Country,
		Gift: o.Gift, PlacedAt: o.PlacedAt, Status: o.Status, Website: o.Website,
		Address: PlaygroundAddress(o.Address),
	}
	for _, it := range o.Items {
		p.Items = append(p.Items, PlaygroundItem(it))
	}
	return p
}

// OrderJSON returns ValidKeelOrder as the compact JSON request body of the
// decode benchmarks, 1,045 bytes long.
func OrderJSON() []byte {
	b, err := json.Marshal(ValidKeelOrder())
	if err != nil {
		panic("bench: " + err.Error()) // a KeelOrder always encodes
	}
	return b
}
