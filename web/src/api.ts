// Typed client for the hub's REST API. The types mirror docs/api.md (and GET /api/openapi.json);
// every request of the UI goes through this file.

export interface User {
  id: number;
  email: string;
}

export interface Org {
  id: number;
  name: string;
}

export type Role = "owner" | "admin" | "editor" | "viewer";

export interface Me {
  user: User;
  org: Org;
  role: Role;
}

export interface Facts {
  hostname: string;
  os: string;
  kernel: string;
  arch: string;
  cpu_model: string;
  cores: number;
  memory_bytes: number;
  boot_time: string;
  virtualization: string;
  /** The agent was started with --probes: it runs uptime checks for the hub. */
  probes: boolean;
}

export interface Host {
  id: number;
  name: string;
  created_at: string;
  last_seen: string | null;
  online: boolean;
  agent_version: string;
  facts: Partial<Facts> | null;
  /** Normalized (lower-case, sorted) tags; may be missing from older hubs. */
  tags?: string[];
  /** Firing alerts on the host (count, worst severity) when the hub runs alerting. */
  alerts?: { firing: number; severity?: "warning" | "critical" };
}

/** Latest values of a host; any field may be null when unknown. */
export interface Latest {
  time: number | null;
  cpu_pct: number | null;
  mem_pct: number | null;
  disk_pct: number | null;
  net_rx_bps: number | null;
  net_tx_bps: number | null;
  load1: number | null;
  uptime_s: number | null;
}

export interface HostSummary extends Host {
  latest: Partial<Latest> | null;
}

export interface HostDetail {
  host: Host;
  latest: Partial<Latest> | null;
}

export interface NewHost {
  host: Host;
  token: string;
  command: string;
}

export interface Series {
  name: string;
  label: string;
  unit: string;
  values: (number | null)[];
}

export interface SeriesResult {
  from: number;
  to: number;
  step: number;
  tier: "raw" | "1m" | "1h";
  times: number[];
  series: Series[];
}

export type TokenScope = "read" | "write";

export interface APIToken {
  id: number;
  name: string;
  scope: TokenScope;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  prefix: string;
}

export interface NewToken {
  token: APIToken;
  secret: string;
}

/** Agent enrollment key (the secret itself is only in NewEnrollmentKey, once). */
export interface EnrollmentKey {
  id: number;
  name: string;
  prefix: string;
  max_uses: number;
  uses: number;
  expires_at: string;
  created_at: string;
}

export interface NewEnrollmentKey {
  key: EnrollmentKey;
  secret: string;
  command: string;
}

export interface AuditEntry {
  id: number;
  user_id: number;
  actor: string;
  action: string;
  target: string;
  detail: string;
  remote: string;
  created_at: string;
}

/** The hub returns at most this many audit entries per request. */
export const AUDIT_PAGE = 100;

export interface StorageUsage {
  samples: number;
  bytes: number;
}

export interface HostStorage extends StorageUsage {
  host_id: number;
  name: string;
}

export interface StorageStats {
  total: StorageUsage;
  hosts: HostStorage[];
  /** Uptime checks' results (response time and state series); missing from older hubs. */
  checks?: (StorageUsage & { check_id: number; name: string })[];
}

export interface PruneResult {
  hosts: number;
  checks?: number;
  before: string;
}

export interface RotatedToken {
  host: HostSummary;
  token: string;
  command: string;
}

export interface Member {
  user_id: number;
  email: string;
  role: Role;
}

export interface Membership {
  org: Org;
  role: Role;
}

export interface Invitation {
  id?: number;
  org: string;
  email: string;
  role: Role;
  expires_at: string;
}

export interface InvitationInfo {
  invitation: Invitation;
  account_exists: boolean;
  /** This browser is signed in as the invited account: joining needs no password. */
  signed_in?: boolean;
}

export interface TOTPSetup {
  secret: string;
  otpauth_url: string;
}

/** How this hub lets people sign in (GET /api/v1/auth/methods). */
export interface AuthMethods {
  password: boolean;
  password_reset: boolean;
  oidc: { name: string; start_url: string } | null;
}

export interface NewInvitation {
  invitation: Invitation;
  link: string;
  emailed: boolean;
  email_error?: string;
}

/** Second factor sent with the password at sign-in: a TOTP code or a one-time recovery code. */
export type SecondFactor = { totp: string } | { recovery_code: string };

/** One process of a host's process table (GET /api/v1/hosts/{id}/processes). */
export interface Process {
  pid: number;
  /** Start time, unix ms: with pid the process's identity (pids are reused). */
  start_ms: number;
  name: string;
  user: string;
  cmdline: string;
  cpu_pct: number;
  rss_bytes: number;
  /** Bytes/s; -1 when unknown. */
  read_bps: number;
  write_bps: number;
}

export interface ProcessTable {
  /** Unix ms; 0 when the host never reported processes. */
  time: number;
  /** Every process (someone watches live), not only the top ones. */
  full: boolean;
  total: number;
  processes: Process[];
}

export interface ProcessPoint {
  time: number;
  cpu_pct: number;
  rss_bytes: number;
  read_bps: number;
  write_bps: number;
}

export interface ProcessEvent {
  kind: "start" | "exit";
  time: number;
  pid: number;
  start_ms: number;
  name: string;
  user: string;
  cmdline: string;
}

export type ServiceState = "healthy" | "degraded" | "down" | "unknown";

export interface ServiceStatus {
  kind: "systemd" | "process" | "tcp" | "http";
  name: string;
  state: ServiceState;
  reason: string;
  since: number;
  updated: number;
}

export interface ContainerStatus {
  id: string;
  name: string;
  image: string;
  state: string;
  health: string;
  restarts: number;
  cpu_pct: number;
  mem_bytes: number;
  mem_limit: number;
  rx_bps: number;
  tx_bps: number;
  updated: number;
}

export const ROLES: Role[] = ["owner", "admin", "editor", "viewer"];

/** Admins and owners manage hosts' tokens, enrollment keys and storage (docs/api.md: "admin+"). */
export const isAdmin = (role: Role): boolean => role === "owner" || role === "admin";

/** Messages the hub sends on /api/v1/live. */
export type LiveMessage =
  | {
      type: "snapshot";
      host_id: number;
      time: number;
      latest: Partial<Latest>;
      values?: { name: string; label: string; value: number | null }[];
    }
  | { type: "host"; host_id: number; online: boolean }
  /** A host's firing alerts changed (firing 0: none left). */
  | { type: "alerts"; host_id: number; firing: number; severity?: "warning" | "critical" };

/** A 4xx/5xx answer: the hub's {"error","field"} body plus the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Called on every 401 from a signed-in endpoint, so the app can send the user to /login. */
let onUnauthorized: () => void = () => {};

export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

function csrfToken(): string {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === "vigil_csrf") return decodeURIComponent(v.join("="));
  }
  return "";
}

interface RequestOptions {
  body?: unknown;
  /** A body sent as is (YAML import), instead of body as JSON. */
  raw?: { text: string; type: string };
  /** false for endpoints where 401 is an expected answer (login). */
  redirectOn401?: boolean;
  signal?: AbortSignal;
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (opts.raw) headers["Content-Type"] = opts.raw.type;
  if (method !== "GET" && method !== "HEAD") headers["X-Vigil-CSRF"] = csrfToken();
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: opts.raw ? opts.raw.text : opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "Cannot reach the hub. Check your connection.");
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const body = (data ?? {}) as { error?: string; field?: string };
    if (res.status === 401 && opts.redirectOn401 !== false) onUnauthorized();
    throw new ApiError(res.status, body.error || `${res.status} ${res.statusText}`.trim(), body.field);
  }
  return data as T;
}

export const api = {
  setupNeeded: () => request<{ needed: boolean }>("GET", "/api/v1/setup", { redirectOn401: false }),
  setup: (body: { token: string; email: string; password: string; org: string }) =>
    request<{ user: User }>("POST", "/api/v1/setup", { body, redirectOn401: false }),
  login: (email: string, password: string, second?: SecondFactor) =>
    request<{ user: User }>("POST", "/api/v1/auth/login", { body: { email, password, ...second }, redirectOn401: false }),
  invitation: (token: string) =>
    request<InvitationInfo>("GET", `/api/v1/invitation?${new URLSearchParams({ token })}`, { redirectOn401: false }),
  acceptInvitation: (token: string, password: string, second?: SecondFactor) =>
    request<{ user: User; org: Org }>("POST", "/api/v1/invitation/accept", { body: { token, password, ...second }, redirectOn401: false }),
  logout: () => request<void>("POST", "/api/v1/auth/logout", { redirectOn401: false }),
  me: () => request<Me>("GET", "/api/v1/me"),
  myOrgs: () => request<{ current: number; orgs: Membership[] | null }>("GET", "/api/v1/me/orgs"),
  switchOrg: (org_id: number) => request<void>("POST", "/api/v1/auth/switch", { body: { org_id } }),

  members: () => request<{ members: Member[] | null }>("GET", "/api/v1/members"),
  setMemberRole: (userID: number, role: Role) => request<void>("PATCH", `/api/v1/members/${userID}`, { body: { role } }),
  removeMember: (userID: number) => request<void>("DELETE", `/api/v1/members/${userID}`),
  invite: (email: string, role: Role, send_email = false) =>
    request<NewInvitation>("POST", "/api/v1/invitations", { body: { email, role, send_email } }),

  authMethods: () => request<AuthMethods>("GET", "/api/v1/auth/methods", { redirectOn401: false }),
  requestPasswordReset: (email: string) => request<{ status: string }>("POST", "/api/v1/password-reset", { body: { email }, redirectOn401: false }),
  passwordReset: (token: string) =>
    request<{ email: string; expires_at: string }>("GET", `/api/v1/password-reset?${new URLSearchParams({ token })}`, { redirectOn401: false }),
  confirmPasswordReset: (token: string, password: string) =>
    request<void>("POST", "/api/v1/password-reset/confirm", { body: { token, password }, redirectOn401: false }),

  totpStatus: () => request<{ enabled: boolean }>("GET", "/api/v1/me/totp"),
  totpSetup: () => request<TOTPSetup>("POST", "/api/v1/me/totp/setup"),
  totpEnable: (code: string) => request<{ recovery_codes: string[] }>("POST", "/api/v1/me/totp/enable", { body: { code } }),
  totpDisable: (password: string) => request<void>("POST", "/api/v1/me/totp/disable", { body: { password } }),

  hosts: () => request<{ hosts: HostSummary[] }>("GET", "/api/v1/hosts"),
  host: (id: number) => request<HostDetail>("GET", `/api/v1/hosts/${id}`),
  createHost: (name: string) => request<NewHost>("POST", "/api/v1/hosts", { body: { name } }),
  updateHost: (id: number, body: { name?: string; tags?: string[] }) =>
    request<{ host: HostSummary }>("PATCH", `/api/v1/hosts/${id}`, { body }),
  deleteHost: (id: number) => request<void>("DELETE", `/api/v1/hosts/${id}`),
  series: (id: number, q: { from: number; to: number; names: string[]; step?: number }, signal?: AbortSignal) => {
    const p = new URLSearchParams({ from: String(q.from), to: String(q.to), names: q.names.join(",") });
    if (q.step) p.set("step", String(q.step));
    return request<SeriesResult>("GET", `/api/v1/hosts/${id}/series?${p}`, { signal });
  },

  processes: (id: number, signal?: AbortSignal) => request<ProcessTable>("GET", `/api/v1/hosts/${id}/processes?limit=10000`, { signal }),
  processHistory: (id: number, pid: number, start: number, signal?: AbortSignal) =>
    request<{ process: Process; points: ProcessPoint[] }>("GET", `/api/v1/hosts/${id}/processes/history?${new URLSearchParams({ pid: String(pid), start: String(start) })}`, { signal }),
  processEvents: (id: number, signal?: AbortSignal) => request<{ events: ProcessEvent[] }>("GET", `/api/v1/hosts/${id}/process-events?limit=200`, { signal }),
  services: (id: number, signal?: AbortSignal) => request<{ services: ServiceStatus[] }>("GET", `/api/v1/hosts/${id}/services`, { signal }),
  containers: (id: number, signal?: AbortSignal) => request<{ containers: ContainerStatus[] }>("GET", `/api/v1/hosts/${id}/containers`, { signal }),
  rotateHostToken: (id: number) => request<RotatedToken>("POST", `/api/v1/hosts/${id}/token`),
  /** A plain GET link (the session cookie authenticates it): CSV of the host's raw samples. */
  exportCsvUrl: (id: number, from: number, to: number) =>
    `/api/v1/hosts/${id}/export.csv?${new URLSearchParams({ from: String(Math.round(from)), to: String(Math.round(to)) })}`,

  changePassword: (current: string, next: string) => request<void>("POST", "/api/v1/me/password", { body: { current, new: next } }),

  enrollmentKeys: () => request<{ keys: EnrollmentKey[] | null }>("GET", "/api/v1/enrollment-keys"),
  createEnrollmentKey: (body: { name: string; max_uses: number; expires_in_days: number }) =>
    request<NewEnrollmentKey>("POST", "/api/v1/enrollment-keys", { body }),
  revokeEnrollmentKey: (id: number) => request<void>("DELETE", `/api/v1/enrollment-keys/${id}`),

  audit: (before?: number) =>
    request<{ entries: AuditEntry[] | null }>("GET", "/api/v1/audit" + (before ? `?before=${before}` : "")),

  storage: () => request<StorageStats>("GET", "/api/v1/storage"),
  pruneStorage: (body: { before: string; host_id?: number }) => request<PruneResult>("POST", "/api/v1/storage/prune", { body }),

  tokens: () => request<{ tokens: APIToken[] }>("GET", "/api/v1/tokens"),
  createToken: (body: { name: string; scope: TokenScope; expires_in_days?: number }) =>
    request<NewToken>("POST", "/api/v1/tokens", { body }),
  revokeToken: (id: number) => request<void>("DELETE", `/api/v1/tokens/${id}`),
};

/** The request helper, for area clients loaded on demand (components/alerts/client.ts). */
export { request as apiRequest };
