package web

// SetMaxScanned lowers how many of the store's matches a search judges.
func SetMaxScanned(s *Server, n int) { s.maxScanned = n }
