// Typed client for the alerting routes (docs/api.md, "Alerts"); loaded with the alerts area.

import { apiRequest as request } from "../../api";

export type Severity = "warning" | "critical";

export interface AlertKey {
  rule_id: string;
  host_id: string;
  label?: string;
}

export interface ActiveAlert {
  key: AlertKey;
  rule_name: string;
  state: "pending" | "firing" | "resolved";
  severity?: Severity;
  value: number;
  since: string;
  firing_since?: string;
  flapping?: boolean;
  muted?: boolean;
  acked_by?: string;
  ack_comment?: string;
  host?: string;
}

export interface AlertEvent {
  id: number;
  rule_id: string;
  rule_name: string;
  host_id: string;
  label?: string;
  from: string;
  to: string;
  severity?: Severity;
  value: number;
  reason: string;
  actor?: string;
  comment?: string;
  at: string;
}

export interface Rule {
  id: string;
  name: string;
  kind: "metric" | "host_down" | "service_down" | "check";
  enabled: boolean;
  metric?: string;
  aggregation?: string;
  window?: string;
  comparison?: string;
  warning?: number;
  critical?: number;
  per_core?: boolean;
  recovery?: number;
  for?: string;
  missed_intervals?: number;
  severity?: Severity;
  scope?: { hosts?: string[]; tags?: string[]; label?: string; host_wide?: boolean };
  repeat?: string;
  routing?: { warning?: string[]; critical?: string[]; escalate_to?: string; escalate_after?: string };
}

export interface Channel {
  id: string;
  name: string;
  type: "email" | "webhook" | "shoutrrr";
  url?: string;
  secret?: string;
  smtp?: string;
  from?: string;
  to?: string[];
  username?: string;
  password?: string;
  require_tls?: boolean;
}

export interface Silence {
  id: string;
  name: string;
  comment?: string;
  created_by?: string;
  hosts?: string[];
  tags?: string[];
  rules?: string[];
  start?: string;
  end?: string;
  cron?: string;
  duration?: string;
  time_zone?: string;
}

export interface Route {
  warning: string[];
  critical: string[];
}

export interface Delivery {
  id: number;
  channel: string;
  subject: string;
  try: number;
  ok: boolean;
  error?: string;
  test?: boolean;
  duration_ms: number;
  at: string;
}

export interface HistoryFilter {
  rule?: string;
  host?: string;
  severity?: string;
  state?: string;
  before?: number;
}

const enc = encodeURIComponent;

export const alertsApi = {
  active: () => request<{ alerts: ActiveAlert[] }>("GET", "/api/v1/alerts"),
  history: (f: HistoryFilter) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== "") q.set(k, String(v));
    return request<{ events: AlertEvent[] }>("GET", `/api/v1/alerts/history?${q}`);
  },
  ack: (k: AlertKey, comment: string) => request<{ ok: boolean }>("POST", "/api/v1/alerts/ack", { body: { ...k, comment } }),
  unack: (k: AlertKey) => request<{ ok: boolean }>("POST", "/api/v1/alerts/unack", { body: { ...k } }),
  rules: () => request<{ rules: Rule[] }>("GET", "/api/v1/alerting/rules"),
  createRule: (r: Partial<Rule>) => request<{ rule: Rule }>("POST", "/api/v1/alerting/rules", { body: r }),
  updateRule: (id: string, r: Partial<Rule>) => request<{ rule: Rule }>("PUT", `/api/v1/alerting/rules/${enc(id)}`, { body: r }),
  deleteRule: (id: string) => request<void>("DELETE", `/api/v1/alerting/rules/${enc(id)}`),
  channels: () => request<{ channels: Channel[] }>("GET", "/api/v1/alerting/channels"),
  createChannel: (c: Partial<Channel>) => request<{ channel: Channel }>("POST", "/api/v1/alerting/channels", { body: c }),
  updateChannel: (id: string, c: Partial<Channel>) => request<{ channel: Channel }>("PUT", `/api/v1/alerting/channels/${enc(id)}`, { body: c }),
  deleteChannel: (id: string) => request<void>("DELETE", `/api/v1/alerting/channels/${enc(id)}`),
  testChannel: (id: string) => request<{ ok: boolean; error?: string }>("POST", `/api/v1/alerting/channels/${enc(id)}/test`),
  silences: () => request<{ silences: Silence[] }>("GET", "/api/v1/alerting/silences"),
  createSilence: (s: Partial<Silence>) => request<{ silence: Silence }>("POST", "/api/v1/alerting/silences", { body: s }),
  updateSilence: (id: string, s: Partial<Silence>) => request<{ silence: Silence }>("PUT", `/api/v1/alerting/silences/${enc(id)}`, { body: s }),
  deleteSilence: (id: string) => request<void>("DELETE", `/api/v1/alerting/silences/${enc(id)}`),
  route: () => request<{ route: Route }>("GET", "/api/v1/alerting/route"),
  setRoute: (r: Route) => request<{ route: Route }>("PUT", "/api/v1/alerting/route", { body: r }),
  exportUrl: "/api/v1/alerting/export",
  importYAML: (yaml: string) => request<{ rules: number; channels: number; silences: number }>("POST", "/api/v1/alerting/import", { raw: { text: yaml, type: "application/yaml" } }),
  deliveries: () => request<{ deliveries: Delivery[] }>("GET", "/api/v1/alerting/deliveries"),
};

/** Splits "a, b c" into ["a","b","c"]; empty input is an empty list. */
export function list(v: string): string[] {
  return v.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
}
