package assess_test

import (
	"testing"

	"github.com/credo-registry/credo/rulebooks"
)

func TestListNative(t *testing.T) {
	books, _ := rulebooks.Books()
	for _, rb := range books {
		for _, d := range rb.Dimensions {
			for _, r := range d.Rules {
				if r.When != nil && !r.When.Native() {
					t.Logf("%s when not native: %s", r.ID, r.When.Source)
				}
				if !r.Points.Native() {
					if _, ok := r.Points.Constant(); !ok {
						t.Logf("%s points not native", r.ID)
					}
				}
			}
			for _, r := range d.Direct {
				if r.When != nil && !r.When.Native() {
					t.Logf("%s when not native: %s", r.ID, r.When.Source)
				}
			}
			for _, r := range d.Caps {
				if !r.When.Native() {
					t.Logf("%s when not native: %s", r.ID, r.When.Source)
				}
			}
			for _, r := range d.Special {
				if !r.When.Native() {
					t.Logf("%s when not native: %s", r.ID, r.When.Source)
				}
			}
			if _, ok := d.Start.Constant(); !ok && !d.Start.Native() {
				t.Logf("%s start not native", d.ID)
			}
		}
	}
}
