package division

import "slices"

// Counties returns all county-level (6-digit) divisions sorted by code. The
// slice is the caller's to modify.
func Counties() []Division {
	return slices.Clone(table().counties)
}

// Provinces returns all provinces sorted by code. The slice is the caller's
// to modify.
func Provinces() []Division {
	return slices.Clone(table().provinces)
}

// Cities returns all prefecture-level (4-digit) divisions sorted by code,
// placeholders such as "市辖区" included. The slice is the caller's to modify.
func Cities() []Division {
	return slices.Clone(table().cities)
}
