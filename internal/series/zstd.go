package series

import (
	"fmt"
	"runtime"

	"github.com/klauspost/compress/zstd"
)

// newZstd builds the encoder and decoder one Store shares. EncodeAll and DecodeAll are safe
// for concurrent use; concurrency is capped at the core count so a burst of compactions does
// not allocate one window per goroutine, and the low-memory options keep each small, since
// blocks are tens of kilobytes, not megabytes. The decoder's memory cap bounds what a corrupt
// blob can make it allocate.
func newZstd() (*zstd.Encoder, *zstd.Decoder, error) {
	n := min(runtime.GOMAXPROCS(0), 4)
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderConcurrency(n),
		zstd.WithLowerEncoderMem(true),
		zstd.WithEncoderLevel(zstd.SpeedBetterCompression),
		zstd.WithEncoderCRC(false), // the database keeps its own page checksums
		zstd.WithWindowSize(1<<20),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("create zstd encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(n),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxMemory(256<<20),
	)
	if err != nil {
		enc.Close()
		return nil, nil, fmt.Errorf("create zstd decoder: %w", err)
	}
	return enc, dec, nil
}
