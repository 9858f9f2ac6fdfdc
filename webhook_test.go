package credo_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// SortWebhookResults leaves each endpoint's FailingSince as storing the
// results one after the other would: cleared by a success that came
// last, set by the first failure after the last success (whatever it
// was), or by the first failure only when unset where no success came.
func TestSortWebhookResults(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	fail := func(delivery, hook int64, at time.Time) credo.WebhookResult {
		return credo.WebhookResult{Delivery: delivery, Webhook: hook, Attempts: 1, FirstFailedAt: at, NextAt: at.Add(time.Minute), Status: 500, Error: "answered 500", At: at}
	}
	o := credo.SortWebhookResults([]credo.WebhookResult{
		fail(1, 10, at), {Delivery: 2, Webhook: 10, Delivered: true}, // 10: the success came last
		{Delivery: 3, Webhook: 20, Delivered: true}, fail(4, 20, at.Add(time.Second)), fail(5, 20, at.Add(2*time.Second)), // 20: failing since 4
		fail(6, 30, at.Add(3*time.Second)), fail(7, 30, at.Add(4*time.Second)), // 30: no success, since 6 unless failing already
		{Delivery: 8, Webhook: 40, Released: true}, // 40: given back, no state
	})
	want := credo.WebhookOutcomes{
		Delivered: []int64{2, 3},
		Released:  []int64{8},
		Failed:    []credo.WebhookResult{fail(1, 10, at), fail(4, 20, at.Add(time.Second)), fail(5, 20, at.Add(2*time.Second)), fail(6, 30, at.Add(3*time.Second)), fail(7, 30, at.Add(4*time.Second))},
		Clear:     []int64{10},
		Failing:   []credo.WebhookFailing{{Webhook: 20, At: at.Add(time.Second), Reset: true}, {Webhook: 30, At: at.Add(3 * time.Second)}},
	}
	if !reflect.DeepEqual(o, want) {
		t.Fatalf("got  %+v\nwant %+v", o, want)
	}
	if o := credo.SortWebhookResults(nil); !reflect.DeepEqual(o, credo.WebhookOutcomes{}) {
		t.Fatalf("no results: %+v", o)
	}
}
