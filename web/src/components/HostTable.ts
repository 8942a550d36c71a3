// Sortable, filterable fleet table; rows link to the host page. On narrow screens rows become cards.

import type { HostSummary } from "../api";
import { h, replace } from "../dom";
import { duration, num, pct, rate } from "../format";
import { navigate } from "../router";
import { StatusBadge } from "./StatusBadge";

type Key = "name" | "status" | "cpu" | "mem" | "disk" | "net" | "load" | "uptime";

interface Column {
  key: Key;
  title: string;
  numeric: boolean;
  value: (x: HostSummary) => string | number | null;
  cell: (x: HostSummary) => Node | string;
}

function meter(v: number | null | undefined): Node {
  const level = v == null ? "none" : v >= 90 ? "crit" : v >= 75 ? "warn" : "ok";
  const w = v == null ? 0 : Math.max(0, Math.min(100, v));
  return h("span", { class: "meter-cell" },
    h("span", { class: "meter-text" }, pct(v)),
    h("span", { class: `meter meter-${level}`, "aria-hidden": "true" }, h("span", { class: "meter-fill", style: `width:${w.toFixed(1)}%` })));
}

const L = (x: HostSummary) => x.latest ?? {};

const COLUMNS: Column[] = [
  { key: "name", title: "Name", numeric: false, value: (x) => x.name.toLowerCase(),
    cell: (x) => h("span", { class: "name-cell" },
      h("a", { href: `/hosts/${x.id}`, class: "host-link", "data-testid": "host-name" }, x.name),
      x.facts?.os ? h("span", { class: "sub" }, x.facts.os) : null) },
  { key: "status", title: "Status", numeric: false, value: (x) => (x.online ? 0 : 1), cell: (x) => StatusBadge(x.online) },
  { key: "cpu", title: "CPU", numeric: true, value: (x) => L(x).cpu_pct ?? null, cell: (x) => meter(L(x).cpu_pct) },
  { key: "mem", title: "Memory", numeric: true, value: (x) => L(x).mem_pct ?? null, cell: (x) => meter(L(x).mem_pct) },
  { key: "disk", title: "Disk", numeric: true, value: (x) => L(x).disk_pct ?? null, cell: (x) => meter(L(x).disk_pct) },
  { key: "net", title: "Network", numeric: true, value: (x) => (L(x).net_rx_bps ?? 0) + (L(x).net_tx_bps ?? 0),
    cell: (x) => h("span", { class: "net-cell" },
      h("span", { title: "Received" }, "↓ ", rate(L(x).net_rx_bps)),
      h("span", { title: "Sent" }, "↑ ", rate(L(x).net_tx_bps))) },
  { key: "load", title: "Load", numeric: true, value: (x) => L(x).load1 ?? null, cell: (x) => num(L(x).load1) },
  { key: "uptime", title: "Uptime", numeric: true, value: (x) => L(x).uptime_s ?? null, cell: (x) => duration(L(x).uptime_s) },
];

export interface HostTableView {
  el: HTMLElement;
  /** Re-renders with the given hosts and search text. Returns how many rows are shown. */
  update(hosts: HostSummary[], search: string): number;
}

export function HostTable(): HostTableView {
  let sortKey: Key = "name";
  let asc = true;
  let lastHosts: HostSummary[] = [];
  let lastSearch = "";

  const headCells = COLUMNS.map((c) => {
    const btn = h("button", { type: "button", class: "th-btn", onclick: () => setSort(c.key) }, c.title, h("span", { class: "sort-arrow", "aria-hidden": "true" }));
    return { c, th: h("th", { scope: "col", class: c.numeric ? "num" : "", "aria-sort": "none" }, btn) };
  });
  const tbody = h("tbody");
  const table = h("table", { class: "hosts", "data-testid": "host-table" },
    h("caption", { class: "sr-only" }, "Servers; select a column header to sort"),
    h("thead", null, h("tr", null, headCells.map((x) => x.th))), tbody);

  // Narrow screens hide the header row, so they get a sort menu instead.
  const sortSelect = h("select", { class: "input input-sm", "aria-label": "Sort by", "data-testid": "sort-select" },
    COLUMNS.map((c) => h("option", { value: c.key }, c.title)));
  sortSelect.addEventListener("change", () => setSort(sortSelect.value as Key, true));
  const el = h("div", { class: "table-wrap" }, h("div", { class: "mobile-sort" }, h("label", null, "Sort by ", sortSelect)), table);

  function setSort(k: Key, fromSelect = false): void {
    if (fromSelect) {
      sortKey = k;
      asc = !COLUMNS.find((c) => c.key === k)!.numeric;
    } else if (k === sortKey) asc = !asc;
    else {
      sortKey = k;
      // Numbers are most interesting highest first; names alphabetically.
      asc = !COLUMNS.find((c) => c.key === k)!.numeric;
    }
    update(lastHosts, lastSearch);
  }

  function update(hosts: HostSummary[], search: string): number {
    lastHosts = hosts;
    lastSearch = search;
    const col = COLUMNS.find((c) => c.key === sortKey)!;
    for (const { c, th } of headCells) {
      th.setAttribute("aria-sort", c.key === sortKey ? (asc ? "ascending" : "descending") : "none");
    }
    sortSelect.value = sortKey;
    const q = search.trim().toLowerCase();
    const rows = hosts.filter((x) => !q || [x.name, x.facts?.hostname, x.facts?.os].some((s) => s?.toLowerCase().includes(q)));
    rows.sort((a, b) => {
      const va = col.value(a);
      const vb = col.value(b);
      // Unknown values sort last in either direction.
      if (va === null && vb === null) return a.name.localeCompare(b.name);
      if (va === null) return 1;
      if (vb === null) return -1;
      const d = va < vb ? -1 : va > vb ? 1 : a.name.localeCompare(b.name) * (asc ? 1 : -1);
      return asc ? d : -d;
    });
    replace(tbody, rows.map((x) =>
      h("tr", { class: `host-row${x.online ? "" : " offline"}`, "data-testid": "host-row", "data-host-id": String(x.id),
        onclick: (ev: MouseEvent) => {
          if ((ev.target as Element).closest("a")) return;
          navigate(`/hosts/${x.id}`);
        } },
        COLUMNS.map((c) => h("td", { class: `col-${c.key}${c.numeric ? " num" : ""}`, "data-label": c.title }, c.cell(x)))),
    ));
    return rows.length;
  }

  return { el, update };
}
