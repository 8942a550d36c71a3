package trim

import (
	"os"
	"runtime"
	"testing"
)

// TestCodeDropsPages runs Code on this test binary: its resident file-backed memory must fall,
// and the program must go on running (the pages come back from the file on use).
func TestCodeDropsPages(t *testing.T) {
	if runtime.GOOS != "linux" {
		res, err := Code()
		if err != ErrUnsupported {
			t.Fatalf("Code on %s: got %+v, %v; want ErrUnsupported", runtime.GOOS, res, err)
		}
		return
	}
	res, err := Code()
	if err != nil {
		t.Fatal(err)
	}
	if res.Mappings < 1 || res.Bytes <= 0 {
		t.Errorf("got %d mappings of %d bytes, want at least one", res.Mappings, res.Bytes)
	}
	if res.RSSBefore <= 0 || res.RSSAfter >= res.RSSBefore {
		t.Errorf("resident file-backed bytes: got %d before and %d after, want fewer after", res.RSSBefore, res.RSSAfter)
	}
	// Code and read-only data must still be readable after the drop.
	if _, err := os.ReadFile("/proc/self/status"); err != nil {
		t.Fatal(err)
	}
	again, err := Code()
	if err != nil {
		t.Fatalf("second Code: %v", err)
	}
	if again.Mappings != res.Mappings {
		t.Errorf("second Code: got %d mappings, want %d", again.Mappings, res.Mappings)
	}
	t.Logf("dropped %d mappings (%d bytes); RssFile %d → %d bytes", res.Mappings, res.Bytes, res.RSSBefore, res.RSSAfter)
}
