package dueprocess_test

import (
	"errors"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
)

// FuzzRequests decodes the bodies of listing decisions, objections and
// repairs, their decisions and ends: refused with an *Error that names the
// field, or decoded into a request that encodes and decodes to itself.
// The seeds are the README's and the tests' requests.
func FuzzRequests(f *testing.F) {
	for _, s := range []string{
		`{"list":"serious-dishonesty","subject":"91310112087994932F","legal_basis":"《严重违法失信名单管理办法》第二条","decision_number":"沪市监信〔2026〕1号","reasons":["一年内三次被处罚"],"decided_at":"2026-06-01","term":"3y"}`,
		`{"list":"abnormal-operations","subject":"91310112087994932F","reasons":"未按期公示年报","term":1095,"until":"2029-06-01T00:00:00+08:00"}`,
		`{"target":{"kind":"list_entry","id":7203},"reasons":"处罚决定已被复议机关撤销，列入依据不存在","attachments":[{"name":"行政复议决定书.pdf","media_type":"application/pdf","data":"JVBERi0xLjcK"}]}`,
		`{"record":12,"reasons":["已整改"],"evidence":"整改报告.pdf","commitment":true}`,
		`{"outcome":"retracted","reasons":"经核查，列入所依据的处罚决定已被撤销"}`,
		`{"decision":"corrected","correction":{"subject":"91310112087994932F","category":"market","kind":"penalty","external_id":"X-2","occurred_at":"2026-01-01"}}`,
		`{"reason":"revoked","note":"依复议决定"}`,
		`{"attachments":[1]}`, `{"term":-5}`, `{"reasons":null}`,
	} {
		for kind := range byte(4) {
			f.Add(kind, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, kind byte, data []byte) {
		switch kind % 4 {
		case 0:
			requestRoundTrip(t, data, new(dueprocess.ListRequest), new(dueprocess.ListRequest))
		case 1:
			requestRoundTrip(t, data, new(dueprocess.CaseRequest), new(dueprocess.CaseRequest))
		case 2:
			requestRoundTrip(t, data, new(dueprocess.DecisionRequest), new(dueprocess.DecisionRequest))
		case 3:
			requestRoundTrip(t, data, new(dueprocess.EndRequest), new(dueprocess.EndRequest))
		}
	})
}

func requestRoundTrip[T any](t *testing.T, data []byte, v, fresh *T) {
	t.Helper()
	if err := credo.Decode(data, v); err != nil {
		var e *credo.Error
		if !errors.As(err, &e) || (e.Code != credo.EINVALID && e.Code != credo.EMALFORMED) || e.Reason == "" {
			t.Fatalf("Decode(%q): %#v", data, err)
		}
		return
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%q decoded but does not encode: %v", data, err)
	}
	if err := credo.Decode(out, fresh); err != nil {
		t.Fatalf("%q decoded, encoded as %s, which does not decode: %v", data, out, err)
	}
	if again, _ := json.Marshal(fresh); string(again) != string(out) {
		t.Fatalf("%q: encodings differ:\n%s\n%s", data, out, again)
	}
}
