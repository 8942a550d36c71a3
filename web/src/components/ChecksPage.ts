// Uptime checks list: state, target, the last 30 results as bars, 24 h uptime and response time.

import { h, replace, type View } from "../dom";
import { checksApi, type Check } from "../checksApi";
import { ago, num } from "../format";
import type { PageContext } from "../main";
import { Bars, CheckStateBadge, targetOf } from "./CheckBits";
import { StateMessage } from "./StateMessage";

const REFRESH_MS = 15_000;

export function ChecksPage(ctx: PageContext): View {
  const editor = ctx.me.role !== "viewer";
  const body = h("div", { class: "card" }, StateMessage({ kind: "loading", text: "Loading checks…" }).el);
  const el = h("div", { class: "page" },
    h("div", { class: "page-head" },
      h("h1", { class: "page-title" }, "Uptime checks"),
      h("div", { class: "toolbar" },
        h("a", { class: "btn btn-sm", href: checksApi.exportUrl, download: "checks.yaml", "data-testid": "checks-export" }, "Export YAML"),
        editor ? h("a", { class: "btn btn-primary", href: "/checks/new", "data-testid": "check-new" }, "New check") : null)),
    body);

  /** " · from 3 locations, quorum 2" for a check that also runs on agents. */
  function locationsOf(c: Check): string {
    const l = c.spec.locations;
    if (!l || !l.hosts?.length) return "";
    const n = (l.hub ? 1 : 0) + l.hosts.length;
    return ` · from ${n} location${n === 1 ? "" : "s"}, quorum ${c.spec.quorum || Math.floor(n / 2) + 1}`;
  }

  function row(c: Check): HTMLElement {
    const bars = (c.recent ?? []).map((p) => ({
      up: p.up,
      title: `${new Date(p.time).toLocaleString()}: ${p.up === null ? "no result" : p.up >= 0.999 ? "up" : p.up <= 0.001 ? "down" : "partly down"}${p.response_ms !== null ? `, ${num(p.response_ms, 0)} ms` : ""}`,
    }));
    const state = c.spec.paused ? "paused" : c.state;
    return h("tr", { "data-testid": "check-row", "data-check-id": String(c.id), "data-state": state },
      h("td", { "data-label": "Check" }, h("a", { href: `/checks/${c.id}`, class: "check-name" }, c.spec.name),
        h("div", { class: "check-target" }, c.spec.type.toUpperCase(), " · ", targetOf(c.spec), locationsOf(c))),
      h("td", { "data-label": "State" }, CheckStateBadge(state), c.state_since ? h("div", { class: "muted small" }, "since ", ago(c.state_since)) : null),
      h("td", { "data-label": "Recent", class: "col-bars" }, Bars(bars, "check-bars", `Last ${bars.length} results`)),
      h("td", { "data-label": "24 h" }, c.uptime_24h === undefined ? "–" : `${c.uptime_24h.toFixed(2)} %`),
      h("td", { "data-label": "Response" }, c.last && c.last.status !== "down" ? `${num(c.last.response_ms, 0)} ms` : "–"));
  }

  let timer = 0;
  let dead = false;
  async function load(): Promise<void> {
    try {
      const { checks } = await checksApi.list();
      if (dead) return;
      if (checks.length === 0) {
        replace(body, StateMessage({ kind: "empty", boxed: true, text: "No uptime checks yet.",
          detail: "Watch a URL, a port, a DNS record, a ping target or a cron job's heartbeat.",
          action: editor ? h("a", { class: "btn btn-primary", href: "/checks/new" }, "Create the first check") : undefined }).el);
      } else {
        replace(body, h("table", { class: "checks-table", "data-testid": "checks-table" },
          h("thead", null, h("tr", null, ["Check", "State", "Recent results", "Uptime 24 h", "Response"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", null, checks.map(row))));
      }
    } catch (e) {
      if (!dead) replace(body, StateMessage({ kind: "error", text: e instanceof Error ? e.message : String(e), retry: () => void load() }).el);
    }
    if (!dead) timer = window.setTimeout(() => void load(), REFRESH_MS);
  }
  void load();
  return { el, destroy: () => { dead = true; clearTimeout(timer); } };
}
