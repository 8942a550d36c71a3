// Active alerts: what is pending, firing or just resolved, with acknowledge (and a comment),
// withdraw and a one-hour silence per alert. Refreshes every 10 s; ?host=ID narrows to a host.

import { ApiError } from "../../api";
import { h, replace, type View } from "../../dom";
import { ago, dateTimeOf, num } from "../../format";
import type { PageContext } from "../../main";
import { StateMessage } from "../StateMessage";
import { canEdit, SeverityBadge } from "./AlertsPage";
import { alertsApi, type ActiveAlert } from "./client";

const REFRESH_MS = 10_000;

export function ActiveAlerts(ctx: PageContext, query: URLSearchParams): View {
  const hostFilter = query.get("host") ?? "";
  const list = h("div", { class: "card" });
  const note = h("p", { class: "form-error", role: "alert" });
  const editor = canEdit(ctx.me.role);
  let openAck = ""; // key of the alert whose comment box is open
  let alerts: ActiveAlert[] = [];

  const keyOf = (a: ActiveAlert) => `${a.key.rule_id}|${a.key.host_id}|${a.key.label ?? ""}`;

  async function act(f: () => Promise<unknown>): Promise<void> {
    note.textContent = "";
    try {
      await f();
      openAck = "";
      await load();
    } catch (e) {
      note.textContent = e instanceof ApiError || e instanceof Error ? e.message : String(e);
    }
  }

  function silence(a: ActiveAlert): Promise<unknown> {
    const start = new Date();
    const end = new Date(start.getTime() + 3600_000);
    return alertsApi.createSilence({ name: `${a.rule_name} on ${a.host || a.key.host_id || "all"}`, rules: [a.key.rule_id],
      hosts: a.key.host_id ? [a.key.host_id] : undefined, start: start.toISOString(), end: end.toISOString(), comment: "silenced for 1 h from the alerts page" });
  }

  function actions(a: ActiveAlert): HTMLElement | null {
    if (!editor) return null;
    const k = keyOf(a);
    const buttons: HTMLElement[] = [];
    if (a.state === "firing" && !a.acked_by) {
      buttons.push(h("button", { type: "button", class: "btn btn-sm", "data-testid": "alert-ack", onclick: () => { openAck = k; render(); } }, "Acknowledge"));
    }
    if (a.acked_by) {
      buttons.push(h("button", { type: "button", class: "btn btn-sm", "data-testid": "alert-unack", onclick: () => void act(() => alertsApi.unack(a.key)) }, "Withdraw ack"));
    }
    if (!a.muted) {
      buttons.push(h("button", { type: "button", class: "btn btn-sm btn-ghost", "data-testid": "alert-silence", onclick: () => void act(() => silence(a)) }, "Silence 1 h"));
    }
    return h("div", { class: "row-actions" }, buttons);
  }

  function ackForm(a: ActiveAlert): HTMLElement {
    const input = h("input", { class: "input", type: "text", maxlength: 1000, placeholder: "What are you doing about it?", "aria-label": "Comment", "data-testid": "alert-ack-comment" });
    const form = h("form", { class: "ack-form" }, input,
      h("button", { type: "submit", class: "btn btn-primary btn-sm", "data-testid": "alert-ack-confirm" }, "Acknowledge"),
      h("button", { type: "button", class: "btn btn-ghost btn-sm", onclick: () => { openAck = ""; render(); } }, "Cancel"));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void act(() => alertsApi.ack(a.key, input.value.trim()));
    });
    queueMicrotask(() => input.focus());
    return form;
  }

  function render(): void {
    const shown = hostFilter ? alerts.filter((a) => a.key.host_id === hostFilter) : alerts;
    if (shown.length === 0) {
      replace(list, StateMessage({ kind: "empty", text: hostFilter ? "No active alerts on this host." : "No active alerts.", detail: "Everything is within its thresholds.", boxed: true }).el);
      return;
    }
    replace(list, h("table", { class: "tokens alerts-table", "data-testid": "alerts-table" },
      h("thead", null, h("tr", null, ["Severity", "Alert", "Host", "State", "Since", "Value", "Acknowledged", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, shown.flatMap((a) => {
        const row = h("tr", { "data-testid": "alert-row", "data-rule": a.key.rule_id, "data-state": a.state },
          h("td", { "data-label": "Severity" }, SeverityBadge(a.state === "firing" ? a.severity : a.state, a.state === "firing" ? a.severity : a.state)),
          h("td", { "data-label": "Alert" }, h("strong", null, a.rule_name), a.key.label ? h("span", { class: "muted small" }, " ", a.key.label) : null,
            a.flapping ? h("span", { class: "tag-note" }, "flapping") : null, a.muted ? h("span", { class: "tag-note" }, "muted") : null),
          h("td", { "data-label": "Host" }, a.key.host_id && /^\d+$/.test(a.key.host_id) ? h("a", { href: `/hosts/${a.key.host_id}` }, a.host || a.key.host_id) : a.host || "—"),
          h("td", { "data-label": "State" }, a.state),
          h("td", { "data-label": "Since", title: dateTimeOf(a.since) }, ago(a.since)),
          h("td", { "data-label": "Value", class: "num" }, num(a.value)),
          h("td", { "data-label": "Acknowledged", class: "wrap", "data-testid": "alert-acked" }, a.acked_by ? [a.acked_by, a.ack_comment ? h("span", { class: "muted small" }, ": " + a.ack_comment) : null] : "—"),
          h("td", { class: "actions" }, actions(a)));
        return openAck === keyOf(a) ? [row, h("tr", { class: "ack-row" }, h("td", { colspan: 8 }, ackForm(a)))] : [row];
      }))));
  }

  async function load(): Promise<void> {
    try {
      alerts = (await alertsApi.active()).alerts ?? [];
      render();
    } catch (e) {
      replace(list, StateMessage({ kind: "error", text: "Could not load alerts.", detail: e instanceof Error ? e.message : String(e), retry: () => void load() }).el);
    }
  }

  replace(list, StateMessage({ kind: "loading", text: "Loading alerts…" }).el);
  void load();
  const timer = window.setInterval(() => { if (!openAck) void load(); }, REFRESH_MS);
  return {
    el: h("div", { class: "page" },
      h("div", { class: "page-head" }, h("div", null, h("h1", { class: "page-title" }, "Active alerts"),
        h("p", { class: "muted" }, hostFilter ? ["Alerts of one host. ", h("a", { href: "/alerts/active" }, "Show all")] : "Pending, firing and just resolved alerts of every host and check."))),
      note, list),
    destroy: () => window.clearInterval(timer),
  };
}
