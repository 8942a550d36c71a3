package series

import (
	"os"
	"testing"
)

// TestRealRecording encodes testdata/recording.csv — this project's agent collectors recording a
// real machine for 12 minutes at 1 s through idle, compiling and pgbench phases (made with
// `bash bench/record/run.sh`) — and holds the codec to DESIGN.md's budget of ≤ 1.0 byte per
// sample on real host data. Sizes are deterministic, so this is a test, not a timing.
func TestRealRecording(t *testing.T) {
	f, err := os.Open("testdata/recording.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := CodecReport(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d samples of %d series: %d bytes, %.3f B/sample", st.Samples, st.Series, st.Bytes, st.BytesPerSample)
	if st.Samples < 40000 {
		t.Fatalf("got %d samples, want the whole recording", st.Samples)
	}
	if st.BytesPerSample > 1.0 {
		t.Errorf("got %.3f B/sample, want ≤ 1.0", st.BytesPerSample)
	}
}
