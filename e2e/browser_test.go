package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts Debian's Chromium headless with a fresh profile. Outside CI a machine without
// Chromium skips the browser tests; in CI (CI=true) that is a failure, so they cannot silently
// stop running.
func browser(t *testing.T, width, height int) context.Context {
	t.Helper()
	return browserFor(t, width, height, 90*time.Second)
}

// browserFor is browser with a longer life, for benchmarks.
func browserFor(t *testing.T, width, height int, timeout time.Duration) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed; CI must run the browser tests")
		}
		t.Skip("chromium not installed (scripts/test.sh installs it)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// screenshot saves the page under $VIGIL_ARTIFACTS (default ../artifacts/screenshots) so CI can
// keep what the browser saw.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("VIGIL_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "artifacts", "screenshots")
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
}

func sel(id string) string { return `[data-testid="` + id + `"]` }

func css(id string) chromedp.CSS { return chromedp.CSS(sel(id)) }

// TestBrowserLoginOverviewHost logs in, sees the host on the overview and a CPU chart with data on
// the host page, at desktop and phone sizes.
func TestBrowserLoginOverviewHost(t *testing.T) {
	e := startHub(t)
	id, agentToken := e.addHost(t, "browser-host")
	start(t, "vigil-agent", "--hub", e.url, "--token", agentToken, "--interval", "1s", "--spool-dir", t.TempDir())

	for _, size := range []struct {
		name          string
		width, height int
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser(t, size.width, size.height)
			row := sel("host-row") + `[data-host-id="` + strconv.FormatInt(id, 10) + `"]`
			err := chromedp.Do(ctx,
				chromedp.Navigate(e.url+"/login"),
				chromedp.WaitVisible(css("login-email")),
				chromedp.SendKeys(css("login-email"), e.email),
				chromedp.SendKeys(css("login-password"), e.password),
				chromedp.Click(css("login-submit")),
				chromedp.WaitVisible(chromedp.CSS(row)),
			)
			if err != nil {
				screenshot(t, ctx, "login-"+size.name+"-failed")
				t.Fatalf("log in and see the host on the overview: %v", err)
			}
			name, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row+" "+sel("host-name"))))
			if err != nil || name != "browser-host" {
				t.Errorf("got host name %q (err %v), want browser-host", name, err)
			}
			screenshot(t, ctx, "overview-"+size.name)

			// The host page's CPU chart must draw points once the agent has reported.
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(row+" "+sel("host-name"))), chromedp.WaitVisible(css("chart-cpu"))); err != nil {
				screenshot(t, ctx, "host-"+size.name+"-failed")
				t.Fatalf("open host page: %v", err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				attr, err := chromedp.Run(ctx, chromedp.AttributeValue(css("chart-cpu"), "data-points"))
				if err != nil {
					t.Fatal(err)
				}
				points := attr.Value
				if n, _ := strconv.Atoi(points); n > 0 {
					break
				}
				if time.Now().After(deadline) {
					screenshot(t, ctx, "host-"+size.name+"-nodata")
					t.Fatalf("CPU chart has %q points after 20 s, want > 0", points)
				}
				time.Sleep(250 * time.Millisecond)
			}
			screenshot(t, ctx, "host-"+size.name)
		})
	}
}
