// Create or edit an uptime check. The fields shown follow the chosen type; the hub validates
// and names the field at fault, which is shown under that field.

import { ApiError, api } from "../api";
import { h, replace, type View } from "../dom";
import { RECORD_TYPES, checksApi, type CheckSpec, type CheckType } from "../checksApi";
import { navigate } from "../router";
import { LocationsField } from "./CheckLocations";
import { CopyField } from "./CopyField";
import { StateMessage } from "./StateMessage";

let seq = 0;

interface Input {
  key: string;
  el: HTMLElement;
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  types: CheckType[] | null; // null = every type
  setError(msg: string): void;
}

function field(key: string, label: string, control: Input["control"], types: CheckType[] | null, hint?: string): Input {
  const id = `cf${++seq}`;
  control.id = id;
  control.setAttribute("name", key);
  control.setAttribute("data-testid", `check-${key.replace(/_/g, "-")}`);
  control.setAttribute("aria-describedby", `${id}-err`);
  const err = h("p", { class: "field-error", id: `${id}-err`, "aria-live": "polite" });
  const isBox = control instanceof HTMLInputElement && control.type === "checkbox";
  const el = isBox
    ? h("div", { class: "field field-check" }, h("label", { for: id, class: "check-label" }, control, " ", label), err)
    : h("div", { class: "field" }, h("label", { for: id, class: "label" }, label), control, hint ? h("p", { class: "hint" }, hint) : null, err);
  return {
    key, el, control, types,
    setError(msg) {
      err.textContent = msg;
      if (msg) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    },
  };
}

const input = (attrs: Record<string, unknown>) => h("input", { class: "input", ...attrs });
const select = (opts: [string, string][]) => h("select", { class: "input" }, opts.map(([v, t]) => h("option", { value: v }, t)));

export function CheckForm(id: number | null): View {
  const el = h("div", { class: "page" }, StateMessage({ kind: "loading", text: "Loading…" }).el);
  const t: CheckType[] = ["http"];
  const hostLike: CheckType[] = ["tcp", "dns", "icmp"];
  const timed: CheckType[] = ["http", "tcp", "dns", "icmp"];
  const fields: Input[] = [
    field("name", "Name", input({ type: "text", maxlength: 100, required: true, placeholder: "Website" }), null),
    field("type", "Type", select([["http", "HTTP(S)"], ["tcp", "TCP port"], ["dns", "DNS record"], ["icmp", "Ping (ICMP)"], ["push", "Push / heartbeat"]]), null),
    field("url", "URL", input({ type: "url", placeholder: "https://example.com/health" }), t),
    field("method", "Method", select(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].map((m) => [m, m])), t),
    field("host", "Host", input({ type: "text", placeholder: "db.example.com or 192.0.2.10" }), hostLike, "For DNS: the name to resolve."),
    field("port", "Port", input({ type: "number", min: 1, max: 65535 }), ["tcp"]),
    field("record_type", "Record type", select(RECORD_TYPES.map((r) => [r, r])), ["dns"]),
    field("resolver", "Resolver", input({ type: "text", placeholder: "system default, or 1.1.1.1 / 10.0.0.2:53" }), ["dns"]),
    field("expect", "Expected answer", input({ type: "text", placeholder: "e.g. 192.0.2.10 (optional)" }), ["dns"]),
    field("period_s", "Expected every (seconds)", input({ type: "number", min: 10, value: 3600 }), ["push"]),
    field("grace_s", "Grace (seconds)", input({ type: "number", min: 0, value: 300 }), ["push"]),
    field("interval_s", "Check every (seconds)", input({ type: "number", min: 10, max: 86400, value: 60 }), null),
    field("timeout_ms", "Timeout (ms)", input({ type: "number", min: 100, max: 60000, placeholder: "default: 10000, at most half the interval" }), timed),
    field("retries", "Failures before down", input({ type: "number", min: 0, max: 10, value: 0 }), null),
    field("accept_status", "Accepted status codes", input({ type: "text", placeholder: "200-399" }), t, "Codes or ranges, comma-separated."),
    field("keyword", "Body must contain", input({ type: "text" }), t),
    field("regex", "Body must match (regex)", input({ type: "text" }), t),
    field("json_path", "JSON path", input({ type: "text", placeholder: "status or data.items.0.ok" }), t),
    field("json_expect", "JSON value", input({ type: "text", placeholder: "ok (empty: must be truthy)" }), t),
    field("degraded_ms", "Degraded above (ms)", input({ type: "number", min: 0 }), timed),
    field("cert_expiry_days", "Warn when the certificate expires within (days)", input({ type: "number", min: 0, max: 365 }), t),
    field("headers", "Headers", h("textarea", { class: "input", rows: 2, placeholder: "Authorization: Bearer …" }), t, "One per line, Name: value."),
    field("body", "Request body", h("textarea", { class: "input", rows: 2 }), t),
    field("no_redirects", "Do not follow redirects", input({ type: "checkbox" }), t),
    field("insecure_skip_tls", "Accept untrusted certificates (self-signed)", input({ type: "checkbox" }), t),
    field("paused", "Paused", input({ type: "checkbox" }), null),
  ];
  const byKey = new Map(fields.map((f) => [f.key, f]));
  const typeSel = byKey.get("type")!.control as HTMLSelectElement;
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "check-form-error" });
  const result = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "check-save" }, id === null ? "Create check" : "Save");
  const hostSel = h("select", { class: "input" }, h("option", { value: "" }, "None"));
  const hostField = field("host_id", "Belongs to host (its alerts depend on the host)", hostSel, null);
  fields.push(hostField);
  byKey.set("host_id", hostField);
  // Remote probes: built once the hosts are known (only agents accepting probes are offered).
  const locSlot = h("div");
  let locs: LocationsField | null = null;

  function showFor(type: CheckType): void {
    for (const f of fields) f.el.hidden = f.types !== null && !f.types.includes(type);
    locSlot.hidden = type === "push"; // push checks are judged where the pushes arrive: the hub
  }
  typeSel.addEventListener("change", () => showFor(typeSel.value as CheckType));

  function val(key: string): string {
    return byKey.get(key)!.control.value.trim();
  }
  function numOf(key: string): number | undefined {
    const v = val(key);
    return v === "" ? undefined : Number(v);
  }
  function checked(key: string): boolean | undefined {
    return (byKey.get(key)!.control as HTMLInputElement).checked || undefined;
  }

  function spec(): CheckSpec {
    const type = typeSel.value as CheckType;
    const s: CheckSpec = { name: val("name"), type, interval_s: numOf("interval_s") ?? 60, retries: numOf("retries"), paused: checked("paused") };
    if (hostSel.value) s.host_id = Number(hostSel.value);
    if (type !== "push") s.timeout_ms = numOf("timeout_ms");
    if (timed.includes(type)) s.degraded_ms = numOf("degraded_ms");
    if (type === "http") {
      Object.assign(s, { url: val("url"), method: val("method"), keyword: val("keyword") || undefined, regex: val("regex") || undefined,
        json_path: val("json_path") || undefined, json_expect: val("json_expect") || undefined, body: val("body") || undefined,
        cert_expiry_days: numOf("cert_expiry_days"), no_redirects: checked("no_redirects"), insecure_skip_tls: checked("insecure_skip_tls") });
      const st = val("accept_status");
      if (st) s.accept_status = st.split(",").map((x) => x.trim()).filter(Boolean);
      const hdr = val("headers");
      if (hdr) {
        s.headers = {};
        for (const line of hdr.split("\n")) {
          const i = line.indexOf(":");
          if (i > 0) s.headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
        }
      }
    }
    if (hostLike.includes(type)) s.host = val("host");
    if (type === "tcp") s.port = numOf("port");
    if (type === "dns") Object.assign(s, { record_type: val("record_type"), resolver: val("resolver") || undefined, expect: val("expect") || undefined });
    if (type === "push") Object.assign(s, { period_s: numOf("period_s"), grace_s: numOf("grace_s") });
    else if (locs) Object.assign(s, locs.value());
    return s;
  }

  function fill(s: CheckSpec): void {
    for (const [k, v] of Object.entries(s)) {
      const f = byKey.get(k);
      if (!f || v === undefined || v === null) continue;
      if (f.control instanceof HTMLInputElement && f.control.type === "checkbox") f.control.checked = Boolean(v);
      else if (k === "headers") f.control.value = Object.entries(v as Record<string, string>).map(([a, b]) => `${a}: ${b}`).join("\n");
      else if (Array.isArray(v)) f.control.value = v.join(", ");
      else f.control.value = String(v);
    }
    hostSel.value = s.host_id ? String(s.host_id) : "";
    locs?.fill(s.locations, s.quorum);
  }

  const form = h("form", { class: "form check-form card card-pad", novalidate: true, "data-testid": "check-form" }, fields.map((f) => f.el), locSlot,
    h("div", { class: "toolbar" }, submit, h("a", { class: "btn", href: id === null ? "/checks" : `/checks/${id}` }, "Cancel")), error, result);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    for (const f of fields) f.setError("");
    locs?.setError("locations", "");
    locs?.setError("quorum", "");
    error.textContent = "";
    submit.disabled = true;
    try {
      const r = id === null ? await checksApi.create(spec()) : await checksApi.update(id, spec());
      if (r.push_url) {
        replace(result, h("div", { class: "notice", "data-testid": "push-url-box" },
          h("p", null, h("strong", null, "Push URL created."), " Your job calls it (GET or POST) on every run; copy it now, it is not shown again."),
          CopyField("Push URL", r.push_url, "push-url"),
          h("a", { class: "btn", href: `/checks/${r.check.id}` }, "Open the check")));
        return;
      }
      navigate(`/checks/${r.check.id}`);
    } catch (e) {
      const f = e instanceof ApiError && e.field ? byKey.get(e.field.replace(/\[.*$/, "")) : undefined;
      const msg = e instanceof Error ? e.message : String(e);
      const locField = e instanceof ApiError && (e.field === "locations" || e.field === "quorum" || e.field?.startsWith("locations.")) ? e.field : "";
      if (locs && locField && !locSlot.hidden) {
        const which = locField === "quorum" ? "quorum" : "locations";
        locs.setError(which, msg);
        locs.focus(which);
      } else if (f && !f.el.hidden) {
        f.setError(msg);
        f.control.focus();
      } else error.textContent = msg;
    } finally {
      submit.disabled = false;
    }
  });

  async function load(): Promise<void> {
    try {
      const { hosts } = await api.hosts();
      for (const host of hosts) hostSel.append(h("option", { value: String(host.id) }, host.name));
      locs = LocationsField(hosts);
      replace(locSlot, locs.el);
      if (id !== null) fill((await checksApi.get(id)).check.spec);
      showFor(typeSel.value as CheckType);
      replace(el, h("div", { class: "page-head" }, h("h1", { class: "page-title" }, id === null ? "New check" : "Edit check")), form);
      (byKey.get("name")!.control as HTMLInputElement).focus();
    } catch (e) {
      replace(el, StateMessage({ kind: "error", text: e instanceof Error ? e.message : String(e), retry: () => void load() }).el);
    }
  }
  void load();
  return { el };
}
