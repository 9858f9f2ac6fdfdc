package sqlite_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/uscc"
)

// workload generates realistic record batches: many organizations, a few
// authorities each numbering its decisions in sequence, decisions spread
// over five years, 1% corrections of an earlier decision of the batch.
type workload struct {
	rng      *rand.Rand
	codes    []string
	seq      map[string]int
	recorded credo.Time
}

var benchAuthorities = []string{
	"samr-440300", "samr-310000", "samr-110000", "tax-440300", "tax-310000",
	"mee-440300", "customs-5300", "court-440305", "mem-320500", "nmpa-330100",
}

var descriptions = []string{
	"生产、销售不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品",
	"未按规定公示年度报告，隐瞒真实情况、弄虚作假",
	"超标排放大气污染物，未采取有效措施防治扬尘污染",
	"未按照规定期限办理纳税申报和报送纳税资料",
	"在食品中添加非食品用化学物质，经营超过保质期的食品",
}

func newWorkload(organizations int) *workload {
	w := &workload{rng: rand.New(rand.NewPCG(1, 2)), seq: map[string]int{},
		recorded: credo.NewTime(time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC))}
	divisions := []string{"440300", "440305", "310115", "110105", "320505", "330106", "340603", "620105"}
	for i := range organizations {
		code, err := uscc.Build('9', '1', divisions[i%len(divisions)], fmt.Sprintf("%08d", 10000000+i*7))
		if err != nil {
			panic(err)
		}
		w.codes = append(w.codes, code)
	}
	return w
}

// batch returns n new records.
func (w *workload) batch(n int) []*credo.Record {
	out := make([]*credo.Record, 0, n)
	start := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	for range n {
		auth := benchAuthorities[w.rng.IntN(len(benchAuthorities))]
		w.seq[auth]++
		ext := fmt.Sprintf("%s-%09d", auth, w.seq[auth])
		amount := float64(1000 * (1 + w.rng.IntN(500)))
		r := &credo.Record{
			Subject: w.codes[w.rng.IntN(len(w.codes))], Authority: auth, Category: "market", Kind: "penalty",
			ExternalID:     ext,
			DecisionNumber: fmt.Sprintf("深市监罚〔2025〕%d号", w.seq[auth]),
			LegalBasis:     "《中华人民共和国产品质量法》第四十九条",
			Description:    descriptions[w.rng.IntN(len(descriptions))],
			Severity:       "general",
			PenaltyTypes:   []string{"warning", "fine"},
			Amount:         &amount,
			Currency:       "CNY",
			OccurredAt:     credo.NewTime(start.Add(time.Duration(w.rng.Int64N(int64(5 * 365 * 24 * time.Hour)))).Truncate(time.Second)),
			RecordedAt:     w.recorded,
		}
		if len(out) > 0 && w.rng.IntN(100) == 0 {
			// A correction of an earlier decision of the batch.
			prev := out[w.rng.IntN(len(out))]
			r.Subject, r.Authority = prev.Subject, prev.Authority
			w.seq[auth]--
			w.seq[prev.Authority]++
			r.ExternalID = fmt.Sprintf("%s-%09d", prev.Authority, w.seq[prev.Authority])
			r.Kind, r.PenaltyTypes, r.SupersedesExternalID = "correction", nil, prev.ExternalID
		}
		out = append(out, r)
	}
	return out
}
