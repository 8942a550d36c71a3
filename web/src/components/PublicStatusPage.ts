// The public status page at /status/{slug}: no login. Overall state, each check with 90 daily
// uptime bars, hosts with their connection state, maintenance notices and recent incidents.

import { h, replace, type View } from "../dom";
import { checksApi, type PublicStatus } from "../checksApi";
import { dateTimeOf, duration } from "../format";
import { Bars, CheckStateBadge } from "./CheckBits";
import { StateMessage } from "./StateMessage";
import "./checks.css";

const HEADLINE: Record<string, string> = {
  up: "All systems operational", degraded: "Some systems are slow", partial: "Partial outage", down: "Major outage", unknown: "No data yet",
};
const REFRESH_MS = 60_000;

export function PublicStatusPage(slug: string): View {
  const el = h("main", { class: "public-status", "data-testid": "public-status" }, StateMessage({ kind: "loading", text: "Loading status…" }).el);

  function render(s: PublicStatus): void {
    document.title = `${s.title} · Status`;
    const day0 = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - 89 * 86400e3;
    replace(el,
      h("header", { class: "ps-head" }, h("h1", null, s.title), s.description ? h("p", { class: "muted" }, s.description) : null),
      h("div", { class: `ps-banner is-${s.state}`, "data-testid": "overall-state", "data-state": s.state }, HEADLINE[s.state] ?? s.state),
      s.notices.map((n) => h("section", { class: "notice ps-notice", "data-testid": "maintenance-notice" },
        h("strong", null, n.title), h("div", { class: "muted small" }, `${dateTimeOf(n.starts_at)} – ${dateTimeOf(n.ends_at)}`), n.body ? h("p", null, n.body) : null)),
      h("section", { class: "card ps-items" }, s.items.map((it) => h("div", { class: "ps-item", "data-testid": "status-item", "data-state": it.state },
        h("div", { class: "ps-item-head" }, h("strong", null, it.name), CheckStateBadge(it.state),
          h("span", { class: "muted small ps-uptime" }, it.uptime_90d === null ? "" : `${it.uptime_90d.toFixed(2)} % uptime (90 days)`)),
        it.days ? Bars(it.days.map((v, i) => ({
          up: v === null ? null : v / 100,
          title: `${new Date(day0 + i * 86400e3).toLocaleDateString()}: ${v === null ? "no data" : v.toFixed(2) + " %"}`,
        })), "uptime-bars", `${it.name}: daily uptime, last 90 days`) : null))),
      h("section", { class: "card card-pad" }, h("h2", { class: "card-title" }, "Incidents (90 days)"),
        s.incidents.length === 0 ? h("p", { class: "muted" }, "No incidents.") :
          h("ul", { class: "incident-list" }, s.incidents.map((i) => h("li", { "data-testid": "public-incident" },
            h("strong", null, i.name), ` — ${dateTimeOf(i.start)}, `, i.end ? `down for ${duration(i.duration_s)}` : `ongoing (${duration(i.duration_s)})`)))),
      h("footer", { class: "muted small ps-foot" }, `Updated ${dateTimeOf(s.updated_at)} · Powered by Vigil`));
  }

  let timer = 0;
  let dead = false;
  async function load(): Promise<void> {
    try {
      const s = await checksApi.publicStatus(slug);
      if (!dead) render(s);
    } catch (e) {
      if (!dead) replace(el, StateMessage({ kind: "error", text: e instanceof Error ? e.message : String(e) }).el);
    }
    if (!dead) timer = window.setTimeout(() => void load(), REFRESH_MS);
  }
  void load();
  return { el, destroy: () => { dead = true; clearTimeout(timer); } };
}
