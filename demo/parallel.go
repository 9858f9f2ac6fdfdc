package demo

import (
	"runtime"
	"sync"
)

// chunkSize is how many items a worker makes at a time.
const chunkSize = 1024

// inOrder calls fn with gen(s, 0) … gen(s, n-1) in order, from the
// calling goroutine, stopping at fn's first error. Since every item is a
// pure function of its index, workers make chunks of them concurrently,
// each with its own state from newState; at most a few chunks per worker
// are ever held, so memory does not grow with n.
func inOrder[S, T any](n int, newState func() S, gen func(S, int) T, fn func(T) error) error {
	workers := min(runtime.GOMAXPROCS(0), (n+chunkSize-1)/chunkSize)
	if workers <= 1 {
		s := newState()
		for i := range n {
			if err := fn(gen(s, i)); err != nil {
				return err
			}
		}
		return nil
	}

	chunks := (n + chunkSize - 1) / chunkSize
	done := make(chan struct{})
	outs := make([]chan []T, workers)
	var wg sync.WaitGroup
	for w := range workers {
		outs[w] = make(chan []T, 2)
		wg.Go(func() {
			s := newState()
			for k := w; k < chunks; k += workers {
				lo, hi := k*chunkSize, min(n, (k+1)*chunkSize)
				batch := make([]T, 0, hi-lo)
				for i := lo; i < hi; i++ {
					batch = append(batch, gen(s, i))
				}
				select {
				case outs[w] <- batch:
				case <-done:
					return
				}
			}
		})
	}
	defer func() {
		close(done)
		wg.Wait()
	}()
	for k := range chunks {
		for _, item := range <-outs[k%workers] {
			if err := fn(item); err != nil {
				return err
			}
		}
	}
	return nil
}
