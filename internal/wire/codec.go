package wire

import (
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// Compressor owns the zstd state shared by every connection of a process. Both methods are safe
// for concurrent use (zstd EncodeAll/DecodeAll are), so a hub with thousands of agents keeps one.
type Compressor struct {
	enc *zstd.Encoder
	dec *zstd.Decoder
}

// NewCompressor builds the shared zstd state with low-memory settings: frames are small and a
// hub holds many connections, so window sizes are capped near the frame limit.
func NewCompressor() (*Compressor, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderConcurrency(1),
		zstd.WithLowerEncoderMem(true),
		zstd.WithWindowSize(1<<20),
		zstd.WithEncoderLevel(zstd.SpeedDefault))
	if err != nil {
		return nil, fmt.Errorf("create zstd encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxMemory(MaxDecodedBytes),
		zstd.WithDecoderMaxWindow(MaxDecodedBytes))
	if err != nil {
		return nil, fmt.Errorf("create zstd decoder: %w", err)
	}
	return &Compressor{enc: enc, dec: dec}, nil
}

// frame prefixes body with the type and flags bytes, compressing large bodies.
func (c *Compressor) frame(t Type, body []byte) []byte {
	if len(body) > compressThreshold {
		out := make([]byte, 2, 2+len(body)/2)
		out[0], out[1] = byte(t), flagZstd
		return c.enc.EncodeAll(body, out)
	}
	out := make([]byte, 0, 2+len(body))
	return append(append(out, byte(t), 0), body...)
}

// open checks a frame's header and returns its type and (decompressed) body.
func (c *Compressor) open(frame []byte) (Type, []byte, error) {
	if len(frame) > MaxFrameBytes {
		return 0, nil, malformed("frame of %d bytes exceeds limit %d", len(frame), MaxFrameBytes)
	}
	if len(frame) < 2 {
		return 0, nil, malformed("frame of %d bytes is shorter than its header", len(frame))
	}
	t, flags, body := Type(frame[0]), frame[1], frame[2:]
	if t < TypeHello || t > TypeServices {
		return 0, nil, malformed("unknown message type %d", t)
	}
	switch flags {
	case 0:
		return t, body, nil
	case flagZstd:
		out, err := c.dec.DecodeAll(body, nil)
		if err != nil {
			return 0, nil, malformed("zstd body: %v", err)
		}
		if len(out) > MaxDecodedBytes {
			return 0, nil, malformed("decompressed body of %d bytes exceeds limit %d", len(out), MaxDecodedBytes)
		}
		return t, out, nil
	default:
		return 0, nil, malformed("unknown frame flags %#x", flags)
	}
}
