package wire

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Compressor owns the zstd state shared by every connection of a process. Both methods are safe
// for concurrent use (zstd EncodeAll/DecodeAll are), so a hub with thousands of agents keeps one.
//
// The encoder and decoder are made on first use: an agent compresses only its hello and the
// occasional large process table and decompresses nothing in practice (the hub's frames are
// small), and each costs memory that counts against the agent's 8 MB budget.
type Compressor struct {
	encOnce, decOnce sync.Once
	enc              *zstd.Encoder
	dec              *zstd.Decoder
	encErr, decErr   error
}

// NewCompressor returns the shared zstd state; see Compressor.
func NewCompressor() (*Compressor, error) { return &Compressor{}, nil }

// encoder is zstd at its fastest level with low-memory settings: frames are small, and the
// fastest level keeps the smallest tables while still compressing repeated strings well.
func (c *Compressor) encoder() (*zstd.Encoder, error) {
	c.encOnce.Do(func() {
		c.enc, c.encErr = zstd.NewWriter(nil,
			zstd.WithEncoderConcurrency(1),
			zstd.WithLowerEncoderMem(true),
			zstd.WithWindowSize(1<<20),
			zstd.WithEncoderLevel(zstd.SpeedFastest))
		if c.encErr != nil {
			c.encErr = fmt.Errorf("create zstd encoder: %w", c.encErr)
		}
	})
	return c.enc, c.encErr
}

// decoder caps windows and memory near the frame limit: a hub holds many connections.
func (c *Compressor) decoder() (*zstd.Decoder, error) {
	c.decOnce.Do(func() {
		c.dec, c.decErr = zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxMemory(MaxDecodedBytes),
			zstd.WithDecoderMaxWindow(MaxDecodedBytes))
		if c.decErr != nil {
			c.decErr = fmt.Errorf("create zstd decoder: %w", c.decErr)
		}
	})
	return c.dec, c.decErr
}

// frame prefixes body with the type and flags bytes, compressing large bodies.
func (c *Compressor) frame(t Type, body []byte) []byte {
	if len(body) > compressThreshold {
		// Without an encoder (it could not be made) the frame goes uncompressed, which
		// every decoder accepts.
		if enc, err := c.encoder(); err == nil {
			out := make([]byte, 2, 2+len(body)/2)
			out[0], out[1] = byte(t), flagZstd
			return enc.EncodeAll(body, out)
		}
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
	if t < TypeHello || t > TypeProbeResults {
		return 0, nil, malformed("unknown message type %d", t)
	}
	switch flags {
	case 0:
		return t, body, nil
	case flagZstd:
		dec, err := c.decoder()
		if err != nil {
			return 0, nil, err
		}
		out, err := dec.DecodeAll(body, nil)
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
