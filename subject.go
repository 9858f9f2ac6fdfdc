package credo

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo/division"
	"github.com/credo-registry/credo/uscc"
)

// Subject is an organization's registration data: one version of it. A later
// submission for the same code is a new version; earlier ones are kept.
type Subject struct {
	Code              string        `json:"code"`
	Name              string        `json:"name"`
	ShortName         string        `json:"short_name,omitempty"`   // 简称, as the organization is commonly called
	EnglishName       string        `json:"english_name,omitempty"` // the registered or official English name
	FormerNames       []FormerName  `json:"former_names,omitempty"`
	EntityType        string        `json:"entity_type,omitempty"`
	Division          string        `json:"division,omitempty"`
	LegalForm         string        `json:"legal_form,omitempty"`
	RegisteredCapital *Money        `json:"registered_capital,omitempty"`
	Established       Date          `json:"established,omitzero"`
	Status            Status        `json:"status,omitempty"`
	StatusSince       Date          `json:"status_since,omitzero"`
	Industry          string        `json:"industry,omitempty"`
	Address           string        `json:"address,omitempty"`
	Officers          []Officer     `json:"officers,omitempty"`
	Shareholders      []Shareholder `json:"shareholders,omitempty"`
	// BranchOf is the code of the organization this one is a branch of
	// (分支机构: its 隶属企业), when it is one.
	BranchOf string `json:"branch_of,omitempty"`

	// Set by the registry.
	Version    int    `json:"version,omitempty"`
	Authority  string `json:"authority,omitempty"`
	RecordedAt Time   `json:"recorded_at,omitzero"`
}

// FormerName is a name the organization used before, with its dates: a
// former full name, or (Kind FormerShortName) a former short name.
type FormerName struct {
	Name  string `json:"name"`
	Kind  string `json:"kind,omitempty"` // "" (a full name) or "short_name"
	From  Date   `json:"from,omitzero"`
	Until Date   `json:"until,omitzero"`
}

// FormerShortName is the Kind of a former short name (简称).
const FormerShortName = "short_name"

// Money is an amount in a currency (ISO 4217, CNY when omitted).
type Money struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency,omitempty"`
}

// Status is an organization's registration status.
type Status string

const (
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended"
	StatusRevoked   Status = "revoked"
	StatusCancelled Status = "cancelled"
)

// OfficerRole is the role a natural person holds in an organization.
type OfficerRole string

const (
	RoleLegalRepresentative OfficerRole = "legal_representative"
	RoleDirector            OfficerRole = "director"
	RoleSupervisor          OfficerRole = "supervisor"
	RoleManager             OfficerRole = "manager"
)

// Officer is a person in a role. IDNumber is input only: the registry
// derives PersonKey from it and never stores or returns the number.
type Officer struct {
	Role      OfficerRole `json:"role"`
	Name      string      `json:"name"`
	IDNumber  string      `json:"id_number,omitempty"`
	PersonKey string      `json:"person_key,omitempty"`
}

// Shareholder is an organization (by code) or a person (by name and person
// key) holding Share percent (0-100] of the organization.
type Shareholder struct {
	Type      string  `json:"type"` // "organization" or "person"
	Code      string  `json:"code,omitempty"`
	Name      string  `json:"name"`
	IDNumber  string  `json:"id_number,omitempty"`
	PersonKey string  `json:"person_key,omitempty"`
	Share     float64 `json:"share,omitempty"`
}

// MaxAmount bounds every amount credo accepts (CNY 1 trillion): larger is a
// data error, not a penalty.
const MaxAmount = 1e12

// Normalize fixes what people type (code spacing and width, surrounding
// space) and fills what the code implies (division, entity type, currency).
func (s *Subject) Normalize() {
	s.Code = uscc.Normalize(s.Code)
	s.Name = strings.TrimSpace(s.Name)
	s.ShortName = strings.TrimSpace(s.ShortName)
	s.EnglishName = strings.TrimSpace(s.EnglishName)
	if s.Division == "" && len(s.Code) == 18 {
		s.Division = s.Code[2:8]
	}
	if s.EntityType == "" {
		if d := uscc.Describe(s.Code); d.Valid {
			s.EntityType = d.EntityType
		}
	}
	if s.RegisteredCapital != nil && s.RegisteredCapital.Currency == "" {
		s.RegisteredCapital.Currency = "CNY"
	}
	for i := range s.Shareholders {
		if s.Shareholders[i].Code != "" {
			s.Shareholders[i].Code = uscc.Normalize(s.Shareholders[i].Code)
		}
	}
	if s.BranchOf != "" {
		s.BranchOf = uscc.Normalize(s.BranchOf)
	}
}

// Validate checks registration data as submitted (before person keys are
// derived) at time now. It returns the first problem as an *Error naming
// the field.
func (s *Subject) Validate(now time.Time) error {
	if err := ValidateCode("code", s.Code); err != nil {
		return err
	}
	if err := requireText("name", s.Name, 200); err != nil {
		return err
	}
	if err := optionalText("short_name", s.ShortName, 50); err != nil {
		return err
	}
	if err := optionalText("english_name", s.EnglishName, 300); err != nil {
		return err
	}
	for _, r := range s.EnglishName {
		if r > unicode.MaxLatin1 && !unicode.Is(unicode.Latin, r) && !unicode.IsPunct(r) && !unicode.IsSpace(r) {
			return FieldError("english_name", "format", "must be written in Latin letters")
		}
	}
	for i, f := range s.FormerNames {
		p := indexed("former_names", i)
		if err := requireText(p+".name", f.Name, 200); err != nil {
			return err
		}
		if f.Kind != "" && f.Kind != FormerShortName {
			return FieldError(p+".kind", "enum", "must be short_name or left out (a former full name)")
		}
		if !f.From.IsZero() && !f.Until.IsZero() && f.Until.Before(f.From.Time) {
			return FieldError(p+".until", "order", "until is before from")
		}
	}
	if s.Division != "" && (!division.ValidPrefix(s.Division) || len(s.Division) != 6) {
		return FieldError("division", "format", "must be a 6-digit GB/T 2260 division code")
	}
	if err := optionalText("legal_form", s.LegalForm, 100); err != nil {
		return err
	}
	if m := s.RegisteredCapital; m != nil {
		if err := validAmount("registered_capital.amount", m.Amount); err != nil {
			return err
		}
		if !isCurrency(m.Currency) {
			return FieldError("registered_capital.currency", "format", "must be a 3-letter ISO 4217 code")
		}
	}
	if !s.Established.IsZero() {
		if s.Established.After(now) {
			return FieldError("established", "future", "is in the future")
		}
		if s.Established.Year() < 1800 {
			return FieldError("established", "too_old", "is implausibly old")
		}
	}
	switch s.Status {
	case "", StatusActive, StatusSuspended, StatusRevoked, StatusCancelled:
	default:
		return FieldError("status", "enum", "must be one of active, suspended, revoked, cancelled")
	}
	if !s.StatusSince.IsZero() && s.StatusSince.After(now) {
		return FieldError("status_since", "future", "is in the future")
	}
	if err := optionalText("industry", s.Industry, 20); err != nil {
		return err
	}
	if err := optionalText("address", s.Address, 500); err != nil {
		return err
	}
	if len(s.Officers) > 200 {
		return FieldError("officers", "too_many", "at most 200 officers")
	}
	for i, o := range s.Officers {
		p := indexed("officers", i)
		switch o.Role {
		case RoleLegalRepresentative, RoleDirector, RoleSupervisor, RoleManager:
		case "":
			return FieldError(p+".role", "required", "is required")
		default:
			return FieldError(p+".role", "enum", "must be one of legal_representative, director, supervisor, manager")
		}
		if err := requireText(p+".name", o.Name, 100); err != nil {
			return err
		}
		if err := validPersonRef(p, o.IDNumber, o.PersonKey); err != nil {
			return err
		}
	}
	if len(s.Shareholders) > 10000 {
		return FieldError("shareholders", "too_many", "at most 10000 shareholders")
	}
	var total float64
	for i, h := range s.Shareholders {
		p := indexed("shareholders", i)
		switch h.Type {
		case "organization":
			if err := ValidateCode(p+".code", h.Code); err != nil {
				return err
			}
			if h.IDNumber != "" || h.PersonKey != "" {
				return FieldError(p+".id_number", "not_allowed", "an organization shareholder is named by its code")
			}
			if h.Code == s.Code {
				return FieldError(p+".code", "self", "an organization cannot hold its own shares")
			}
		case "person":
			if h.Code != "" {
				return FieldError(p+".code", "not_allowed", "a person shareholder has no organization code")
			}
			if err := validPersonRef(p, h.IDNumber, h.PersonKey); err != nil {
				return err
			}
		case "":
			return FieldError(p+".type", "required", "is required (organization or person)")
		default:
			return FieldError(p+".type", "enum", "must be organization or person")
		}
		if err := requireText(p+".name", h.Name, 200); err != nil {
			return err
		}
		if h.Share < 0 || h.Share > 100 || math.IsNaN(h.Share) {
			return FieldError(p+".share", "range", "must be a percentage from 0 to 100")
		}
		total += h.Share
	}
	if total > 100.0001 {
		return FieldError("shareholders", "range", "shares add up to more than 100 percent")
	}
	if s.BranchOf != "" {
		if err := ValidateCode("branch_of", s.BranchOf); err != nil {
			return err
		}
		if s.BranchOf == s.Code {
			return FieldError("branch_of", "self", "an organization is not a branch of itself")
		}
	}
	return nil
}

func validPersonRef(path, idNumber, personKey string) error {
	if idNumber != "" && !uscc.IsResidentID(idNumber) && !plausibleForeignID(idNumber) {
		return FieldError(path+".id_number", "format", "is not an identity document number")
	}
	if personKey != "" && !isPersonKey(personKey) {
		return FieldError(path+".person_key", "format", "must be a person key issued by this registry")
	}
	return nil
}

// plausibleForeignID admits passport-style numbers of foreign officers.
func plausibleForeignID(s string) bool {
	if len(s) < 5 || len(s) > 30 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-') {
			return false
		}
	}
	return true
}

// PersonKeyer derives pseudonymous person keys from identity numbers.
type PersonKeyer interface {
	PersonKey(idNumber string) string
}

// Pseudonymize replaces every identity number in s with the person key
// derived from it, so that no number is ever stored.
func (s *Subject) Pseudonymize(k PersonKeyer) {
	for i := range s.Officers {
		if o := &s.Officers[i]; o.IDNumber != "" {
			o.PersonKey, o.IDNumber = k.PersonKey(o.IDNumber), ""
		}
	}
	for i := range s.Shareholders {
		if h := &s.Shareholders[i]; h.IDNumber != "" {
			h.PersonKey, h.IDNumber = k.PersonKey(h.IDNumber), ""
		}
	}
}

// ContentHash identifies the registration content of a version (what the
// authority said, not when or by whom), so resubmitting the same data is
// recognised as a repeat rather than a new version.
func (s *Subject) ContentHash() string {
	c := *s
	c.Version, c.Authority, c.RecordedAt = 0, "", Time{}
	b, _ := json.Marshal(c, json.Deterministic(true))
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

// Organizations only: a code that is a resident identity number is refused
// with this message wherever a subject code is expected.
const organizationsOnly = "credo holds records of organizations only; this is a personal identity number"

// ValidateCode checks that code (already normalized) is a valid Unified
// Social Credit Code, refusing personal identity numbers explicitly.
func ValidateCode(field, code string) error {
	if code == "" {
		return FieldError(field, "required", "is required")
	}
	norm, failure := uscc.Check(code)
	if failure == "" {
		return nil
	}
	if uscc.IsResidentID(norm) {
		return FieldError(field, "person", organizationsOnly)
	}
	return FieldError(field, failure, "is not a valid Unified Social Credit Code (%s check failed)", failure)
}

func requireText(field, v string, max int) error {
	if strings.TrimSpace(v) == "" {
		return FieldError(field, "required", "is required")
	}
	return optionalText(field, v, max)
}

func optionalText(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return FieldError(field, "encoding", "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return FieldError(field, "too_long", "is longer than %d characters", max)
	}
	for _, r := range v {
		if r < 0x20 && r != '\t' && r != '\n' || r == 0x7f {
			return FieldError(field, "control", "contains control characters")
		}
	}
	return NoIdentityNumber(field, v)
}

func validAmount(field string, v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return FieldError(field, "format", "is not a number")
	case v < 0:
		return FieldError(field, "negative", "must not be negative")
	case v > MaxAmount:
		return FieldError(field, "absurd", "is implausibly large (over %.0f)", float64(MaxAmount))
	}
	return nil
}

func isCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

func isPersonKey(k string) bool {
	if len(k) != len("pk_")+32 || !strings.HasPrefix(k, "pk_") {
		return false
	}
	_, err := hex.DecodeString(k[3:])
	return err == nil
}

func indexed(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}
