// Storage (admins and owners): stored samples and bytes in total, per host and per uptime check,
// and deleting data older than a date for every host and check, or one host.

import { api, ApiError, type StorageStats } from "../api";
import { h, replace, type View } from "../dom";
import { bytes, dateOf, integer, timeZone } from "../format";
import type { PageContext } from "../main";
import { StateMessage } from "./StateMessage";

const pad = (n: number) => String(n).padStart(2, "0");

/** yyyy-mm-dd of a local date, as a date input wants it. */
function dateValue(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local midnight of a yyyy-mm-dd value, or null. */
function parseDate(v: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** RFC 3339 with the viewer's UTC offset, e.g. 2025-03-01T00:00:00+01:00. */
function rfc3339(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  const a = Math.abs(off);
  return `${dateValue(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

export function StoragePage(_ctx: PageContext): View {
  const usage = h("div", { class: "storage-usage" });
  const today = new Date();
  const defaultDate = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 90);

  const date = h("input", { type: "date", id: "prune-date", class: "input", required: true, max: dateValue(today), value: dateValue(defaultDate), "aria-describedby": "prune-summary", "data-testid": "storage-prune-date" });
  const host = h("select", { id: "prune-host", class: "input", "aria-describedby": "prune-summary", "data-testid": "storage-prune-host" }, h("option", { value: "" }, "All hosts"));
  const summary = h("p", { class: "prune-summary", id: "prune-summary", "data-testid": "storage-prune-summary" });
  const error = h("p", { class: "form-error", role: "alert" });
  const result = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn btn-danger", "data-testid": "storage-prune-submit" }, "Delete old data");
  const form = h("form", { class: "form prune-form", novalidate: true },
    h("div", { class: "field" }, h("label", { class: "label", for: "prune-date" }, "Delete data recorded before"), date),
    h("div", { class: "field" }, h("label", { class: "label", for: "prune-host" }, "Of"), host),
    h("div", { class: "field field-submit" }, submit),
    summary, error);

  let stats: StorageStats | null = null;

  function target(): string {
    if (!host.value) {
      const n = stats?.hosts.length ?? 0;
      const c = stats?.checks?.length ?? 0;
      return `all ${n} host${n === 1 ? "" : "s"}` + (c > 0 ? ` and ${c} uptime check${c === 1 ? "" : "s"}` : "") + " of the organization";
    }
    return host.selectedOptions[0]?.textContent ?? "the host";
  }

  function describe(): string {
    const d = parseDate(date.value);
    if (!d) return "Choose a date.";
    if (d.getTime() > Date.now()) return "Choose a date that is not in the future.";
    return `Deletes every metric sample of ${target()} recorded before ${dateOf(d)}, 00:00 (${timeZone()}). Newer data and the hosts themselves stay. This cannot be undone.`;
  }

  function updateSummary(): void {
    summary.textContent = describe();
  }
  date.addEventListener("input", updateSummary);
  host.addEventListener("change", updateSummary);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    const d = parseDate(date.value);
    if (!d || d.getTime() > Date.now()) {
      date.setAttribute("aria-invalid", "true");
      error.textContent = describe();
      return;
    }
    date.removeAttribute("aria-invalid");
    if (!confirm(describe().replace(/^Deletes/, "Delete") + "\n\nDelete now?")) return;
    submit.disabled = true;
    try {
      const r = await api.pruneStorage({ before: rfc3339(d), host_id: host.value ? Number(host.value) : undefined });
      replace(result, h("div", { class: "notice", "data-testid": "storage-prune-done" },
        h("p", null, h("strong", null, "Old data deleted"), ` for ${r.hosts} host${r.hosts === 1 ? "" : "s"}${r.checks ? ` and ${r.checks} uptime check${r.checks === 1 ? "" : "s"}` : ""} (everything before ${dateOf(new Date(r.before))}).`)));
      void load();
    } catch (e) {
      if (e instanceof ApiError && e.field === "before") date.setAttribute("aria-invalid", "true");
      error.textContent = e instanceof Error ? e.message : String(e);
    } finally {
      submit.disabled = false;
    }
  });

  function render(s: StorageStats): void {
    stats = s;
    const hosts = [...(s.hosts ?? [])].sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
    const chosen = host.value;
    replace(host, h("option", { value: "" }, "All hosts"),
      [...hosts].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true })).map((x) => h("option", { value: String(x.host_id) }, x.name)));
    host.value = hosts.some((x) => String(x.host_id) === chosen) ? chosen : "";
    updateSummary();
    replace(usage,
      h("div", { class: "stat-cards", "data-testid": "storage-total" },
        h("div", { class: "card stat" }, h("div", { class: "stat-label" }, "Stored on disk"), h("div", { class: "stat-value", "data-testid": "storage-total-bytes" }, bytes(s.total.bytes))),
        h("div", { class: "card stat" }, h("div", { class: "stat-label" }, "Samples"), h("div", { class: "stat-value", "data-testid": "storage-total-samples" }, integer(s.total.samples))),
        h("div", { class: "card stat" }, h("div", { class: "stat-label" }, "Hosts"), h("div", { class: "stat-value" }, integer(hosts.length)))),
      h("h2", { class: "section-title" }, "Per host"),
      hosts.length === 0
        ? StateMessage({ kind: "empty", text: "No hosts yet, so nothing is stored." }).el
        : h("div", { class: "card" }, h("table", { class: "tokens storage", "data-testid": "storage-table" },
            h("thead", null, h("tr", null, h("th", { scope: "col" }, "Host"), h("th", { scope: "col", class: "num" }, "Samples"), h("th", { scope: "col", class: "num" }, "Size"), h("th", { scope: "col", class: "num" }, "Share"))),
            h("tbody", null, hosts.map((x) =>
              h("tr", { "data-testid": "storage-row", "data-host-id": String(x.host_id) },
                h("td", { "data-label": "Host" }, h("a", { href: `/hosts/${x.host_id}` }, x.name)),
                h("td", { "data-label": "Samples", class: "num" }, integer(x.samples)),
                h("td", { "data-label": "Size", class: "num" }, bytes(x.bytes)),
                h("td", { "data-label": "Share", class: "num" }, s.total.bytes > 0 ? `${((100 * x.bytes) / s.total.bytes).toFixed(1)}%` : "—")))))),
      checkTable(s));
  }

  // Check results are series too (response time and state): their cost, beside the hosts'.
  function checkTable(s: StorageStats): HTMLElement | null {
    const checks = [...(s.checks ?? [])].sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
    if (checks.length === 0) return null;
    return h("div", null, h("h2", { class: "section-title" }, "Per uptime check"),
      h("div", { class: "card" }, h("table", { class: "tokens storage", "data-testid": "storage-check-table" },
        h("thead", null, h("tr", null, h("th", { scope: "col" }, "Check"), h("th", { scope: "col", class: "num" }, "Samples"), h("th", { scope: "col", class: "num" }, "Size"), h("th", { scope: "col", class: "num" }, "Share"))),
        h("tbody", null, checks.map((x) =>
          h("tr", { "data-testid": "storage-check-row", "data-check-id": String(x.check_id) },
            h("td", { "data-label": "Check" }, h("a", { href: `/checks/${x.check_id}` }, x.name)),
            h("td", { "data-label": "Samples", class: "num" }, integer(x.samples)),
            h("td", { "data-label": "Size", class: "num" }, bytes(x.bytes)),
            h("td", { "data-label": "Share", class: "num" }, s.total.bytes > 0 ? `${((100 * x.bytes) / s.total.bytes).toFixed(1)}%` : "—")))))));
  }

  async function load(): Promise<void> {
    try {
      render(await api.storage());
    } catch (e) {
      replace(usage, StateMessage({ kind: "error", text: "Could not load storage use.", detail: e instanceof Error ? e.message : String(e), retry: () => void load() }).el);
    }
  }

  replace(usage, StateMessage({ kind: "loading", text: "Loading storage use…" }).el);
  updateSummary();
  void load();
  return {
    el: h("div", { class: "page" },
      h("div", { class: "page-head" }, h("div", null, h("h1", { class: "page-title" }, "Storage"),
        h("p", { class: "muted" }, "Metric data stored by the hub for this organization's hosts and uptime checks."))),
      usage,
      h("section", { class: "card card-pad", "aria-labelledby": "prune-title" },
        h("div", null, h("h2", { class: "card-title", id: "prune-title" }, "Delete old data"),
          h("p", { class: "muted" }, "Frees space by deleting samples older than a date. To remove a host with all its data, delete the host on its page.")),
        form, result)),
  };
}
