package search_test

import (
	"testing"

	"github.com/credo-registry/credo/search"
)

// BenchmarkIndexPut indexes the 2,000 companies of the names data.
func BenchmarkIndexPut(b *testing.B) {
	companies := loadCompanies(b)
	search.Parse("北京國際（深圳）有限公司")
	b.ResetTimer()
	for b.Loop() {
		ix := search.NewIndex()
		ix.Put(companies...)
	}
}

// BenchmarkFind searches the variants of the names data.
func BenchmarkFind(b *testing.B) {
	ix := search.NewIndex()
	ix.Put(loadCompanies(b)...)
	var queries []string
	for _, v := range readTSV(b, "testdata/names/variants-dev.tsv") {
		queries = append(queries, v[0])
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		ix.Find(search.Query{Q: queries[i%len(queries)], Limit: 10})
		i++
	}
}
