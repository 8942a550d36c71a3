// One uptime check: state, uptime over 24 h to 90 d, response-time chart, incidents, and for
// editors edit, delete and a new push URL.

import { h, replace, type View } from "../dom";
import { checksApi, type Check, type Incident, type LocationState } from "../checksApi";
import { ago, dateTimeOf, duration, num } from "../format";
import type { PageContext } from "../main";
import { navigate } from "../router";
import { Chart } from "./Chart";
import { CheckStateBadge, targetOf } from "./CheckBits";
import { CopyField } from "./CopyField";
import { StateMessage } from "./StateMessage";

const RANGES: [string, number][] = [["1 h", 3600e3], ["24 h", 86400e3], ["7 d", 7 * 86400e3], ["30 d", 30 * 86400e3]];
const REFRESH_MS = 15_000;

export function CheckPage(ctx: PageContext, id: number): View {
  const editor = ctx.me.role !== "viewer";
  const el = h("div", { class: "page", "data-testid": "check-page" }, StateMessage({ kind: "loading", text: "Loading check…" }).el);
  const chart = Chart({ title: "Response time (ms)", testid: "check-chart", unit: "num" });
  let range = RANGES[1][1];
  const rangeBtns = RANGES.map(([label, ms]) => {
    const b = h("button", { type: "button", class: "btn btn-sm", "aria-pressed": String(ms === range), onclick: () => { range = ms; for (const x of rangeBtns) x.setAttribute("aria-pressed", String(x === b)); void loadChart(); } }, label);
    return b;
  });
  const head = h("div");
  const uptime = h("div", { class: "uptime-grid", "data-testid": "check-uptime" });
  const incidents = h("div", { class: "card card-pad", "data-testid": "check-incidents" });
  const locations = h("div");
  let names = new Map<string, string>(); // location → what to call it in the chart legend
  const pushBox = h("div", { "aria-live": "polite" });
  let built = false;

  async function loadChart(): Promise<void> {
    const to = Date.now();
    const res = await checksApi.series(id, to - range, to);
    // A check with agents stores a response time per location; a hub-only check one series.
    const perLoc = res.series.filter((s) => s.name === "check_location_response_ms");
    const rt = res.series.find((s) => s.name === "check_response_ms");
    const lines = perLoc.length > 0
      ? perLoc.map((s) => ({ label: names.get(s.label) ?? s.label, values: s.values }))
      : [{ label: "Response", values: rt?.values ?? res.times.map(() => null) }];
    chart.setData({ times: res.times, from: to - range, to, lines });
  }

  function renderHead(c: Check): void {
    const state = c.spec.paused ? "paused" : c.state;
    replace(head, h("div", { class: "page-head" },
      h("div", null,
        h("p", { class: "crumbs" }, h("a", { href: "/checks" }, "Uptime checks"), " / "),
        h("h1", { class: "page-title" }, c.spec.name, " ", CheckStateBadge(state)),
        h("p", { class: "muted" }, c.spec.type.toUpperCase(), " · ", targetOf(c.spec), " · every ", duration(c.spec.interval_s),
          c.state_since ? ` · ${state} since ${ago(c.state_since)}` : "")),
      editor ? h("div", { class: "toolbar" },
        c.spec.type === "push" ? h("button", { type: "button", class: "btn btn-sm", onclick: () => void rotate() }, "New push URL") : null,
        h("a", { class: "btn btn-sm", href: `/checks/${id}/edit`, "data-testid": "check-edit" }, "Edit"),
        h("button", { type: "button", class: "btn btn-sm btn-danger", "data-testid": "check-delete", onclick: () => void del(c) }, "Delete")) : null),
      c.message || c.last ? h("p", { class: `notice ${c.state === "down" ? "notice-crit" : ""}`, "data-testid": "check-message" },
        c.last ? `Last result ${ago(c.last.time)}: ${c.last.status}` + (c.last.status !== "down" ? `, ${num(c.last.response_ms, 0)} ms` : "") + ` — ${c.last.message}` : c.message,
        c.last?.cert_expiry ? ` · certificate valid until ${dateTimeOf(c.last.cert_expiry)}` : "") : null);
  }

  // Per location (remote probes): its own state and latest response time; unknown means the
  // agent is offline, not accepting probes, or silent, and does not count toward the quorum.
  function renderLocations(c: Check): void {
    const ls: LocationState[] = c.location_states ?? [];
    names = new Map(ls.map((l) => [l.location, l.location === "hub" ? "Hub" : l.host_name || l.location]));
    if (ls.length < 2 && (ls.length === 0 || ls[0].location === "hub")) {
      replace(locations);
      return;
    }
    const n = ls.length;
    const quorum = c.spec.quorum || Math.floor(n / 2) + 1;
    replace(locations, h("div", { class: "card card-pad", "data-testid": "check-locations" },
      h("h2", { class: "card-title" }, "Locations"),
      h("p", { class: "muted small" }, `Down when ${quorum} of ${n} locations agree.`),
      h("table", { class: "locations-table" },
        h("thead", null, h("tr", null, h("th", null, "Location"), h("th", null, "State"), h("th", null, "Response"), h("th", null, "Last result"))),
        h("tbody", null, ls.map((l) => h("tr", { "data-testid": "location-row", "data-location": l.location, "data-state": l.state },
          h("td", null, names.get(l.location) ?? l.location),
          h("td", null, CheckStateBadge(l.state)),
          h("td", { "data-testid": "location-response" }, l.response_ms === null ? "–" : `${num(l.response_ms, 0)} ms`),
          h("td", { class: "small" }, l.time ? `${ago(l.time)}: ` : "", l.reason)))))));
  }

  function renderIncidents(list: Incident[]): void {
    replace(incidents, h("h2", { class: "card-title" }, "Incidents (90 days)"),
      list.length === 0 ? h("p", { class: "muted" }, "No downtime recorded.") :
        h("ul", { class: "incident-list" }, list.map((i) => h("li", { "data-testid": "incident" },
          h("strong", null, dateTimeOf(i.start)), " — ", i.end ? `down for ${duration(i.duration_s)}` : h("span", { class: "text-crit" }, `ongoing, ${duration(i.duration_s)}`),
          h("div", { class: "muted small" }, i.message)))));
  }

  async function rotate(): Promise<void> {
    if (!confirm("Issue a new push URL? The old one stops working at once.")) return;
    const r = await checksApi.rotatePush(id);
    replace(pushBox, h("div", { class: "notice" }, h("p", null, "New push URL; copy it now, it is not shown again."), CopyField("Push URL", r.push_url, "push-url")));
  }

  async function del(c: Check): Promise<void> {
    if (!confirm(`Delete “${c.spec.name}” and its history?`)) return;
    await checksApi.remove(id);
    navigate("/checks");
  }

  let timer = 0;
  let dead = false;
  async function load(): Promise<void> {
    try {
      const [{ check }, up, inc] = await Promise.all([checksApi.get(id), checksApi.uptime(id), checksApi.incidents(id)]);
      if (dead) return;
      renderHead(check);
      renderLocations(check);
      replace(uptime, Object.entries(up.uptime).map(([k, v]) =>
        h("div", { class: "card card-pad uptime-cell" }, h("span", { class: "muted small" }, `Uptime ${k}`), h("strong", { "data-window": k }, v === null ? "–" : `${v.toFixed(v >= 99.995 ? 0 : 2)} %`))));
      renderIncidents(inc.incidents);
      if (!built) {
        built = true;
        replace(el, head, pushBox, locations, uptime, h("div", { class: "toolbar", role: "group", "aria-label": "Chart range" }, rangeBtns), chart.el, incidents);
      }
      await loadChart();
    } catch (e) {
      if (!dead && !built) replace(el, StateMessage({ kind: "error", text: e instanceof Error ? e.message : String(e), retry: () => void load() }).el);
    }
    if (!dead) timer = window.setTimeout(() => void load(), REFRESH_MS);
  }
  void load();
  return { el, destroy: () => { dead = true; clearTimeout(timer); chart.destroy?.(); } };
}
