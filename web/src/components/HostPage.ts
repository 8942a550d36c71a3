// One host: facts, tags, time controls and the metric charts. Charts share a crosshair; dragging
// across one zooms all of them (re-queried at a finer step); the previous period can be laid over
// dashed; live mode follows new values every second. The URL keeps range, window and comparison.

import { api, ApiError, isAdmin, type Host, type Latest, type LiveMessage, type SeriesResult } from "../api";
import { h, replace, type View } from "../dom";
import { dateTimeOf, integer, timeZone } from "../format";
import type { PageContext } from "../main";
import { navigate } from "../router";
import { addShortcuts } from "../shortcuts";
import { openAgentTokenDialog } from "./AgentTokenDialog";
import { Chart, type ChartView } from "./Chart";
import { chartLines, CHARTS, NAMES, type ChartDef } from "./HostCharts";
import { HostFacts } from "./HostFacts";
import { HostProcesses } from "./HostProcesses";
import { RangeBar } from "./RangeBar";
import { isRange, RANGE_KEYS, RANGES, type RangeKey } from "./RangePicker";
import { SeriesBuffer } from "./SeriesBuffer";
import { StateMessage } from "./StateMessage";
import { StatusBadge } from "./StatusBadge";
import { AlertBadge } from "./AlertBadge";
import { TagEditor } from "./TagEditor";

/** Target number of points per line; the hub picks the storage tier from the step. */
const POINTS = 720;
/** Preset ranges other than the live one are re-fetched this often. */
const REFRESH_MS = 60_000;
const DAY = 86400e3;
/** Windows shorter than this are not zoomed into further (a few raw samples). */
const MIN_ZOOM_MS = 60_000;

type Window = { from: number; to: number };

export function HostPage(ctx: PageContext, id: number): View {
  const params = new URLSearchParams(location.search);
  let preset: RangeKey = isRange(params.get("range")) ? (params.get("range") as RangeKey) : "1h";
  const pf = Number(params.get("from"));
  const pt = Number(params.get("to"));
  let custom: Window | null = pf > 0 && pt > pf ? { from: pf, to: pt } : null;
  let compare = params.get("compare") === "1";
  let live = !custom && preset === "1h" && params.get("live") !== "0";
  const split: Record<string, boolean> = {};
  let host: Host | null = null;
  let latest: Partial<Latest> | null = null;
  let buf = new SeriesBuffer();
  let prev: { buf: SeriesBuffer; offset: number; tolerance: number } | null = null;
  let window_: Window = { from: 0, to: 0 };
  let result: Pick<SeriesResult, "tier" | "step"> | null = null;
  let lastValueAt = 0;
  let pendingLive: number | null = null;
  let unwatch: (() => void) | null = null;
  let abort: AbortController | null = null;
  let refreshTimer: number | undefined;

  const el = h("div", { class: "page host-page" });
  const facts = HostFacts();
  const status = h("span");
  const title = h("h1", { class: "page-title" });
  const tierNote = h("span", { "data-testid": "series-tier" });
  const streaming = h("span", { class: "streaming", hidden: true, "data-testid": "host-streaming" }, "Streaming every second");
  const statusLine = h("p", { class: "status-line", "data-testid": "host-status-line", "aria-live": "off" });

  const charts: { def: ChartDef; view: ChartView; toggle: HTMLLabelElement | null }[] = CHARTS.map((def, i) => {
    let toggle: HTMLLabelElement | null = null;
    if (def.split) {
      const box = h("input", { type: "checkbox", "data-testid": def.split.testid });
      box.addEventListener("change", () => {
        split[def.testid] = box.checked;
        redraw();
      });
      toggle = h("label", { class: "toggle", hidden: true }, box, def.split.label);
    }
    const view = Chart({
      title: def.title, testid: def.testid, unit: def.unit, extra: toggle ?? undefined,
      onZoom: (from, to) => zoom(from, to),
      // The first chart reports when a live value is on screen (see docs/benchmarks.md).
      onDraw: i === 0 ? livePainted : undefined,
    });
    return { def, view, toggle };
  });
  const chartGrid = h("div", { class: "charts" }, charts.map((c) => c.view.el));
  const procs = HostProcesses(id);
  const chartError = h("div", { role: "alert" });
  const bar = RangeBar(barState(), {
    preset: (k) => setPreset(k),
    custom: (from, to) => setCustom({ from, to }),
    resetZoom: () => resetZoom(),
    live: (on) => setLiveMode(on),
    compare: (on) => setCompare(on),
  });

  // A plain link: the session cookie authenticates the GET; the window is filled in when clicked.
  const exportLink = h("a", { class: "btn btn-sm", href: "#", download: "", "data-testid": "host-export-csv", title: "Raw samples of the selected range as CSV" }, "Export CSV");
  function updateExport(): void {
    const w = currentWindow();
    exportLink.href = api.exportCsvUrl(id, w.from, w.to);
    exportLink.setAttribute("aria-label", custom ? "Export the shown window as CSV" : `Export the last ${preset} as CSV`);
  }
  exportLink.addEventListener("click", updateExport);

  function currentWindow(): Window {
    if (custom) return custom;
    const now = Date.now();
    return { from: now - RANGES[preset], to: now };
  }

  /** "Today vs yesterday" up to a day; longer windows compare with the one before. */
  function compareOffset(span: number): number {
    return span <= DAY ? DAY : span;
  }

  function compareLabel(): string {
    const span = custom ? custom.to - custom.from : RANGES[preset];
    if (span <= DAY) return "with yesterday";
    return custom ? "with the previous period" : `with the previous ${preset}`;
  }

  function barState() {
    return { preset, custom, live, compare, compareLabel: compareLabel() };
  }

  function redraw(): void {
    for (const c of charts) {
      if (c.toggle && c.def.split) c.toggle.hidden = !c.def.split.has(buf);
      c.view.setData({ times: buf.times, lines: chartLines(c.def, buf, !!split[c.def.testid], prev), ...window_ });
    }
    renderStatus();
  }

  function livePainted(): void {
    if (pendingLive === null) return;
    performance.mark("vigil:live-painted", { detail: { sample: pendingLive, painted: Date.now() } });
    pendingLive = null;
    // Marks are kept for the UI benchmark; a long-open page must not collect them forever.
    if (performance.getEntriesByName("vigil:live-painted").length > 500) performance.clearMarks("vigil:live-painted");
  }

  function renderHeader(): void {
    if (!host) return;
    document.title = `${host.name} · Vigil`;
    title.textContent = host.name;
    replace(status, StatusBadge(host.online), AlertBadge(host));
    streaming.hidden = !live || !host.online;
    facts.update(host, latest);
  }

  function renderStatus(): void {
    const parts: (string | Node)[] = [];
    if (live) {
      const age = lastValueAt ? Math.max(0, (Date.now() - lastValueAt) / 1000) : null;
      parts.push(host?.online ? "Live, every second" : "Live (server offline)");
      parts.push(age === null ? "waiting for the first value" : `last value ${age < 1 ? "<1" : Math.round(age)} s ago`);
    } else {
      parts.push(custom ? `${dateTimeOf(window_.from)} – ${dateTimeOf(window_.to)}` : `Last ${preset}`);
      if (!custom) parts.push("refreshed every minute");
    }
    tierNote.textContent = !result ? "" : result.tier === "raw" ? "raw samples" : `${result.tier === "1h" ? "hourly" : "1-minute"} averages, a point every ${Math.round(result.step / 60000)} min`;
    parts.push(tierNote);
    parts.push(`${integer(buf.times.length)} points`);
    if (prev) parts.push(`dashed: ${compareLabel().replace(/^with /, "")}`);
    parts.push(`times in ${timeZone()}`);
    replace(statusLine, parts.flatMap((p, i) => (i === 0 ? [p] : [" · ", p])));
  }

  async function loadSeries(): Promise<void> {
    abort?.abort();
    abort = new AbortController();
    const w = currentWindow();
    const span = w.to - w.from;
    const step = span <= RANGES["1h"] ? undefined : Math.round(span / POINTS);
    const off = compareOffset(span);
    let r: SeriesResult;
    let p: SeriesResult | null = null;
    try {
      [r, p] = await Promise.all([
        api.series(id, { ...w, names: NAMES, step }, abort.signal),
        compare ? api.series(id, { from: w.from - off, to: w.to - off, names: NAMES, step }, abort.signal) : Promise.resolve(null),
      ]);
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") return;
      replace(chartError, StateMessage({ kind: "error", text: "Could not load metrics.", detail: e instanceof Error ? e.message : String(e), retry: () => void loadSeries() }).el);
      return;
    }
    replace(chartError);
    window_ = w;
    buf = SeriesBuffer.from(r);
    result = r;
    // A previous-period value counts for a current time within one step (raw: 1.5 × the typical
    // sample spacing), so gaps stay gaps instead of being bridged.
    prev = p ? { buf: SeriesBuffer.from(p), offset: off, tolerance: Math.max(r.step, typicalSpacing(r.times)) * 1.5 } : null;
    if (buf.times.length) lastValueAt = Math.max(lastValueAt, buf.times[buf.times.length - 1]);
    redraw();
    // The first full draw of the page, for the UI benchmark (docs/benchmarks.md).
    if (!el.dataset.rendered) {
      el.dataset.rendered = "true";
      requestAnimationFrame(() => performance.mark("vigil:host-rendered"));
    }
  }

  function setWatch(on: boolean): void {
    if (on && !unwatch) unwatch = ctx.live.watch(id);
    if (!on && unwatch) {
      unwatch();
      unwatch = null;
    }
  }

  function scheduleRefresh(): void {
    window.clearInterval(refreshTimer);
    // Live mode appends as values arrive; with a comparison it still re-fetches now and then, so
    // the previous period keeps covering the moving window.
    refreshTimer = custom || (live && !compare) ? undefined : window.setInterval(() => void loadSeries(), REFRESH_MS);
  }

  /** Applies a change of range, window, live or comparison: URL, controls, watch, data. */
  function changed(refetch = true): void {
    const q = new URLSearchParams(location.search);
    for (const k of ["range", "from", "to", "compare", "live"]) q.delete(k);
    if (custom) {
      q.set("from", String(Math.round(custom.from)));
      q.set("to", String(Math.round(custom.to)));
    } else if (preset !== "1h") q.set("range", preset);
    else if (!live) q.set("live", "0");
    if (compare) q.set("compare", "1");
    history.replaceState(null, "", location.pathname + (q.size ? `?${q}` : ""));
    bar.set(barState());
    setWatch(live);
    renderHeader();
    updateExport();
    scheduleRefresh();
    if (refetch) void loadSeries();
    else renderStatus();
  }

  function setPreset(k: RangeKey): void {
    preset = k;
    custom = null;
    live = k === "1h";
    changed();
  }

  function setCustom(w: Window): void {
    custom = w;
    live = false;
    changed();
  }

  function zoom(from: number, to: number): void {
    if (to - from < MIN_ZOOM_MS) {
      const mid = (from + to) / 2;
      from = mid - MIN_ZOOM_MS / 2;
      to = mid + MIN_ZOOM_MS / 2;
    }
    setCustom({ from, to: Math.min(to, Date.now()) });
  }

  function resetZoom(): void {
    if (!custom) return;
    custom = null;
    live = preset === "1h";
    changed();
  }

  function setLiveMode(on: boolean): void {
    live = on;
    if (on) {
      preset = "1h";
      custom = null;
    }
    changed();
  }

  function setCompare(on: boolean): void {
    compare = on;
    changed();
  }

  const offLive = ctx.live.subscribe((m: LiveMessage) => {
    if (m.host_id !== id || !host) return;
    if (m.type === "host") {
      host.online = m.online;
      renderHeader();
      renderStatus();
      return;
    }
    if (m.type === "alerts") {
      host.alerts = m.firing > 0 ? { firing: m.firing, severity: m.severity } : undefined;
      renderHeader();
      return;
    }
    host.online = true;
    latest = { ...(latest ?? {}), ...m.latest };
    renderHeader();
    if (!live || !m.values?.length) return;
    const now = Math.max(Date.now(), m.time);
    window_ = { from: now - RANGES["1h"], to: now };
    buf.append(m.time, m.values);
    buf.trimBefore(window_.from);
    lastValueAt = m.time;
    pendingLive = m.time;
    redraw();
  });
  // Snapshots missed while disconnected are in the store: fetch them after a reconnect.
  let wasLive = ctx.live.state === "live";
  const offState = ctx.live.onState((s) => {
    if (s === "live" && !wasLive && host) void loadSeries();
    wasLive = s === "live";
  });
  // The status line's "last value n s ago" ages between snapshots.
  const ticker = window.setInterval(() => live && host && renderStatus(), 1000);

  const offKeys = addShortcuts("Host page", [
    ...RANGE_KEYS.map((k, i) => ({ keys: String(i + 1), label: `Last ${k}`, run: () => setPreset(k) })),
    { keys: "l", label: "Live mode on/off", run: () => setLiveMode(!live) },
    { keys: "c", label: "Compare with the previous period on/off", run: () => setCompare(!compare) },
    { keys: "Escape", label: "Reset zoom", run: () => resetZoom() },
  ]);

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
        h("div", { class: "title-row" }, title, status, streaming),
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
      bar.el,
      statusLine,
      chartError,
      chartGrid,
      procs.el);
    changed(false);
    await loadSeries();
  }

  void load();
  return {
    el,
    destroy() {
      abort?.abort();
      setWatch(false);
      offLive();
      offState();
      offKeys();
      window.clearInterval(refreshTimer);
      window.clearInterval(ticker);
      for (const c of charts) c.view.destroy?.();
      procs.destroy?.();
    },
  };
}

/** Median spacing of sample times (ms); 10 s when there are too few. */
function typicalSpacing(times: readonly number[]): number {
  if (times.length < 3) return 10_000;
  const d: number[] = [];
  for (let i = 1; i < times.length; i++) d.push(times[i] - times[i - 1]);
  d.sort((a, b) => a - b);
  return d[d.length >> 1];
}
