package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Line is one line of NDJSON input. Number counts from 1 and includes blank
// lines, so it matches what an editor shows. TooLong is set, and Data is
// empty, when the line exceeded the reader's limit.
type Line struct {
	Number  int
	Data    []byte
	TooLong bool
}

// ReadLines calls fn for every non-blank line of r. A line longer than max
// bytes is reported with TooLong and skipped without being buffered. fn may
// keep Data only until it returns.
func ReadLines(r io.Reader, max int, fn func(Line) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	n := 0
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if long == nil {
				long = make([]byte, 0, 2*len(chunk))
			}
			if len(long) <= max {
				long = append(long, chunk...)
			}
			continue
		}
		if len(chunk) > 0 || long != nil {
			n++
			data := chunk
			if long != nil {
				data = append(long, chunk...)
				long = nil
			}
			line := Line{Number: n, Data: bytes.TrimSpace(data)}
			if len(data) > max {
				line.Data, line.TooLong = nil, true
			}
			if line.TooLong || len(line.Data) > 0 {
				if ferr := fn(line); ferr != nil {
					return ferr
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
