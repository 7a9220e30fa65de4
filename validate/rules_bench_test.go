package validate_test

import (
	"testing"

	"github.com/keel-go/keel/validate"
)

type benchUser struct {
	ID       string                    `json:"id" validate:"required,uuid"`
	Name     string                    `json:"name" validate:"required,min=3,max=50"`
	Email    string                    `json:"email" validate:"required,email"`
	Website  string                    `json:"website" validate:"omitempty,url"`
	Phone    string                    `json:"phone" validate:"e164"`
	Age      int                       `json:"age" validate:"min=18,max=130"`
	Country  string                    `json:"country" validate:"country"`
	Currency string                    `json:"currency" validate:"currency"`
	Role     string                    `json:"role" validate:"oneof=admin member"`
	Nick     validate.Optional[string] `json:"nick" validate:"max=20"`
	Address  rAddress                  `json:"address"`
	Items    []rItem                   `json:"items" validate:"min=1,max=10"`
}

func BenchmarkCheck(b *testing.B) {
	u := benchUser{ID: "0b9e6c1e-3f5a-4b8e-9c1d-2e3f4a5b6c7d", Name: "Ada Lovelace", Email: "ada@example.com",
		Website: "https://example.com", Phone: "+14155550100", Age: 36, Country: "GB", Currency: "GBP", Role: "admin",
		Nick: validate.Some("ada"), Address: rAddress{"1 Main St", "London"}}
	for range 5 {
		u.Items = append(u.Items, rItem{"ABC-123", 2})
	}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := validate.Check(ctx, &u); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStruct(b *testing.B) {
	u := benchUser{ID: "0b9e6c1e-3f5a-4b8e-9c1d-2e3f4a5b6c7d", Name: "Ada Lovelace", Email: "ada@example.com",
		Website: "https://example.com", Phone: "+14155550100", Age: 36, Country: "GB", Currency: "GBP", Role: "admin",
		Nick: validate.Some("ada"), Address: rAddress{"1 Main St", "London"}}
	for range 5 {
		u.Items = append(u.Items, rItem{"ABC-123", 2})
	}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		err := validate.Struct(ctx, &u,
			validate.Field(&u.ID, validate.Required[string](), validate.UUID()),
			validate.Field(&u.Name, validate.Required[string](), validate.Length(3, 50)),
			validate.Field(&u.Email, validate.Required[string](), validate.Email()),
			validate.Field(&u.Website, validate.URL()),
			validate.Field(&u.Phone, validate.E164()),
			validate.Field(&u.Age, validate.Min(18), validate.Max(130)),
			validate.Field(&u.Country, validate.Country()),
			validate.Field(&u.Currency, validate.Currency()),
			validate.Field(&u.Role, validate.OneOf("admin", "member")),
			validate.OptionalField(&u.Nick, validate.Length(-1, 20)),
			validate.Field(&u.Address.City, validate.Required[string]()),
			validate.Items(&u.Items, func(it *rItem) []validate.FieldRule {
				return []validate.FieldRule{validate.Field(&it.Qty, validate.Min(1))}
			}),
		)
		if err != nil {
			b.Fatal(err)
		}
	}
}
