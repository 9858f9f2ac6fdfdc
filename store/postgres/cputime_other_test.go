//go:build !linux

package postgres_test

import "time"

func processCPU() time.Duration { return 0 }

func parentPID(int) int { return 0 }

func serverCPU(int) time.Duration { return 0 }
