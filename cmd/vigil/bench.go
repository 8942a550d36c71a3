package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/vigil-mon/vigil/internal/series"
)

// runBenchCodec encodes a CSV recording (timestamp_ms,series,value) with the series store's
// codec and prints how compact it is, so anyone can judge the format on their own data.
func runBenchCodec(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vigil bench codec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	input := fs.String("input", "", "CSV file with columns timestamp_ms,series,value (- for standard input)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *input == "" {
		fmt.Fprintln(stderr, "vigil bench codec: --input is required")
		return errUsage
	}
	r := stdin
	if *input != "-" {
		f, err := os.Open(*input)
		if err != nil {
			return fmt.Errorf("open recording: %w", err)
		}
		defer f.Close()
		r = f
	}
	st, err := series.CodecReport(r)
	if err != nil {
		return fmt.Errorf("encode %s: %w", *input, err)
	}
	fmt.Fprintf(stdout, "samples         %d\nseries          %d\nbytes           %d\nbytes/sample    %.3f\n",
		st.Samples, st.Series, st.Bytes, st.BytesPerSample)
	return nil
}
