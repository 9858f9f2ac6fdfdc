package credo_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

// Seeds: the README's record, the tests' records and subjects.
var (
	recordSeeds = []string{
		validRecord(),
		`{"subject":"914403001922038216","category":"market","kind":"penalty",
		  "external_id":"SZ-MKT-2026-00017","decision_number":"深市监处〔2026〕17号",
		  "legal_basis":"《中华人民共和国广告法》第五十五条","description":"发布虚假广告",
		  "severity":"general","penalty_types":["fine"],"amount":200000,"occurred_at":"2026-10-14"}`,
		`{"subject":"91310112087994932F","category":"tax","kind":"absconded","external_id":"SH-TAX-1",
		  "decision_number":"沪税稽〔2026〕1号","legal_basis":"《中华人民共和国税收征收管理法》","occurred_at":"2026-06-01T08:00:00+08:00",
		  "tax_due":1234.5,"valid_until":"2029-06-01","supersedes_external_id":"SH-TAX-0"}`,
		`{"subject":"11010519491231002X","category":"market","kind":"penalty","external_id":"X","occurred_at":"2025-03-14"}`,
		`{"subject":"91110000600037341L","amount":"lots"}`,
		`{"subject":"91110000600037341L","subject":"x"}`,
		`{"penalty_types":[1]}`,
	}
	subjectSeeds = []string{
		`{"code":"9111 0000 6000 3734 1l","name":"北京某某科技有限公司","established":"2016-05-20",
		 "status":"active","legal_form":"有限责任公司","industry":"I6510",
		 "registered_capital":{"amount":1000000,"currency":"CNY"},"address":"北京市朝阳区…",
		 "former_names":[{"name":"北京某某网络有限公司","from":"2016-05-20","until":"2019-01-01"}],
		 "officers":[{"role":"legal_representative","name":"张某","id_number":"11010519491231002X"}],
		 "shareholders":[{"type":"organization","code":"91152201078377449P","name":"内蒙古某公司","share":60},
		                 {"type":"person","name":"张某","id_number":"11010519491231002X","share":40}]}`,
		`{"code":"914403001922038216","name":"华为技术有限公司","established":"1987-09-15","status":"active"}`,
		`{"code":"91110000600037341L","officers":[{"role":"boss"}]}`,
	}
)

// checkDecodeError holds every decoding failure to the contract of Decode:
// an *Error, EINVALID or EMALFORMED, with a reason.
func checkDecodeError(t *testing.T, data []byte, err error) {
	t.Helper()
	var e *credo.Error
	if !errors.As(err, &e) {
		t.Fatalf("Decode(%q): %T %v, want *credo.Error", data, err, err)
	}
	if (e.Code != credo.EINVALID && e.Code != credo.EMALFORMED) || e.Reason == "" || e.Message == "" {
		t.Fatalf("Decode(%q): %#v", data, e)
	}
}

// FuzzDecodeRecord: a record is decoded strictly, or refused with a field
// error; what decodes encodes and decodes again to the same record; and
// Normalize and Validate neither panic nor change their minds on a
// second pass.
func FuzzDecodeRecord(f *testing.F) {
	for _, s := range recordSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := new(credo.Record)
		if err := credo.Decode(data, r); err != nil {
			checkDecodeError(t, data, err)
			return
		}
		back := new(credo.Record)
		roundTrip(t, data, r, back)
		// A record sent again as the registry wrote it is the same content
		// (resubmission is idempotent by this hash).
		if r.ContentHash() != back.ContentHash() {
			t.Fatalf("%q: content hash changed by a round trip", data)
		}
		r.Normalize()
		err := r.Validate(now)
		again := *r
		again.Normalize()
		if !reflect.DeepEqual(&again, r) {
			t.Fatalf("Normalize is not idempotent: %+v then %+v", r, &again)
		}
		if err2 := again.Validate(now); (err == nil) != (err2 == nil) {
			t.Fatalf("Validate changed its mind: %v then %v", err, err2)
		}
		if err != nil {
			checkFieldError(t, err)
		}
	})
}

// FuzzDecodeSubject is FuzzDecodeRecord for registration data.
func FuzzDecodeSubject(f *testing.F) {
	for _, s := range subjectSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := new(credo.Subject)
		if err := credo.Decode(data, s); err != nil {
			checkDecodeError(t, data, err)
			return
		}
		roundTrip(t, data, s, new(credo.Subject))
		s.Normalize()
		err := s.Validate(now)
		if err != nil {
			checkFieldError(t, err)
		}
	})
}

// checkFieldError: Validate's refusals are EINVALID *Errors naming a field
// and a reason.
func checkFieldError(t *testing.T, err error) {
	t.Helper()
	var e *credo.Error
	if !errors.As(err, &e) || e.Code != credo.EINVALID || e.Field == "" || e.Reason == "" {
		t.Fatalf("Validate: %#v, want an EINVALID error with a field and a reason", err)
	}
}

// roundTrip encodes v, decodes the result into fresh, and wants the same
// encoding again. (Encodings are compared, not values: an empty list and
// an absent one are the same record.)
func roundTrip[T any](t *testing.T, data []byte, v, fresh *T) {
	t.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%q decoded but does not encode: %v", data, err)
	}
	if err := credo.Decode(out, fresh); err != nil {
		t.Fatalf("%q decoded, encoded as %s, which does not decode: %v", data, out, err)
	}
	again, err := json.Marshal(fresh)
	if err != nil || string(again) != string(out) {
		t.Fatalf("%q: decode→encode→decode→encode differs:\n%s\n%s", data, out, again)
	}
}

// FuzzParseTime: what ParseTime accepts, its String parses back to the
// same instant; ParseDate of the same input is that instant's civil date
// in the input's offset; and both agree on what they refuse.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-10-14", "2026-10-14T00:00:00Z", "2026-10-14T08:00:00+08:00", "2026-10-14T23:59:59.999999999-12:00",
		"0001-01-01", "9999-12-31T23:59:59Z", " 2026-02-29", "2026-13-01", "2026-10-14T24:00:00Z", "", "now"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := credo.ParseTime(s)
		d, derr := credo.ParseDate(s)
		if (err == nil) != (derr == nil) {
			t.Fatalf("%q: ParseTime %v, ParseDate %v", s, err, derr)
		}
		if err != nil {
			return
		}
		if tm.Location() != time.UTC || d.Location() != time.UTC || d.Hour() != 0 || d.Minute() != 0 || d.Second() != 0 || d.Nanosecond() != 0 {
			t.Fatalf("%q: time %v, date %v, want UTC and midnight", s, tm, d)
		}
		if tm.IsZero() {
			return // written as null
		}
		back, err := credo.ParseTime(tm.String())
		if err != nil || !back.Equal(tm.Time) {
			t.Fatalf("%q → %s → %v, %v", s, tm, back, err)
		}
		dback, err := credo.ParseDate(d.String())
		if err != nil || !dback.Equal(d.Time) {
			t.Fatalf("%q → date %s → %v, %v", s, d, dback, err)
		}
		var viaJSON struct {
			T credo.Time `json:"t"`
			D credo.Date `json:"d"`
		}
		js, _ := json.Marshal(map[string]string{"t": s, "d": s})
		if err := credo.Decode(js, &viaJSON); err != nil || !viaJSON.T.Equal(tm.Time) || !viaJSON.D.Equal(d.Time) {
			t.Fatalf("%s: %+v, %v; want %v and %v", js, viaJSON, err, tm, d)
		}
	})
}

// Found by FuzzParseTime: a date's JSON string was read without undoing
// its escapes, so "\u0032025-03-14" (2025-03-14) and "\n2025-03-14" were
// refused, or read otherwise than ParseTime reads the same text.
func TestDateJSONEscapes(t *testing.T) {
	var v struct {
		T credo.Time `json:"t"`
		D credo.Date `json:"d"`
	}
	if err := credo.Decode([]byte(`{"t":"\u0032025-03-14T08:00:00+08:00","d":"\n2025-03-14"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.T.String() != "2025-03-14T00:00:00Z" || v.D.String() != "2025-03-14" {
		t.Fatalf("got %s and %s", v.T, v.D)
	}
	if err := credo.Decode([]byte(`{"t":"2025-03-14\u0000"}`), &v); err == nil {
		t.Fatal("a NUL after the date was accepted")
	}
}
