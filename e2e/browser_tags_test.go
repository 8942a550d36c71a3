package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserHostTags adds a host with `vigil host add --tag`, then edits its tags on the host
// page (add, a refused tag with its message, remove) and sees them on the overview.
func TestBrowserHostTags(t *testing.T) {
	e := startHub(t)
	out := e.cli(t, "", "host", "add", "--name", "tagged", "--tag", "Web", "--public-url", e.url)
	m := hostIDRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no host id in %q", out)
	}
	ctx := sizedBrowser(t, 1280, 900)
	signIn(t, ctx, e.url, e.email, e.password)
	chips := `[...document.querySelectorAll('[data-testid="host-tags"] [data-testid="tag-chip"]')].map(c => c.dataset.value).join()`
	if err := chromedp.Do(ctx, chromedp.Navigate(e.url+"/hosts/"+m[1]), chromedp.WaitVisible(css("tag-input"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "tag from the CLI", chips+` === "web"`, 5*time.Second)

	if err := chromedp.Do(ctx, chromedp.SendKeys(css("tag-input"), "Env=Prod\r")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "tag added, normalized and sorted", chips+` === "env=prod,web"`, 5*time.Second)

	if err := chromedp.Do(ctx, chromedp.SendKeys(css("tag-input"), "not ok\r")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "refused tag explained", `document.querySelector('[data-testid="tag-error"]').textContent.includes("not ok") && document.querySelector('[data-testid="tag-input"]').getAttribute("aria-invalid") === "true"`, 5*time.Second)
	screenshot(t, ctx, "host-tags-error")

	if err := chromedp.Do(ctx, chromedp.Click(`[data-value="web"] `+sel("tag-remove"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "tag removed", chips+` === "env=prod"`, 5*time.Second)

	// Stored: the overview shows the tag on the host's row.
	row := sel("host-row") + `[data-host-id="` + m[1] + `"]`
	if err := chromedp.Do(ctx, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(row)); err != nil {
		t.Fatal(err)
	}
	got := js[string](t, ctx, `[...document.querySelectorAll('`+row+` [data-testid="tag-chip"]')].map(c => c.textContent).join()`)
	if got != "env=prod" {
		t.Errorf("overview chips: got %q, want env=prod", got)
	}
}
