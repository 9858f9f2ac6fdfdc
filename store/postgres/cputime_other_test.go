//go:build !linux

package postgres_test

import "time"

func processCPU() time.Duration { return 0 }

func backendCPU(uint32) time.Duration { return -1 }
