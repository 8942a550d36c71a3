// Typed client for uptime checks and status pages (docs/api.md, "Uptime checks"). It shares
// request() with api.ts; the pages that use it are loaded on demand, so it stays out of the
// first bundle.

import { request, type SeriesResult } from "./api";

export type CheckType = "http" | "tcp" | "dns" | "icmp" | "push";
export const CHECK_TYPES: CheckType[] = ["http", "tcp", "dns", "icmp", "push"];
export const RECORD_TYPES = ["A", "AAAA", "CNAME", "MX", "NS", "TXT", "SRV"];

export interface CheckSpec {
  name: string;
  type: CheckType;
  host_id?: number;
  paused?: boolean;
  interval_s: number;
  timeout_ms?: number;
  retries?: number;
  /** Where the check runs (remote probes); absent = the hub only. */
  locations?: { hub: boolean; hosts?: number[] };
  /** Locations that must find it down; 0 or absent = a majority. */
  quorum?: number;
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  accept_status?: string[];
  keyword?: string;
  regex?: string;
  json_path?: string;
  json_expect?: string;
  degraded_ms?: number;
  cert_expiry_days?: number;
  no_redirects?: boolean;
  insecure_skip_tls?: boolean;
  host?: string;
  port?: number;
  record_type?: string;
  resolver?: string;
  expect?: string;
  period_s?: number;
  grace_s?: number;
}

export type CheckState = "pending" | "up" | "degraded" | "down";

export interface CheckResult {
  time: string;
  status: "up" | "degraded" | "down";
  message: string;
  response_ms: number;
  failures: number;
  cert_expiry?: string;
}

/** One location's latest view of a check (GET /api/v1/checks/{id} only). */
export interface LocationState {
  location: string; // "hub" or "host:<id>"
  host_id: number | null;
  host_name?: string;
  state: "up" | "degraded" | "down" | "unknown";
  reason: string;
  time: string | null;
  response_ms: number | null;
  failures: number;
}

export interface Check {
  id: number;
  spec: CheckSpec;
  state: CheckState;
  state_since: string | null;
  message: string;
  last: CheckResult | null;
  last_push?: string;
  recent?: { time: number; up: number | null; response_ms: number | null }[];
  uptime_24h?: number;
  location_states?: LocationState[];
  created_at: string;
}

export interface Incident {
  start: string;
  end: string | null;
  duration_s: number;
  message: string;
}

export interface StatusNotice {
  title: string;
  body: string;
  starts_at: string;
  ends_at: string;
}

export interface StatusPage {
  id: number;
  slug: string;
  title: string;
  description: string;
  items: { kind: "check" | "host"; id: number }[];
  notices: StatusNotice[];
}

export type OverallState = "up" | "degraded" | "partial" | "down" | "unknown";

export interface PublicStatus {
  title: string;
  description: string;
  state: OverallState;
  items: { kind: string; name: string; state: string; uptime_90d: number | null; days?: (number | null)[] }[];
  incidents: { name: string; start: string; end: string | null; duration_s: number }[];
  notices: StatusNotice[];
  updated_at: string;
}

const q = (p: Record<string, number>) => new URLSearchParams(Object.entries(p).map(([k, v]) => [k, String(Math.round(v))]));

export const checksApi = {
  list: () => request<{ checks: Check[] }>("GET", "/api/v1/checks"),
  get: (id: number) => request<{ check: Check }>("GET", `/api/v1/checks/${id}`),
  create: (s: CheckSpec) => request<{ check: Check; push_url: string }>("POST", "/api/v1/checks", { body: s }),
  update: (id: number, s: CheckSpec) => request<{ check: Check; push_url: string }>("PUT", `/api/v1/checks/${id}`, { body: s }),
  remove: (id: number) => request<void>("DELETE", `/api/v1/checks/${id}`),
  rotatePush: (id: number) => request<{ push_url: string }>("POST", `/api/v1/checks/${id}/push-token`),
  series: (id: number, from: number, to: number) => request<SeriesResult>("GET", `/api/v1/checks/${id}/series?${q({ from, to })}`),
  uptime: (id: number) => request<{ uptime: Record<string, number | null> }>("GET", `/api/v1/checks/${id}/uptime`),
  incidents: (id: number) => request<{ incidents: Incident[] }>("GET", `/api/v1/checks/${id}/incidents`),
  exportUrl: "/api/v1/checks/export.yaml",
  pages: () => request<{ pages: StatusPage[] }>("GET", "/api/v1/status-pages"),
  page: (id: number) => request<{ page: StatusPage }>("GET", `/api/v1/status-pages/${id}`),
  savePage: (id: number | null, p: Omit<StatusPage, "id">) =>
    id === null
      ? request<{ page: StatusPage }>("POST", "/api/v1/status-pages", { body: p })
      : request<{ page: StatusPage }>("PUT", `/api/v1/status-pages/${id}`, { body: p }),
  removePage: (id: number) => request<void>("DELETE", `/api/v1/status-pages/${id}`),
  publicStatus: (slug: string) => request<PublicStatus>("GET", `/api/v1/status/${encodeURIComponent(slug)}`, { redirectOn401: false }),
};
