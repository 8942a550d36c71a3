// Small pieces shared by the check pages: the state badge (text, never color alone) and the
// bar strip of recent results or daily uptime.

import { h } from "../dom";

const LABEL: Record<string, string> = { up: "Up", degraded: "Degraded", down: "Down", pending: "Pending", unknown: "Unknown", partial: "Partial outage", paused: "Paused" };

export function CheckStateBadge(state: string): HTMLElement {
  return h("span", { class: `check-state is-${state}`, "data-testid": "check-state", "data-state": state },
    h("span", { class: "dot", "aria-hidden": "true" }), LABEL[state] ?? state);
}

/** One bar per slot: share up 0–1 (or null = no data), with a tooltip per bar. */
export function Bars(points: { up: number | null; title: string }[], testid: string, label: string): HTMLElement {
  return h("div", { class: "bars", role: "img", "aria-label": label, "data-testid": testid },
    points.map((p) => h("span", {
      class: `bar ${p.up === null ? "is-none" : p.up >= 0.999 ? "is-up" : p.up <= 0.001 ? "is-down" : "is-partial"}`,
      title: p.title,
    })));
}

/** Where a check points, in a few words. */
export function targetOf(spec: { type: string; url?: string; host?: string; port?: number; record_type?: string; period_s?: number }): string {
  switch (spec.type) {
    case "http": return spec.url ?? "";
    case "tcp": return `${spec.host}:${spec.port}`;
    case "dns": return `${spec.record_type ?? "A"} ${spec.host}`;
    case "icmp": return `ping ${spec.host}`;
    case "push": return `heartbeat every ${spec.period_s}s`;
  }
  return "";
}
