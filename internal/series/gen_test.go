package series

import (
	"math"
	"math/rand/v2"
)

// hostLikeBlock generates n snapshots of ncols series every interval ms (with a few ms of
// ticker jitter) that behave like an agent's values (docs/metrics.md): percentages with two
// decimals wandering around a level, byte gauges that move in pages, nearly constant
// filesystem sizes, bursty integer rates, monotonically rising uptime, one-decimal
// temperatures. Column i's kind is i % 8, so any prefix of columns is a realistic mix.
func hostLikeBlock(rng *rand.Rand, n, ncols int, interval int64) *block {
	b := &block{times: make([]int64, n)}
	t := int64(1_750_000_000_000)
	for i := range b.times {
		b.times[i] = t + rng.Int64N(15)
		t += interval
	}
	for c := 0; c < ncols; c++ {
		col := column{id: uint32(c), values: make([]float64, n)}
		level := rng.Float64() * 60
		bytes := float64(rng.Int64N(1<<34)) * 4096
		for i := range col.values {
			var v float64
			switch c % 8 {
			case 0: // cpu-like percentage, 2 decimals
				level = math.Min(100, math.Max(0, level+rng.NormFloat64()*1.5))
				v = math.Round(level*100) / 100
			case 1: // memory bytes moving by pages
				bytes += float64(rng.Int64N(64)-32) * 4096
				v = bytes
			case 2: // filesystem bytes: mostly constant
				if rng.IntN(20) == 0 {
					bytes += float64(rng.Int64N(16)) * 4096
				}
				v = bytes
			case 3: // network bytes/s: bursty integers
				v = math.Round(math.Abs(rng.NormFloat64()) * 20_000 * (1 + level))
			case 4: // uptime seconds
				v = float64(86_400 + i*int(interval/1000))
			case 5: // temperature, 1 decimal
				level = 40 + math.Mod(level+rng.NormFloat64()*0.2, 20)
				v = math.Round(level*10) / 10
			case 6: // mostly-idle error rate
				if rng.IntN(50) == 0 {
					v = math.Round(rng.Float64()*500) / 100
				}
			default: // load average, 2 decimals, smooth
				level = math.Max(0, level*0.98+rng.Float64()*0.1)
				v = math.Round(level*100) / 100
			}
			col.values[i] = v
		}
		b.cols = append(b.cols, col)
	}
	return b
}

// hostLikeScale is the scale the store would use for hostLikeBlock's columns.
func hostLikeScale(id uint32) int8 {
	switch id % 8 {
	case 1, 2, 3, 4:
		return 0
	case 5:
		return 1
	default:
		return 2
	}
}

// noisyBlock is the worst case: full-precision random-walk gauges that no decimal scale
// captures, the "noisy gauges" Prometheus's 7.3 B/sample figure refers to.
func noisyBlock(rng *rand.Rand, n, ncols int, interval int64) *block {
	b := &block{times: make([]int64, n)}
	for i := range b.times {
		b.times[i] = 1_750_000_000_000 + int64(i)*interval
	}
	for c := 0; c < ncols; c++ {
		col := column{id: uint32(c), values: make([]float64, n)}
		v := rng.Float64() * 1000
		for i := range col.values {
			v += rng.NormFloat64()
			col.values[i] = v
		}
		b.cols = append(b.cols, col)
	}
	return b
}
