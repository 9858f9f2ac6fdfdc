package demo

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// Streams keep the random draws of different purposes apart, so that, say,
// a subject's code can be recomputed for a record without replaying the
// draws that made its officers.
const (
	streamCore uint64 = iota + 1
	streamName
	streamDetail
	streamPerson
	streamRecord
	streamDerived
	streamPerm
	streamReport
	streamRelationship
)

// rng is a PCG generator seeded from the configuration's seed, a stream and
// an index: every subject, person and record has its own, which is what
// makes each of them a pure function of (seed, index).
type rng struct{ p rand.PCG }

func newRNG(seed, stream uint64, index int) rng {
	var r rng
	r.p.Seed(mix(seed^stream*0x9e3779b97f4a7c15), mix(uint64(index)+stream<<56))
	return r
}

// mix is the splitmix64 finalizer: adjacent inputs give unrelated outputs.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// intn returns a number in [0, n), n > 0 (multiply-shift; the bias is far
// below anything a demo can show).
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.p.Uint64(), uint64(n))
	return int(hi)
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.intn(hi-lo+1)
}

func (r *rng) between64(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	hi64, _ := bits.Mul64(r.p.Uint64(), uint64(hi-lo+1))
	return lo + int64(hi64)
}

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.p.Uint64()>>11) / (1 << 53) }

func (r *rng) chance(p float64) bool { return r.float() < p }

// norm returns a standard normal deviate (Box-Muller).
func (r *rng) norm() float64 {
	u := 1 - r.float() // (0, 1]
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*r.float())
}

// exp returns an exponential deviate with mean 1.
func (r *rng) exp() float64 { return -math.Log(1 - r.float()) }

// logNormal returns a log-normal value with the given median.
func (r *rng) logNormal(median, sigma float64) float64 {
	return median * math.Exp(sigma*r.norm())
}

// logUniform returns a value between lo and hi, uniform in its logarithm:
// small fines are as common as large ones are rare.
func (r *rng) logUniform(lo, hi float64) float64 {
	return lo * math.Exp(r.float()*math.Log(hi/lo))
}

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

// weighted picks an index by cumulative weights.
func weighted(r *rng, cum []float64) int {
	x := r.float() * cum[len(cum)-1]
	lo, hi := 0, len(cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if cum[m] > x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

func cumulative(weights []float64) []float64 {
	cum := make([]float64, len(weights))
	s := 0.0
	for i, w := range weights {
		s += w
		cum[i] = s
	}
	return cum
}

// roundTo rounds v to a multiple of step (and never to zero).
func roundTo(v, step float64) float64 {
	x := math.Round(v/step) * step
	if x < step {
		x = step
	}
	return x
}

// affine is a bijection of [0, m): i -> (a*i + b) mod m with gcd(a, m) = 1.
// It spreads a counter over a code space, and ranks over subjects, without
// storing anything.
type affine struct{ a, b, inv, m uint64 }

func newAffine(seed uint64, m uint64) affine {
	if m <= 1 {
		return affine{a: 1, inv: 1, m: 1}
	}
	a := seed%m | 1
	for gcd(a, m) != 1 {
		a = (a + 2) % m
		if a == 0 {
			a = 1
		}
	}
	return affine{a: a, b: mix(seed) % m, inv: modInverse(a, m), m: m}
}

func (f affine) apply(i uint64) uint64 {
	hi, lo := bits.Mul64(f.a, i%f.m)
	_, r := bits.Div64(hi%f.m, lo, f.m)
	return (r + f.b) % f.m
}

func (f affine) invert(x uint64) uint64 {
	d := (x%f.m + f.m - f.b) % f.m
	hi, lo := bits.Mul64(f.inv, d)
	_, r := bits.Div64(hi%f.m, lo, f.m)
	return r
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func modInverse(a, m uint64) uint64 {
	// Extended Euclid on signed values; m is far below 2^62 here.
	t, newT := int64(0), int64(1)
	r, newR := int64(m), int64(a%m)
	for newR != 0 {
		q := r / newR
		t, newT = newT, t-q*newT
		r, newR = newR, r-q*newR
	}
	if t < 0 {
		t += int64(m)
	}
	return uint64(t)
}
