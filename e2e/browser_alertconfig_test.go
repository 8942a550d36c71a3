package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// silenceJSON is what the silences API returns of one silence.
type silenceJSON struct {
	ID        string    `json:"id"`
	Comment   string    `json:"comment"`
	CreatedBy string    `json:"created_by"`
	Tags      []string  `json:"tags"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
}

func silenceByID(t *testing.T, e *hubEnv, id string) silenceJSON {
	t.Helper()
	var got struct{ Silences []silenceJSON }
	e.get(t, "/api/v1/alerting/silences", &got)
	for _, s := range got.Silences {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("silence %s not listed: %+v", id, got.Silences)
	return silenceJSON{}
}

// importDoc is a YAML bundle whose one rule has warning above critical for ">" (refused,
// naming rules[0].warning) until fixWarning replaces the warning.
const importDoc = `rules:
  - id: cpu-hot
    name: CPU hot
    kind: metric
    enabled: true
    metric: cpu.used_pct
    aggregation: avg
    window: 1m
    comparison: ">"
    warning: 95
    critical: 90
    for: 1m
channels: []
silences: []
route: {warning: [], critical: []}
`

// TestBrowserSilenceEditAndImport: on a desktop, a running silence is edited in the form
// (comment, end time, tag scope; who created it is kept) and then expired at once; on the
// YAML page an invalid document is refused with the field it names, the error's line link
// selects that line in the document, and the corrected document replaces the rules.
func TestBrowserSilenceEditAndImport(t *testing.T) {
	e := startHub(t)
	now := time.Now().UTC()
	var created struct{ Silence silenceJSON }
	body := fmt.Sprintf(`{"name":"Deploy","comment":"rolling deploy","start":%q,"end":%q}`, now.Add(-time.Minute).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339))
	if code := e.postJSON(t, "/api/v1/alerting/silences", body, &created); code != 201 {
		t.Fatalf("create silence: HTTP %d", code)
	}
	id := created.Silence.ID
	row := sel("silence-row") + `[data-silence="` + id + `"]`

	ctx := sizedBrowser(t, 1280, 900)
	signIn(t, ctx, e.url, e.email, e.password)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.url+"/alerts/silences"), chromedp.WaitVisible(row)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(row+" "+sel("silence-edit")), chromedp.WaitVisible(css("silence-cancel"))); err != nil {
		t.Fatal(err)
	}
	if got := js[string](t, ctx, `document.querySelector('[data-testid="silence-comment"]').value`); got != "rolling deploy" {
		t.Errorf("edit form comment: got %q, want the silence's", got)
	}
	// Three hours from now, as the datetime-local input takes it (the browser's local time).
	setEnd := `(() => { const d = new Date(Date.now() + 3*3600e3); const i = document.querySelector('[data-testid="silence-end"]');
		i.value = new Date(d.getTime() - d.getTimezoneOffset()*60000).toISOString().slice(0, 16); return true })()`
	js[bool](t, ctx, setEnd)
	if err := chromedp.Do(ctx,
		chromedp.SetValue(css("silence-comment"), "deploy takes longer"),
		chromedp.SetValue(css("silence-tags"), "db"),
		chromedp.Click(css("silence-save"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "edited row", `(document.querySelector('`+row+`')?.textContent ?? "").includes("deploy takes longer") && document.querySelector('`+row+`').textContent.includes("tags db")`, 10*time.Second)
	s := silenceByID(t, e, id)
	if s.Comment != "deploy takes longer" || strings.Join(s.Tags, ",") != "db" || s.End.Sub(now) < 2*time.Hour || s.CreatedBy != e.email {
		t.Errorf("stored after edit: %+v, want the new comment, tag db, end ≈ 3 h ahead and created_by %s kept", s, e.email)
	}
	if n := js[int](t, ctx, `document.querySelectorAll('[data-testid="silence-row"]').length`); n != 1 {
		t.Errorf("got %d silences after editing, want 1 (edited, not added)", n)
	}
	screenshot(t, ctx, "alerts-silence-edited-desktop")

	if err := chromedp.Do(ctx, chromedp.Click(row+" "+sel("silence-expire"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "expired row", `document.querySelector('`+row+`')?.classList.contains("is-disabled") && !document.querySelector('`+row+` [data-testid="silence-expire"]')`, 10*time.Second)
	if s := silenceByID(t, e, id); s.End.After(time.Now()) || s.Comment != "deploy takes longer" {
		t.Errorf("stored after expire: %+v, want end in the past and the rest kept", s)
	}

	// YAML import: refused with the field, then accepted.
	if err := chromedp.Do(ctx, chromedp.Click(css("alerts-config")), chromedp.WaitVisible(css("import-yaml")),
		chromedp.SetValue(css("import-yaml"), importDoc), chromedp.Click(css("import-submit"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "import error naming rules[0].warning", `!!document.querySelector('[data-testid="import-error"][data-field="rules[0].warning"]')`, 10*time.Second)
	screenshot(t, ctx, "alerts-import-error-desktop")
	if err := chromedp.Do(ctx, chromedp.Click(`[data-testid="import-error"][data-field="rules[0].warning"] `+sel("import-error-line"))); err != nil {
		t.Fatal(err)
	}
	if got := js[string](t, ctx, `(() => { const a = document.querySelector('[data-testid="import-yaml"]'); return a.value.slice(a.selectionStart, a.selectionEnd) })()`); strings.TrimSpace(got) != "warning: 95" {
		t.Errorf("line link selected %q, want the warning line", got)
	}
	var rules struct{ Rules []struct{ ID string } }
	e.get(t, "/api/v1/alerting/rules", &rules)
	if len(rules.Rules) != 10 {
		t.Errorf("after the refused import: got %d rules, want the 10 defaults untouched", len(rules.Rules))
	}
	if err := chromedp.Do(ctx, chromedp.SetValue(css("import-yaml"), strings.Replace(importDoc, "warning: 95", "warning: 80", 1)),
		chromedp.Click(css("import-submit"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "import accepted", `(document.querySelector('[data-testid="import-ok"]')?.textContent ?? "").includes("1 rule,")`, 10*time.Second)
	e.get(t, "/api/v1/alerting/rules", &rules)
	if len(rules.Rules) != 1 || rules.Rules[0].ID != "cpu-hot" {
		t.Errorf("after the import: got rules %+v, want only cpu-hot", rules.Rules)
	}
}
