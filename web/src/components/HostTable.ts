// The fleet table: a header with sortable columns and one reusable row view per host. Rows are
// placed by VirtualList (FleetPage); a live update patches a row's cells in place.

import type { HostSummary } from "../api";
import { h, replace } from "../dom";
import { duration, num, pct, rate } from "../format";
import { CRIT_PCT, WARN_PCT, type SortKey } from "./FleetModel";
import type { SparkStore } from "./Sparkline";
import { Sparkline } from "./Sparkline";
import { StatusBadge } from "./StatusBadge";
import { AlertBadge } from "./AlertBadge";
import { TagChips } from "./TagChips";

interface Column {
  key: SortKey | "trend";
  title: string;
  numeric: boolean;
  /** Hidden below 720 px (phones keep name, status, CPU and memory). */
  wide?: boolean;
}

export const COLUMNS: Column[] = [
  { key: "name", title: "Name", numeric: false },
  { key: "status", title: "Status", numeric: false },
  { key: "cpu", title: "CPU", numeric: true },
  { key: "trend", title: "CPU trend", numeric: false, wide: true },
  { key: "mem", title: "Memory", numeric: true },
  { key: "disk", title: "Disk", numeric: true, wide: true },
  { key: "net", title: "Network", numeric: true, wide: true },
  { key: "load", title: "Load", numeric: true, wide: true },
  { key: "uptime", title: "Uptime", numeric: true, wide: true },
];

export function meter(v: number | null | undefined): Node {
  const level = v == null ? "none" : v >= CRIT_PCT ? "crit" : v >= WARN_PCT ? "warn" : "ok";
  const w = v == null ? 0 : Math.max(0, Math.min(100, v));
  return h("span", { class: "meter-cell" },
    h("span", { class: "meter-text" }, pct(v)),
    h("span", { class: `meter meter-${level}`, "aria-hidden": "true" }, h("span", { class: "meter-fill", style: `width:${w.toFixed(1)}%` })));
}

/** Sortable column headers; onSort gets the column clicked. */
export function TableHead(onSort: (k: SortKey) => void): { el: HTMLElement; set(k: SortKey, asc: boolean): void } {
  const cells = COLUMNS.map((c) => {
    const content = c.key === "trend"
      ? c.title
      : h("button", { type: "button", class: "th-btn", "data-testid": `sort-${c.key}`, onclick: () => onSort(c.key as SortKey) },
          c.title, h("span", { class: "sort-arrow", "aria-hidden": "true" }));
    return { c, th: h("th", { scope: "col", class: `col-${c.key}${c.numeric ? " num" : ""}${c.wide ? " wide" : ""}`, "aria-sort": c.key === "trend" ? null : "none" }, content) };
  });
  return {
    el: h("thead", null, h("tr", null, cells.map((x) => x.th))),
    set(k, asc) {
      for (const { c, th } of cells) if (c.key !== "trend") th.setAttribute("aria-sort", c.key === k ? (asc ? "ascending" : "descending") : "none");
    },
  };
}

export interface RowView {
  el: HTMLTableRowElement;
  update(x: HostSummary): void;
}

/** One host's row; cells are rebuilt in place on update so the row element (and focus) stays. */
export function HostRow(x: HostSummary, sparks: SparkStore): RowView {
  const spark = Sparkline(96, 24, `CPU of ${x.name} over the last minutes`);
  const tds = COLUMNS.map((c) => h("td", { class: `col-${c.key}${c.numeric ? " num" : ""}${c.wide ? " wide" : ""}`, "data-label": c.title }));
  const el = h("tr", { class: "host-row", "data-testid": "host-row", "data-host-id": String(x.id) }, tds);
  tds[COLUMNS.findIndex((c) => c.key === "trend")].appendChild(spark.el);
  const L = (y: HostSummary) => y.latest ?? {};
  // What each cell last showed: a cell is rebuilt only when its text changes, so elements (a
  // link being clicked, a focused chip) survive the many live updates that do not touch them.
  const shown: string[] = [];
  const sig = (c: Column, y: HostSummary): string => {
    const l = L(y);
    switch (c.key) {
      case "name": return `${y.name}\u0000${y.facts?.os ?? ""}\u0000${(y.tags ?? []).join()}`;
      case "status": return `${y.online} ${y.alerts?.firing ?? 0} ${y.alerts?.severity ?? ""}`;
      case "cpu": return pct(l.cpu_pct);
      case "trend": return "";
      case "mem": return pct(l.mem_pct);
      case "disk": return pct(l.disk_pct);
      case "net": return `${rate(l.net_rx_bps)} ${rate(l.net_tx_bps)}`;
      case "load": return num(l.load1);
      case "uptime": return duration(l.uptime_s);
    }
  };
  return {
    el,
    update(y) {
      el.classList.toggle("offline", !y.online);
      spark.draw(sparks.get(y.id));
      COLUMNS.forEach((c, i) => {
        const td = tds[i];
        const s = sig(c, y);
        if (c.key === "trend" || shown[i] === s) return;
        shown[i] = s;
        switch (c.key) {
          case "name":
            replace(td, h("span", { class: "name-cell" },
              h("a", { href: `/hosts/${y.id}`, class: "host-link", "data-testid": "host-name" }, y.name),
              h("span", { class: "sub", title: y.facts?.os ?? "" }, TagChips(y.tags, { max: 3, clickable: true }) ?? y.facts?.os ?? "")));
            break;
          case "status": replace(td, StatusBadge(y.online), AlertBadge(y)); break;
          case "cpu": replace(td, meter(L(y).cpu_pct)); break;
          case "mem": replace(td, meter(L(y).mem_pct)); break;
          case "disk": replace(td, meter(L(y).disk_pct)); break;
          case "net":
            replace(td, h("span", { class: "net-cell" },
              h("span", { title: "Received" }, "↓ ", rate(L(y).net_rx_bps)),
              h("span", { title: "Sent" }, "↑ ", rate(L(y).net_tx_bps))));
            break;
          case "load": td.textContent = num(L(y).load1); break;
          case "uptime": td.textContent = duration(L(y).uptime_s); break;
        }
      });
    },
  };
}
