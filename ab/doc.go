// Package ab runs A/B comparisons of allocator configurations as interleaved child benchmarks
// and judges them with Mann-Whitney statistics that also know which allocator paths actually ran.
package ab
