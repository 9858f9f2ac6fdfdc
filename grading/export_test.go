package grading

// SetWholeGraphFrom sets from how many organizations RegradePartners
// computes partners over the whole graph, and returns what restores it.
func SetWholeGraphFrom(n int) (restore func()) {
	was := wholeGraphFrom
	wholeGraphFrom = n
	return func() { wholeGraphFrom = was }
}
