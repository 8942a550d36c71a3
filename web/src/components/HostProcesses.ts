// The processes of one host, like top: a table sortable by any column and filterable, refreshed
// every two seconds (while the host page watches live the agent walks /proc every second and
// sends every process; otherwise its top processes every --proc-interval). Clicking a process
// opens the inspector: its CPU and memory over the stored history (a sample a minute, 48 h)
// followed by the newest value. Below: the process start/exit timeline, then services and
// containers (HostServices).

import { api, type Process, type ProcessEvent, type ProcessTable } from "../api";
import { h, replace, type View } from "../dom";
import { bytes, dateTimeSecOf, pct, rate } from "../format";
import { Chart } from "./Chart";
import { HostServices } from "./HostServices";

type Key = "pid" | "name" | "user" | "cpu_pct" | "rss_bytes" | "read_bps" | "write_bps";

const io = (v: number) => (v < 0 ? "—" : rate(v));
const COLUMNS: { key: Key; title: string; numeric: boolean; show: (p: Process) => string }[] = [
  { key: "pid", title: "PID", numeric: true, show: (p) => String(p.pid) },
  { key: "name", title: "Name", numeric: false, show: (p) => p.name },
  { key: "user", title: "User", numeric: false, show: (p) => p.user },
  { key: "cpu_pct", title: "CPU", numeric: true, show: (p) => pct(p.cpu_pct) },
  { key: "rss_bytes", title: "Memory", numeric: true, show: (p) => bytes(p.rss_bytes) },
  { key: "read_bps", title: "Read", numeric: true, show: (p) => io(p.read_bps) },
  { key: "write_bps", title: "Write", numeric: true, show: (p) => io(p.write_bps) },
];
const TABLE_MS = 2000;
const SLOW_MS = 15000;

export function HostProcesses(hostId: number): View {
  let sortKey: Key = "cpu_pct";
  let asc = false;
  let filter = "";
  let table: ProcessTable | null = null;
  let selected: Process | null = null;
  let stopped = false;
  const abort = new AbortController();

  const summary = h("span", { class: "muted", "data-testid": "proc-summary" }, "Loading processes…");
  const filterInput = h("input", { class: "input input-sm", type: "search", placeholder: "Filter: name, command, user or PID",
    "aria-label": "Filter processes", "data-testid": "proc-filter" });
  filterInput.addEventListener("input", () => { filter = filterInput.value.trim().toLowerCase(); render(); });
  const heads = COLUMNS.map((c) => {
    const th = h("th", { scope: "col", class: c.numeric ? "num" : null, "aria-sort": "none" },
      h("button", { type: "button", class: "th-btn", "data-testid": `proc-sort-${c.key}`, onclick: () => sortBy(c.key) },
        c.title, h("span", { class: "sort-arrow", "aria-hidden": "true" })));
    return { c, th };
  });
  const tbody = h("tbody");
  const procCard = h("section", { class: "card proc-card", "data-testid": "processes" },
    h("div", { class: "card-head" }, h("h2", { class: "card-title" }, "Processes"), summary, filterInput),
    h("div", { class: "table-scroll proc-scroll" }, h("table", { "data-testid": "proc-table" },
      h("thead", null, h("tr", null, heads.map((x) => x.th), h("th", { scope: "col" }, "Command"))), tbody)));

  const inspectTitle = h("h2", { class: "card-title", "data-testid": "proc-inspector-title" });
  const inspectCmd = h("p", { class: "muted proc-cmd-full" });
  const cpuChart = Chart({ title: "CPU", testid: "proc-inspector-cpu", unit: "pct" });
  const memChart = Chart({ title: "Memory", testid: "proc-inspector-rss", unit: "bytes" });
  const inspector = h("section", { class: "card proc-card", "data-testid": "proc-inspector", hidden: true },
    h("div", { class: "card-head" }, inspectTitle,
      h("button", { type: "button", class: "btn btn-sm", "data-testid": "proc-inspector-close", onclick: () => inspect(null) }, "Close")),
    inspectCmd, h("div", { class: "charts" }, cpuChart.el, memChart.el));

  const eventList = h("ol", { class: "proc-events" });
  const timeline = h("section", { class: "card proc-card", "data-testid": "proc-events" },
    h("div", { class: "card-head" }, h("h2", { class: "card-title" }, "Process starts and exits")), eventList);
  const services = HostServices(hostId);
  const el = h("div", { class: "host-processes" }, procCard, inspector, timeline, services.el);

  function sortBy(k: Key): void {
    if (k === sortKey) asc = !asc;
    else {
      sortKey = k;
      asc = !COLUMNS.find((c) => c.key === k)!.numeric; // amounts largest first, names A–Z
    }
    render();
  }

  function visible(): Process[] {
    const list = (table?.processes ?? []).filter((p) => !filter || String(p.pid) === filter ||
      p.name.toLowerCase().includes(filter) || p.cmdline.toLowerCase().includes(filter) || p.user.toLowerCase().includes(filter));
    const dir = asc ? 1 : -1;
    return list.sort((a, b) => {
      const x = a[sortKey], y = b[sortKey];
      const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return c * dir || a.pid - b.pid;
    });
  }

  function render(): void {
    for (const { c, th } of heads) th.setAttribute("aria-sort", c.key === sortKey ? (asc ? "ascending" : "descending") : "none");
    if (!table || table.time === 0) {
      summary.textContent = "No processes reported yet (agents report them unless started with --procs=false).";
      replace(tbody);
      return;
    }
    const rows = visible();
    summary.textContent = `${rows.length} of ${table.total} processes${table.full ? "" : " (top by CPU and memory)"} · ${dateTimeSecOf(table.time)}`;
    replace(tbody, rows.map((p) => h("tr", {
      class: `proc-row${selected && selected.pid === p.pid && selected.start_ms === p.start_ms ? " is-selected" : ""}`,
      "data-testid": "proc-row", "data-pid": String(p.pid), tabindex: "0",
      onclick: () => inspect(p), onkeydown: (e: KeyboardEvent) => { if (e.key === "Enter") inspect(p); },
    }, COLUMNS.map((c) => h("td", { class: c.numeric ? "num" : null }, c.show(p))),
      h("td", { class: "proc-cmd", title: p.cmdline }, p.cmdline))));
  }

  async function inspect(p: Process | null): Promise<void> {
    selected = p;
    inspector.hidden = !p;
    render();
    if (!p) return;
    inspectTitle.textContent = `${p.name} (PID ${p.pid}, ${p.user})`;
    inspectCmd.textContent = p.cmdline;
    let points: { time: number; cpu: number; rss: number }[] = [];
    try {
      const res = await api.processHistory(hostId, p.pid, p.start_ms, abort.signal);
      points = res.points.map((q) => ({ time: q.time, cpu: q.cpu_pct, rss: q.rss_bytes }));
    } catch {
      // 404: not stored yet (a new process); the newest value below still shows.
    }
    if (selected !== p) return;
    const now = table?.processes.find((q) => q.pid === p.pid && q.start_ms === p.start_ms) ?? p;
    const at = table?.time ?? Date.now();
    if (!points.length || points[points.length - 1].time < at) points.push({ time: at, cpu: now.cpu_pct, rss: now.rss_bytes });
    const times = points.map((q) => q.time);
    const from = Math.min(times[0], at - 3600e3);
    cpuChart.setData({ times, from, to: at, lines: [{ label: "CPU", values: points.map((q) => q.cpu) }] });
    memChart.setData({ times, from, to: at, lines: [{ label: "Memory", values: points.map((q) => q.rss) }] });
  }

  function renderEvents(evs: ProcessEvent[]): void {
    timeline.hidden = evs.length === 0;
    replace(eventList, evs.map((e) => h("li", { class: `proc-event is-${e.kind}`, "data-testid": "proc-event", "data-kind": e.kind },
      h("time", null, dateTimeSecOf(e.time)), " ",
      h("strong", null, e.kind === "start" ? "started" : "exited"), " ",
      `${e.name} (PID ${e.pid}, ${e.user})`, " ",
      h("span", { class: "muted proc-cmd", title: e.cmdline }, e.cmdline))));
  }

  // Each loop polls until destroy; a failed request is retried on the next turn.
  async function loop(ms: number, step: () => Promise<void>): Promise<void> {
    while (!stopped) {
      try {
        await step();
      } catch (e) {
        if (stopped) return;
        if (e instanceof Error && e.name !== "AbortError") summary.textContent = "Could not load processes: " + e.message;
      }
      await new Promise((r) => window.setTimeout(r, ms));
    }
  }
  void loop(TABLE_MS, async () => { table = await api.processes(hostId, abort.signal); render(); });
  void loop(SLOW_MS, async () => {
    const [evs] = await Promise.all([api.processEvents(hostId, abort.signal), services.refresh(abort.signal)]);
    renderEvents(evs.events ?? []);
  });

  return {
    el,
    destroy() {
      stopped = true;
      abort.abort();
      cpuChart.destroy?.();
      memChart.destroy?.();
    },
  };
}
