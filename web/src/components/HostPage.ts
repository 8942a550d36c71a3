// One host: facts, range picker and the metric charts; in the 1h range it also streams live values.

import { api, ApiError, isAdmin, type Host, type Latest, type LiveMessage, type SeriesResult } from "../api";
import { h, replace, type View } from "../dom";
import type { PageContext } from "../main";
import { navigate } from "../router";
import { openAgentTokenDialog } from "./AgentTokenDialog";
import { Chart, type ChartLine, type ChartView, type Unit } from "./Chart";
import { HostFacts } from "./HostFacts";
import { isRange, RANGES, RangePicker, type RangeKey } from "./RangePicker";
import { SeriesBuffer } from "./SeriesBuffer";
import { StateMessage } from "./StateMessage";
import { StatusBadge } from "./StatusBadge";
import { AlertBadge } from "./AlertBadge";
import { TagEditor } from "./TagEditor";

const NAMES = [
  "cpu.used_pct",
  "mem.used_bytes", "mem.cached_bytes", "mem.buffers_bytes", "mem.available_bytes",
  "fs.used_pct", "disk.read_bps", "disk.write_bps",
  "net.rx_bps", "net.tx_bps",
  "load.1", "load.5", "load.15",
];
/** Target number of points per line; the hub picks the storage tier from the step. */
const POINTS = 720;
/** Ranges other than the live one are re-fetched this often. */
const REFRESH_MS = 60_000;

interface ChartDef {
  testid: string;
  title: string;
  unit: Unit;
  lines(b: SeriesBuffer, perCore: boolean): ChartLine[];
}

const byLabel = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

const CHARTS: ChartDef[] = [
  { testid: "chart-cpu", title: "CPU", unit: "pct", lines: (b, perCore) => perCore
      ? b.labels("cpu.used_pct").filter((l) => l !== "").sort(byLabel).map((l) => ({ label: `core ${l}`, values: b.values("cpu.used_pct", l) }))
      : [{ label: "used", values: b.values("cpu.used_pct", "") }] },
  { testid: "chart-memory", title: "Memory", unit: "bytes", lines: (b) =>
      ([["used", "#3b82f6"], ["cached", "#06b6d4"], ["buffers", "#f59e0b"], ["available", "#10b981"]] as const)
        .map(([k, color]) => ({ label: k, color, values: b.values(`mem.${k}_bytes`, "") })) },
  { testid: "chart-disk", title: "Disk usage", unit: "pct", lines: (b) =>
      b.labels("fs.used_pct").sort(byLabel).map((m) => ({ label: m || "/", values: b.values("fs.used_pct", m) })) },
  { testid: "chart-diskio", title: "Disk I/O", unit: "bps", lines: (b) =>
      b.labels("disk.read_bps", "disk.write_bps").sort(byLabel).flatMap((d) => [
        { label: `${d} read`, values: b.values("disk.read_bps", d) },
        { label: `${d} write`, values: b.values("disk.write_bps", d) },
      ]) },
  { testid: "chart-network", title: "Network", unit: "bps", lines: (b) =>
      b.labels("net.rx_bps", "net.tx_bps").filter((i) => i !== "lo").sort(byLabel).flatMap((i) => [
        { label: `${i} rx`, values: b.values("net.rx_bps", i) },
        { label: `${i} tx`, values: b.values("net.tx_bps", i) },
      ]) },
  { testid: "chart-load", title: "Load", unit: "num", lines: (b) =>
      ["1", "5", "15"].map((k) => ({ label: `${k} min`, values: b.values(`load.${k}`, "") })) },
];

export function HostPage(ctx: PageContext, id: number): View {
  const params = new URLSearchParams(location.search);
  let range: RangeKey = isRange(params.get("range")) ? (params.get("range") as RangeKey) : "1h";
  let perCore = false;
  let host: Host | null = null;
  let latest: Partial<Latest> | null = null;
  let buf = new SeriesBuffer();
  let window_ = { from: 0, to: 0 };
  let unwatch: (() => void) | null = null;
  let abort: AbortController | null = null;
  let refreshTimer: number | undefined;

  const el = h("div", { class: "page host-page" });
  const facts = HostFacts();
  const status = h("span");
  const title = h("h1", { class: "page-title" });
  const tierNote = h("span", { class: "muted small", "data-testid": "series-tier" });
  const coreToggle = h("input", { type: "checkbox", "data-testid": "cpu-per-core" });
  coreToggle.addEventListener("change", () => {
    perCore = coreToggle.checked;
    redraw();
  });
  const coreLabel = h("label", { class: "toggle", hidden: true }, coreToggle, "Per core");
  const charts: { def: ChartDef; view: ChartView }[] = CHARTS.map((def) => ({
    def,
    view: Chart({ title: def.title, testid: def.testid, unit: def.unit, extra: def.testid === "chart-cpu" ? coreLabel : undefined }),
  }));
  const streaming = h("span", { class: "streaming", hidden: true, "data-testid": "host-streaming" }, "Streaming every second");
  const chartGrid = h("div", { class: "charts" }, charts.map((c) => c.view.el));
  const chartError = h("div", { role: "alert" });
  // A plain link: the session cookie authenticates the GET; the range is filled in when clicked.
  const exportLink = h("a", { class: "btn btn-sm", href: "#", download: "", "data-testid": "host-export-csv", title: "Raw samples of the selected range as CSV" }, "Export CSV");
  function updateExport(): void {
    const to = Date.now();
    exportLink.href = api.exportCsvUrl(id, to - RANGES[range], to);
    exportLink.setAttribute("aria-label", `Export the last ${range} as CSV`);
  }
  exportLink.addEventListener("click", updateExport);

  function redraw(): void {
    // The per-core toggle only makes sense once per-core series exist.
    coreLabel.hidden = !buf.labels("cpu.used_pct").some((l) => l !== "");
    for (const c of charts) c.view.setData({ times: buf.times, lines: c.def.lines(buf, perCore), ...window_ });
  }

  function renderHeader(): void {
    if (!host) return;
    document.title = `${host.name} · Vigil`;
    title.textContent = host.name;
    replace(status, StatusBadge(host.online), AlertBadge(host));
    streaming.hidden = range !== "1h" || !host.online;
    facts.update(host, latest);
  }

  async function loadSeries(): Promise<void> {
    abort?.abort();
    abort = new AbortController();
    const to = Date.now();
    const span = RANGES[range];
    const from = to - span;
    let r: SeriesResult;
    try {
      r = await api.series(id, { from, to, names: NAMES, step: range === "1h" ? undefined : Math.round(span / POINTS) }, abort.signal);
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") return;
      replace(chartError, StateMessage({ kind: "error", text: "Could not load metrics.", detail: e instanceof Error ? e.message : String(e), retry: () => void loadSeries() }).el);
      return;
    }
    replace(chartError);
    window_ = { from, to };
    buf = SeriesBuffer.from(r);
    tierNote.textContent = r.tier === "raw" ? "" : `${r.tier} averages`;
    redraw();
  }

  function setLive(on: boolean): void {
    if (on && !unwatch) unwatch = ctx.live.watch(id);
    if (!on && unwatch) {
      unwatch();
      unwatch = null;
    }
  }

  function scheduleRefresh(): void {
    window.clearInterval(refreshTimer);
    refreshTimer = range === "1h" ? undefined : window.setInterval(() => void loadSeries(), REFRESH_MS);
  }

  const offLive = ctx.live.subscribe((m: LiveMessage) => {
    if (m.host_id !== id || !host) return;
    if (m.type === "host") {
      host.online = m.online;
      renderHeader();
      return;
    }
    host.online = true;
    latest = { ...(latest ?? {}), ...m.latest };
    renderHeader();
    if (range !== "1h" || !m.values?.length) return;
    const now = Math.max(Date.now(), m.time);
    window_ = { from: now - RANGES["1h"], to: now };
    buf.append(m.time, m.values);
    buf.trimBefore(window_.from);
    redraw();
  });
  // Snapshots missed while disconnected are in the store: fetch them after a reconnect.
  let wasLive = ctx.live.state === "live";
  const offState = ctx.live.onState((s) => {
    if (s === "live" && !wasLive && host) void loadSeries();
    wasLive = s === "live";
  });

  function onRange(r: RangeKey): void {
    range = r;
    const q = new URLSearchParams(location.search);
    if (r === "1h") q.delete("range");
    else q.set("range", r);
    history.replaceState(null, "", location.pathname + (q.size ? `?${q}` : ""));
    setLive(r === "1h");
    renderHeader();
    updateExport();
    scheduleRefresh();
    void loadSeries();
  }

  async function remove(): Promise<void> {
    if (!host || !confirm(`Delete ${host.name} and all its data? The agent will no longer be able to connect.`)) return;
    try {
      await api.deleteHost(id);
      navigate("/");
    } catch (e) {
      alert(`Could not delete ${host.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async function load(): Promise<void> {
    replace(el, StateMessage({ kind: "loading", text: "Loading host…" }).el);
    try {
      const r = await api.host(id);
      host = r.host;
      latest = r.latest;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        replace(el, StateMessage({ kind: "empty", text: "This server does not exist (any more).", action: h("a", { href: "/", class: "btn" }, "Back to the fleet") }).el);
      } else {
        replace(el, StateMessage({ kind: "error", text: "Could not load this server.", detail: e instanceof Error ? e.message : String(e), retry: () => void load() }).el);
      }
      return;
    }
    renderHeader();
    updateExport();
    replace(el,
      h("a", { href: "/", class: "back" }, "← Fleet"),
      h("div", { class: "page-head" },
        h("div", { class: "title-row" }, title, status),
        h("div", { class: "head-actions" },
          exportLink,
          // A new agent token and deleting need admin or owner (docs/api.md); others do not get the buttons.
          isAdmin(ctx.me.role)
            ? h("button", { type: "button", class: "btn btn-sm", "data-testid": "host-rotate-token", onclick: () => host && openAgentTokenDialog(host) }, "Agent token")
            : null,
          isAdmin(ctx.me.role)
            ? h("button", { type: "button", class: "btn btn-danger btn-sm", "data-testid": "delete-host", onclick: () => void remove() }, "Delete server")
            : null)),
      TagEditor({ hostId: id, tags: host.tags ?? [], canEdit: ctx.me.role !== "viewer", onChange: (t) => { if (host) host.tags = t; } }),
      facts.el,
      h("div", { class: "toolbar range-bar" }, RangePicker(range, onRange), h("span", null, streaming, tierNote)),
      chartError,
      chartGrid);
    setLive(range === "1h");
    scheduleRefresh();
    await loadSeries();
  }

  void load();
  return {
    el,
    destroy() {
      abort?.abort();
      setLive(false);
      offLive();
      offState();
      window.clearInterval(refreshTimer);
      for (const c of charts) c.view.destroy?.();
    },
  };
}
