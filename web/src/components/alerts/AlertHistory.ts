// Alert history: every transition and manual action, newest first, filtered by rule, host,
// severity and state entered, 100 at a time.

import { h, replace, type View } from "../../dom";
import { dateTimeSecOf, num } from "../../format";
import type { PageContext } from "../../main";
import { StateMessage } from "../StateMessage";
import { SeverityBadge } from "./AlertsPage";
import { alertsApi, type AlertEvent, type HistoryFilter } from "./client";

export function AlertHistory(_ctx: PageContext, query: URLSearchParams): View {
  const list = h("div", { class: "card" });
  const sel = (name: string, label: string, opts: [string, string][]) =>
    h("select", { class: "input input-sm", name, "aria-label": label, "data-testid": `history-${name}` }, opts.map(([v, t]) => h("option", { value: v }, t)));
  const rule = sel("rule", "Rule", [["", "All rules"]]);
  const host = h("input", { class: "input input-sm", name: "host", placeholder: "Host id", "aria-label": "Host id", value: query.get("host") ?? "", "data-testid": "history-host" });
  const severity = sel("severity", "Severity", [["", "Any severity"], ["warning", "Warning"], ["critical", "Critical"]]);
  const state = sel("state", "State entered", [["", "Any state"], ["pending", "Pending"], ["firing", "Firing"], ["resolved", "Resolved"], ["ok", "OK"]]);
  const more = h("button", { type: "button", class: "btn btn-sm", hidden: true, "data-testid": "history-more" }, "Older");
  let events: AlertEvent[] = [];

  const filter = (before?: number): HistoryFilter => ({ rule: rule.value, host: host.value.trim(), severity: severity.value, state: state.value, before });

  function render(): void {
    if (events.length === 0) {
      replace(list, StateMessage({ kind: "empty", text: "No alert history matches.", boxed: true }).el);
      return;
    }
    replace(list, h("table", { class: "tokens", "data-testid": "history-table" },
      h("thead", null, h("tr", null, ["Time", "Alert", "Host", "Change", "Severity", "Value", "Reason", "By"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, events.map((e) => h("tr", { "data-testid": "history-row" },
        h("td", { "data-label": "Time" }, dateTimeSecOf(e.at)),
        h("td", { "data-label": "Alert" }, h("strong", null, e.rule_name), e.label ? h("span", { class: "muted small" }, " " + e.label) : null),
        h("td", { "data-label": "Host" }, /^\d+$/.test(e.host_id) ? h("a", { href: `/hosts/${e.host_id}` }, e.host_id) : e.host_id || "—"),
        h("td", { "data-label": "Change" }, e.from === e.to ? e.to : `${e.from} → ${e.to}`),
        h("td", { "data-label": "Severity" }, e.severity ? SeverityBadge(e.severity) : "—"),
        h("td", { "data-label": "Value", class: "num" }, num(e.value)),
        h("td", { "data-label": "Reason", class: "wrap" }, e.reason),
        h("td", { "data-label": "By", class: "wrap", "data-testid": "history-actor" }, e.actor ? [e.actor, e.comment ? h("span", { class: "muted small" }, ": " + e.comment) : null] : "—"))))));
  }

  async function load(append = false): Promise<void> {
    try {
      const before = append && events.length ? events[events.length - 1].id : undefined;
      const r = (await alertsApi.history(filter(before))).events ?? [];
      events = append ? events.concat(r) : r;
      more.hidden = r.length < 100;
      render();
    } catch (e) {
      replace(list, StateMessage({ kind: "error", text: "Could not load the history.", detail: e instanceof Error ? e.message : String(e), retry: () => void load() }).el);
    }
  }

  for (const c of [rule, severity, state]) c.addEventListener("change", () => void load());
  host.addEventListener("change", () => void load());
  more.addEventListener("click", () => void load(true));
  void alertsApi.rules().then((r) => {
    for (const x of r.rules) rule.append(h("option", { value: x.id }, x.name));
  }).catch(() => {});
  replace(list, StateMessage({ kind: "loading", text: "Loading history…" }).el);
  void load();
  return {
    el: h("div", { class: "page" },
      h("div", { class: "page-head" }, h("div", null, h("h1", { class: "page-title" }, "Alert history"),
        h("p", { class: "muted" }, "Every state change and who acknowledged what."))),
      h("div", { class: "toolbar", role: "search" }, rule, host, severity, state),
      list, more),
  };
}
