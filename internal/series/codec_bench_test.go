package series

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// codecCase is one data set for the codec benchmarks: a 2-hour window of 10-second snapshots
// (the store's raw block) of 150 series.
type codecCase struct {
	name  string
	block *block
	scale func(uint32) int8
}

func codecCases() []codecCase {
	rng := rand.New(rand.NewPCG(7, 7))
	return []codecCase{
		{"hostlike", hostLikeBlock(rng, 720, 150, 10_000), hostLikeScale},
		{"noisy", noisyBlock(rng, 720, 150, 10_000), func(uint32) int8 { return -1 }},
	}
}

func samplesOf(b *block) int {
	n := 0
	for i := range b.cols {
		n += b.cols[i].presentCount(len(b.times))
	}
	return n
}

// BenchmarkCodecEncode measures block encoding plus zstd and reports bytes per sample.
//
//	go test ./internal/series -run XXX -bench BenchmarkCodec -benchtime 2s
func BenchmarkCodecEncode(b *testing.B) {
	enc, dec := newCompressors(b)
	_ = dec
	for _, c := range codecCases() {
		b.Run(c.name, func(b *testing.B) {
			n := samplesOf(c.block)
			var buf, out []byte
			for b.Loop() {
				buf = appendBlock(buf[:0], c.block, c.scale)
				out = enc.EncodeAll(buf, out[:0])
			}
			b.ReportMetric(float64(len(out))/float64(n), "B/sample")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Msamples/s")
		})
	}
}

// BenchmarkCodecDecode measures zstd plus block decoding of every column.
func BenchmarkCodecDecode(b *testing.B) {
	enc, dec := newCompressors(b)
	for _, c := range codecCases() {
		b.Run(c.name, func(b *testing.B) {
			n := samplesOf(c.block)
			z := enc.EncodeAll(appendBlock(nil, c.block, c.scale), nil)
			var raw []byte
			for b.Loop() {
				var err error
				raw, err = dec.DecodeAll(z, raw[:0])
				if err != nil {
					b.Fatal(err)
				}
				if _, err := parseBlock(raw, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Msamples/s")
		})
	}
}

func newCompressors(tb testing.TB) (*zstd.Encoder, *zstd.Decoder) {
	enc, dec, err := newZstd()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { enc.Close(); dec.Close() })
	return enc, dec
}

func TestCodecSizes(t *testing.T) {
	enc, _ := newCompressors(t)
	for _, c := range codecCases() {
		raw := appendBlock(nil, c.block, c.scale)
		z := enc.EncodeAll(raw, nil)
		t.Log(fmt.Sprintf("%s: %d samples, %d raw bytes, %d zstd bytes, %.3f B/sample",
			c.name, samplesOf(c.block), len(raw), len(z), float64(len(z))/float64(samplesOf(c.block))))
	}
}
