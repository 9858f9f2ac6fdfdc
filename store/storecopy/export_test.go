package storecopy

// SetBatchSize sets how many items a copy moves at a time, returning a
// function that restores the default.
func SetBatchSize(n int) (restore func()) {
	old := batchSize
	batchSize = n
	return func() { batchSize = old }
}
