// The fleet overview's data rules, kept apart from the DOM: a host's state, the filters, the sort
// orders and grouping by tag. Everything here is plain functions over HostSummary lists, so a
// thousand hosts are filtered and sorted in about a millisecond.

import type { HostSummary } from "../api";

/** A host's state, worst first. Thresholds match the meters' colors in the table. */
export type HostState = "offline" | "critical" | "warning" | "ok";
export const STATES: HostState[] = ["critical", "warning", "offline", "ok"];
export const STATE_LABEL: Record<HostState, string> = { critical: "Critical", warning: "Warning", offline: "Offline", ok: "OK" };
const SEVERITY: Record<HostState, number> = { offline: 3, critical: 2, warning: 1, ok: 0 };
export const WARN_PCT = 75;
export const CRIT_PCT = 90;

/** Offline first; then a firing alert's severity (when the hub runs alerting) or, without one,
 * the fullest of CPU, memory and disk against the meters' thresholds. */
export function hostState(x: HostSummary): HostState {
  if (!x.online) return "offline";
  if (x.alerts && x.alerts.firing > 0) return x.alerts.severity === "critical" ? "critical" : "warning";
  const l = x.latest ?? {};
  const worst = Math.max(l.cpu_pct ?? 0, l.mem_pct ?? 0, l.disk_pct ?? 0);
  return worst >= CRIT_PCT ? "critical" : worst >= WARN_PCT ? "warning" : "ok";
}

export type SortKey = "status" | "name" | "cpu" | "mem" | "disk" | "net" | "load" | "uptime";

export const SORT_LABEL: Record<SortKey, string> = {
  status: "Problems first", name: "Name", cpu: "CPU", mem: "Memory", disk: "Disk", net: "Network", load: "Load", uptime: "Uptime",
};

const L = (x: HostSummary) => x.latest ?? {};

/** The value a column sorts by; null sorts last in either direction. */
export function sortValue(k: SortKey, x: HostSummary): number | string | null {
  switch (k) {
    case "status": return SEVERITY[hostState(x)];
    case "name": return x.name.toLowerCase();
    case "cpu": return L(x).cpu_pct ?? null;
    case "mem": return L(x).mem_pct ?? null;
    case "disk": return L(x).disk_pct ?? null;
    case "net": return L(x).net_rx_bps == null && L(x).net_tx_bps == null ? null : (L(x).net_rx_bps ?? 0) + (L(x).net_tx_bps ?? 0);
    case "load": return L(x).load1 ?? null;
    case "uptime": return L(x).uptime_s ?? null;
  }
}

/** Names ascend, everything else (problems, usage) is most interesting highest first. */
export const defaultAsc = (k: SortKey): boolean => k === "name";

export interface FleetQuery {
  search: string;
  state: HostState | "all";
  tag: string; // "" = any
  sort: SortKey;
  asc: boolean;
  group: string; // "" = none, "tag" = by tag, "key:<k>" = by the value of k=v tags
}

export const DEFAULT_QUERY: FleetQuery = { search: "", state: "all", tag: "", sort: "status", asc: false, group: "" };

export function matchesSearch(x: HostSummary, q: string): boolean {
  if (!q) return true;
  return [x.name, x.facts?.hostname, x.facts?.os, ...(x.tags ?? [])].some((s) => s?.toLowerCase().includes(q));
}

export function counts(hosts: Iterable<HostSummary>): Record<HostState | "all", number> {
  const c = { all: 0, critical: 0, warning: 0, offline: 0, ok: 0 };
  for (const x of hosts) {
    c.all++;
    c[hostState(x)]++;
  }
  return c;
}

/** Every tag in use with its number of hosts, by name. */
export function tagCounts(hosts: Iterable<HostSummary>): [string, number][] {
  const m = new Map<string, number>();
  for (const x of hosts) for (const t of x.tags ?? []) m.set(t, (m.get(t) ?? 0) + 1);
  return [...m].sort((a, b) => a[0].localeCompare(b[0]));
}

/** Keys of key=value tags ("env" for "env=prod"), for "group by env". */
export function tagKeys(hosts: Iterable<HostSummary>): string[] {
  const s = new Set<string>();
  for (const x of hosts) for (const t of x.tags ?? []) if (t.includes("=")) s.add(t.slice(0, t.indexOf("=")));
  return [...s].sort();
}

export function filterAndSort(hosts: Iterable<HostSummary>, q: FleetQuery): HostSummary[] {
  const search = q.search.trim().toLowerCase();
  const out: HostSummary[] = [];
  for (const x of hosts) {
    if (q.state !== "all" && hostState(x) !== q.state) continue;
    if (q.tag && !(x.tags ?? []).includes(q.tag)) continue;
    if (!matchesSearch(x, search)) continue;
    out.push(x);
  }
  const dir = q.asc ? 1 : -1;
  // Precompute keys: sorting 1,000 hosts calls the comparator ~10,000 times.
  const keyed = out.map((x) => ({ x, v: sortValue(q.sort, x), n: x.name.toLowerCase() }));
  keyed.sort((a, b) => {
    if (a.v === null && b.v === null) return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
    if (a.v === null) return 1;
    if (b.v === null) return -1;
    if (a.v !== b.v) return (a.v < b.v ? -1 : 1) * dir;
    return a.n < b.n ? -1 : a.n > b.n ? 1 : 0; // ties by name, always ascending
  });
  return keyed.map((k) => k.x);
}

export interface Group {
  name: string; // "" when not grouping
  hosts: HostSummary[];
}

/**
 * Splits sorted hosts into groups. By tag a host appears under each of its tags; by key it
 * appears under its value of that key. Hosts without one go to a last "untagged"/"no <key>" group.
 */
export function groupHosts(hosts: HostSummary[], group: string): Group[] {
  if (!group) return [{ name: "", hosts }];
  const key = group.startsWith("key:") ? group.slice(4) : "";
  const groups = new Map<string, HostSummary[]>();
  const none: HostSummary[] = [];
  for (const x of hosts) {
    const names = key
      ? (x.tags ?? []).filter((t) => t.startsWith(key + "=")).map((t) => t.slice(key.length + 1))
      : (x.tags ?? []);
    if (names.length === 0) none.push(x);
    for (const n of names) {
      let g = groups.get(n);
      if (!g) groups.set(n, (g = []));
      g.push(x);
    }
  }
  const out = [...groups].sort((a, b) => a[0].localeCompare(b[0])).map(([name, hs]) => ({ name: key ? `${key}=${name}` : name, hosts: hs }));
  if (none.length) out.push({ name: key ? `no ${key}` : "untagged", hosts: none });
  return out;
}

/** Reads the query from the URL (?q=&state=&tag=&sort=&dir=&group=), ignoring bad values. */
export function queryFromURL(p: URLSearchParams): FleetQuery {
  const q = { ...DEFAULT_QUERY };
  q.search = p.get("q") ?? "";
  const st = p.get("state");
  if (st && (STATES as string[]).includes(st)) q.state = st as HostState;
  q.tag = p.get("tag") ?? "";
  const so = p.get("sort");
  if (so && so in SORT_LABEL) {
    q.sort = so as SortKey;
    q.asc = defaultAsc(q.sort);
  }
  const dir = p.get("dir");
  if (dir === "asc" || dir === "desc") q.asc = dir === "asc";
  q.group = p.get("group") ?? "";
  return q;
}

export function queryToURL(q: FleetQuery, p: URLSearchParams): void {
  const set = (k: string, v: string, def: string) => (v === def ? p.delete(k) : p.set(k, v));
  set("q", q.search, "");
  set("state", q.state, "all");
  set("tag", q.tag, "");
  set("sort", q.sort, DEFAULT_QUERY.sort);
  set("dir", q.asc ? "asc" : "desc", defaultAsc(q.sort) ? "asc" : "desc");
  set("group", q.group, "");
}
