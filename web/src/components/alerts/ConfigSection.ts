// Configuration as code: download the organization's rules, channels, silences and default
// route as YAML, and import such a document (admins; all or nothing). A refused import lists
// every problem with the field it names and, where it can be found, the line of the document.

import { ApiError, isAdmin } from "../../api";
import { h, replace, type View } from "../../dom";
import type { PageContext } from "../../main";
import { canEdit } from "./AlertsPage";
import { alertsApi } from "./client";
import { lineOf } from "./yamlPath";

export function ConfigSection(ctx: PageContext): View {
  const admin = isAdmin(ctx.me.role);
  const text = h("textarea", { class: "input yaml-input", id: "import-yaml", rows: 14, spellcheck: "false", "data-testid": "import-yaml",
    "aria-describedby": "import-status", placeholder: "rules:\n  - id: cpu-high\n    name: CPU high\n    …" });
  const file = h("input", { type: "file", accept: ".yaml,.yml,text/yaml,application/yaml", "data-testid": "import-file", "aria-label": "Read YAML from a file" });
  const status = h("div", { id: "import-status", role: "status", "aria-live": "polite", "data-testid": "import-status" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "import-submit" }, "Import and replace");

  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    if (f) text.value = await f.text();
  });

  function select(line: number): void {
    const lines = text.value.split("\n");
    const start = lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0);
    text.focus();
    text.setSelectionRange(start, start + lines[line].length);
    // Scroll the textarea so the line shows: line height from the computed style.
    const lh = parseFloat(getComputedStyle(text).lineHeight) || 18;
    text.scrollTop = Math.max(0, line * lh - text.clientHeight / 2);
  }

  function showErrors(e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    const items = msg.split("; ").map((part) => {
      const m = /^([A-Za-z_][\w.[\]]*): ([\s\S]*)$/.exec(part);
      const field = m?.[1], what = m ? m[2] : part;
      const line = field && field !== "body" ? lineOf(text.value, field) : undefined;
      return h("li", { "data-testid": "import-error", "data-field": field ?? "" },
        field ? h("code", null, field) : null, field ? ": " : null, what,
        line !== undefined ? [" ", h("button", { type: "button", class: "btn-link", "data-testid": "import-error-line", onclick: () => select(line) }, `line ${line + 1}`)] : null);
    });
    replace(status, h("div", { class: "import-errors", role: "alert" },
      h("p", { class: "form-error" }, e instanceof ApiError && e.status === 400 ? "Nothing was changed. Fix these and import again:" : "Import failed:"),
      h("ul", null, items)));
    text.setAttribute("aria-invalid", "true");
  }

  const form = h("form", { class: "form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: "import-yaml", class: "label" }, "YAML document (as exported)"), text),
    h("div", { class: "form-actions" }, submit, file), status);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    text.removeAttribute("aria-invalid");
    replace(status);
    if (text.value.trim() === "") {
      showErrors(new Error("body: paste or choose a YAML document first"));
      return;
    }
    submit.disabled = true;
    try {
      const n = await alertsApi.importYAML(text.value);
      const plural = (k: number, w: string) => `${k} ${w}${k === 1 ? "" : "s"}`;
      replace(status, h("p", { class: "import-ok", "data-testid": "import-ok" },
        `Imported ${plural(n.rules, "rule")}, ${plural(n.channels, "channel")} and ${plural(n.silences, "silence")}; the default route was replaced too.`));
    } catch (e) {
      showErrors(e);
    } finally {
      submit.disabled = false;
    }
  });

  return {
    el: h("div", { class: "page" },
      h("div", { class: "page-head" }, h("div", null, h("h1", { class: "page-title" }, "Configuration as code"),
        h("p", { class: "muted" }, "Rules, channels, silences and the default route as one YAML document. Secrets are exported as ******** and keep their stored value when imported back."))),
      canEdit(ctx.me.role) ? h("section", { class: "card card-pad", "aria-labelledby": "cfg-export" },
        h("h2", { class: "card-title", id: "cfg-export" }, "Export"),
        h("p", null, h("a", { class: "btn", href: alertsApi.exportUrl, download: "vigil-alerting.yaml", "data-testid": "export-yaml" }, "Download YAML"))) : null,
      admin ? h("section", { class: "card card-pad", "aria-labelledby": "cfg-import" },
        h("h2", { class: "card-title", id: "cfg-import" }, "Import"),
        h("p", { class: "muted" }, "Replaces all rules, channels, silences and the default route with the document's — all or nothing: if anything is invalid, nothing changes."),
        form) : h("p", { class: "muted" }, "Only admins can import a configuration.")),
  };
}
