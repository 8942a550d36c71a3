// Alert rules: the list (defaults included) and an editor. Errors from the hub name the field
// ("metric", "warning", "for", "routing.critical"…) and are shown under that input.

import { ApiError } from "../../api";
import { h, replace, type View } from "../../dom";
import type { PageContext } from "../../main";
import { StateMessage } from "../StateMessage";
import { canEdit, showFieldError } from "./AlertsPage";
import { alertsApi, list, type Rule } from "./client";
import { Check, numberOf, SelectField, Text } from "./fields";

const METRICS = ["cpu.used_pct", "cpu.iowait_pct", "load.1", "load.5", "load.15", "mem.used_pct", "swap.used_pct", "fs.used_pct", "fs.inodes_used_pct"];

function condition(r: Rule): string {
  switch (r.kind) {
    case "host_down": return `no data for ${r.missed_intervals ?? "?"} intervals`;
    case "service_down": return `service down${r.scope?.label ? ` (${r.scope.label})` : ""}`;
    case "check": return `check down${r.scope?.label ? ` (${r.scope.label})` : ""}`;
  }
  const t = [r.warning !== undefined ? `warn ${r.warning}` : "", r.critical !== undefined ? `crit ${r.critical}` : ""].filter(Boolean).join(", ");
  return `${r.aggregation ?? "last"}(${r.metric})${r.window ? ` over ${r.window}` : ""} ${r.comparison} ${t}${r.per_core ? " × cores" : ""}`;
}

export function RulesSection(ctx: PageContext): View {
  const editor = canEdit(ctx.me.role);
  const listBox = h("div", { class: "card" });
  let editing: string | null = null;

  const f = {
    name: Text("Name", "name", "rule-name", { required: true, maxlength: 100 }),
    kind: SelectField("Kind", "kind", [["metric", "Metric threshold"], ["host_down", "Host down"], ["service_down", "Service down"], ["check", "Uptime check"]], "rule-kind"),
    metric: Text("Metric", "metric", "rule-metric", { list: "rule-metrics", placeholder: "cpu.used_pct" }),
    aggregation: SelectField("Aggregation", "aggregation", [["avg", "Average"], ["max", "Maximum"], ["min", "Minimum"], ["last", "Last value"]], "rule-aggregation"),
    window: Text("Window", "window", "rule-window", { placeholder: "1m", value: "1m" }),
    comparison: SelectField("Comparison", "comparison", [[">", ">"], [">=", "≥"], ["<", "<"], ["<=", "≤"]], "rule-comparison"),
    warning: Text("Warning at", "warning", "rule-warning", { inputmode: "decimal" }),
    critical: Text("Critical at", "critical", "rule-critical", { inputmode: "decimal" }),
    recovery: Text("Recovers at", "recovery", "rule-recovery", { inputmode: "decimal", placeholder: "the threshold" }),
    for: Text("Holds for", "for", "rule-for", { placeholder: "5m", value: "5m" }),
    missed_intervals: Text("Missed intervals", "missed_intervals", "rule-missed", { inputmode: "numeric", value: "3" }),
    severity: SelectField("Severity", "severity", [["critical", "Critical"], ["warning", "Warning"]], "rule-severity"),
    "scope.label": Text("Only label (mount, interface, service, check; * allowed)", "label", "rule-label"),
    "scope.tags": Text("Only hosts tagged", "tags", "rule-tags", { placeholder: "db, prod" }),
    repeat: Text("Repeat every", "repeat", "rule-repeat", { placeholder: "4h" }),
    "routing.warning": Text("Warning to channels", "rw", "rule-route-warning", { placeholder: "default route" }),
    "routing.critical": Text("Critical to channels", "rc", "rule-route-critical", { placeholder: "default route" }),
    "routing.escalate_to": Text("Escalate to channel", "esc", "rule-escalate-to"),
    "routing.escalate_after": Text("Escalate after", "esca", "rule-escalate-after", { placeholder: "30m" }),
  };
  const enabled = Check("Enabled", "rule-enabled", true);
  const perCore = Check("Multiply thresholds by CPU cores", "rule-per-core");
  const formError = h("p", { class: "form-error", role: "alert", "data-testid": "rule-form-error" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "rule-save" }, "Create rule");
  const cancel = h("button", { type: "button", class: "btn btn-ghost", hidden: true }, "Cancel");
  const metricPart = h("div", { class: "form-grid" }, f.metric.el, f.aggregation.el, f.window.el, f.comparison.el, f.warning.el, f.critical.el, f.recovery.el, perCore.el);
  const statePart = h("div", { class: "form-grid" }, f.missed_intervals.el, f.severity.el);
  const form = h("form", { class: "form", novalidate: true, "data-testid": "rule-form" },
    h("div", { class: "form-grid" }, f.name.el, f.kind.el, enabled.el),
    metricPart, statePart,
    h("div", { class: "form-grid" }, f.for.el, f["scope.label"].el, f["scope.tags"].el, f.repeat.el),
    h("div", { class: "form-grid" }, f["routing.warning"].el, f["routing.critical"].el, f["routing.escalate_to"].el, f["routing.escalate_after"].el),
    h("datalist", { id: "rule-metrics" }, METRICS.map((m) => h("option", { value: m }))),
    h("div", { class: "form-actions" }, submit, cancel), formError);

  function showKind(): void {
    const k = f.kind.input.value;
    metricPart.hidden = k !== "metric";
    f.missed_intervals.el.hidden = k !== "host_down";
    statePart.hidden = k === "metric";
  }
  f.kind.input.addEventListener("change", showKind);

  function body(): Partial<Rule> {
    const k = f.kind.input.value as Rule["kind"];
    const r: Partial<Rule> = { name: f.name.input.value.trim(), kind: k, enabled: enabled.input.checked, for: f.for.input.value.trim() || undefined,
      repeat: f.repeat.input.value.trim() || undefined,
      scope: { label: f["scope.label"].input.value.trim() || undefined, tags: list(f["scope.tags"].input.value) },
      routing: { warning: list(f["routing.warning"].input.value), critical: list(f["routing.critical"].input.value),
        escalate_to: f["routing.escalate_to"].input.value.trim() || undefined, escalate_after: f["routing.escalate_after"].input.value.trim() || undefined } };
    if (k === "metric") {
      Object.assign(r, { metric: f.metric.input.value.trim(), aggregation: f.aggregation.input.value, window: f.window.input.value.trim() || undefined,
        comparison: f.comparison.input.value, warning: numberOf(f.warning.input), critical: numberOf(f.critical.input),
        recovery: numberOf(f.recovery.input), per_core: perCore.input.checked || undefined });
    } else {
      r.severity = f.severity.input.value as Rule["severity"];
      if (k === "host_down") r.missed_intervals = numberOf(f.missed_intervals.input);
    }
    return r;
  }

  function fill(r: Rule | null): void {
    editing = r?.id ?? null;
    const s = (x: unknown) => (x === undefined || x === null ? "" : String(x));
    f.name.input.value = s(r?.name);
    f.kind.input.value = r?.kind ?? "metric";
    enabled.input.checked = r?.enabled ?? true;
    f.metric.input.value = s(r?.metric);
    f.aggregation.input.value = r?.aggregation ?? "avg";
    f.window.input.value = r ? s(r.window) : "1m";
    f.comparison.input.value = r?.comparison ?? ">";
    f.warning.input.value = s(r?.warning);
    f.critical.input.value = s(r?.critical);
    f.recovery.input.value = s(r?.recovery);
    perCore.input.checked = !!r?.per_core;
    f.for.input.value = r ? s(r.for) : "5m";
    f.missed_intervals.input.value = r ? s(r.missed_intervals) : "3";
    f.severity.input.value = r?.severity ?? "critical";
    f["scope.label"].input.value = s(r?.scope?.label);
    f["scope.tags"].input.value = (r?.scope?.tags ?? []).join(", ");
    f.repeat.input.value = s(r?.repeat);
    f["routing.warning"].input.value = (r?.routing?.warning ?? []).join(", ");
    f["routing.critical"].input.value = (r?.routing?.critical ?? []).join(", ");
    f["routing.escalate_to"].input.value = s(r?.routing?.escalate_to);
    f["routing.escalate_after"].input.value = s(r?.routing?.escalate_after);
    submit.textContent = r ? "Save rule" : "Create rule";
    cancel.hidden = !r;
    showFieldError(f, formError, undefined, "");
    showKind();
  }
  cancel.addEventListener("click", () => fill(null));

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!f.name.input.value.trim()) {
      showFieldError(f, formError, "name", "Enter a name.");
      return;
    }
    submit.disabled = true;
    try {
      if (editing) await alertsApi.updateRule(editing, body());
      else await alertsApi.createRule(body());
      fill(null);
      await load();
    } catch (e) {
      showFieldError(f, formError, e instanceof ApiError ? e.field : undefined, e instanceof Error ? e.message : String(e));
    } finally {
      submit.disabled = false;
    }
  });

  async function remove(r: Rule): Promise<void> {
    if (!confirm(`Delete the rule “${r.name}”? Its alerts end without notifications.`)) return;
    try {
      await alertsApi.deleteRule(r.id);
      await load();
    } catch (e) {
      alert(`Could not delete: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  function render(rules: Rule[]): void {
    if (rules.length === 0) {
      replace(listBox, StateMessage({ kind: "empty", text: "No alert rules.", boxed: true }).el);
      return;
    }
    replace(listBox, h("table", { class: "tokens", "data-testid": "rules-table" },
      h("thead", null, h("tr", null, ["Rule", "Condition", "For", "Routing", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, rules.map((r) => h("tr", { "data-testid": "rule-row", "data-rule": r.id, class: r.enabled ? "" : "is-disabled" },
        h("td", { "data-label": "Rule" }, h("strong", null, r.name), r.enabled ? null : h("span", { class: "tag-note" }, "disabled"), h("div", { class: "muted small" }, r.id)),
        h("td", { "data-label": "Condition", class: "wrap" }, condition(r)),
        h("td", { "data-label": "For" }, r.for || "—"),
        h("td", { "data-label": "Routing", class: "wrap" }, [...(r.routing?.critical ?? []), ...(r.routing?.warning ?? [])].join(", ") || "default route"),
        h("td", { class: "actions" }, editor ? h("div", { class: "row-actions" },
          h("button", { type: "button", class: "btn btn-sm", "data-testid": "rule-edit", onclick: () => { fill(r); form.scrollIntoView({ block: "nearest" }); } }, "Edit"),
          h("button", { type: "button", class: "btn btn-sm btn-danger", "data-testid": "rule-delete", onclick: () => void remove(r) }, "Delete")) : null))))));
  }

  async function load(): Promise<void> {
    try {
      render((await alertsApi.rules()).rules ?? []);
    } catch (e) {
      replace(listBox, StateMessage({ kind: "error", text: "Could not load rules.", detail: e instanceof Error ? e.message : String(e), retry: () => void load() }).el);
    }
  }

  fill(null);
  replace(listBox, StateMessage({ kind: "loading", text: "Loading rules…" }).el);
  void load();
  return {
    el: h("div", { class: "page" },
      h("div", { class: "page-head" }, h("div", null, h("h1", { class: "page-title" }, "Alert rules"),
        h("p", { class: "muted" }, "Thresholds on host metrics, host down, service down and uptime checks. ",
          h("a", { href: "/api/v1/alerting/export", download: "vigil-alerting.yaml", "data-testid": "alerting-export" }, "Export as YAML")))),
      editor ? h("section", { class: "card card-pad", "aria-labelledby": "rule-new" }, h("h2", { class: "card-title", id: "rule-new" }, "Rule"), form) : null,
      h("h2", { class: "section-title" }, "Rules"),
      listBox),
  };
}
