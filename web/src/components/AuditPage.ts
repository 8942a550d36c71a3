// Audit log (owners): who did what, newest first, 100 at a time with "Load older".

import { api, AUDIT_PAGE, type AuditEntry } from "../api";
import { h, replace, type View } from "../dom";
import { dateTimeSecOf, timeZone } from "../format";
import type { PageContext } from "../main";
import { StateMessage } from "./StateMessage";

export function AuditPage(_ctx: PageContext): View {
  const body = h("div", { class: "card" });
  const tbody = h("tbody");
  const more = h("button", { type: "button", class: "btn", "data-testid": "audit-more" }, "Load older");
  const footer = h("div", { class: "list-footer", "aria-live": "polite" });
  let lastId = 0;
  let count = 0;

  function row(e: AuditEntry): HTMLElement {
    return h("tr", { "data-testid": "audit-row", "data-audit-id": String(e.id) },
      h("td", { "data-label": "Time" }, h("time", { datetime: e.created_at }, dateTimeSecOf(e.created_at))),
      h("td", { "data-label": "Actor" }, e.actor || "—"),
      h("td", { "data-label": "Action" }, h("code", { class: e.action.endsWith(".failed") ? "text-crit" : "" }, e.action)),
      h("td", { "data-label": "Target", class: "wrap" }, e.target || "—"),
      h("td", { "data-label": "Detail", class: "wrap" }, e.detail || "—"),
      h("td", { "data-label": "Remote" }, e.remote || "—"));
  }

  async function load(first: boolean): Promise<void> {
    more.disabled = true;
    more.textContent = "Loading…";
    let entries: AuditEntry[];
    try {
      entries = (await api.audit(first ? undefined : lastId)).entries ?? [];
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      if (first) replace(body, StateMessage({ kind: "error", text: "Could not load the audit log.", detail, retry: () => void load(true) }).el);
      else replace(footer, h("span", { class: "text-crit", role: "alert" }, `Could not load older entries: ${detail}`), more);
      more.disabled = false;
      more.textContent = "Load older";
      return;
    }
    if (first && entries.length === 0) {
      replace(body, StateMessage({ kind: "empty", text: "The audit log is empty." }).el);
      return;
    }
    if (first) {
      replace(body, h("table", { class: "tokens audit", "data-testid": "audit-table" },
        h("thead", null, h("tr", null, ["Time", "Actor", "Action", "Target", "Detail", "Remote"].map((t) => h("th", { scope: "col" }, t)))),
        tbody), footer);
    }
    for (const e of entries) tbody.appendChild(row(e));
    count += entries.length;
    if (entries.length > 0) lastId = entries[entries.length - 1].id;
    more.disabled = false;
    more.textContent = "Load older";
    const shown = `${count} entr${count === 1 ? "y" : "ies"}`;
    if (entries.length < AUDIT_PAGE) replace(footer, h("span", { class: "muted small" }, `${shown}: that is the whole log.`));
    else replace(footer, h("span", { class: "muted small" }, `${shown} shown`), more);
  }

  more.addEventListener("click", () => void load(false));
  replace(body, StateMessage({ kind: "loading", text: "Loading the audit log…" }).el);
  void load(true);
  return {
    el: h("div", { class: "page" },
      h("div", { class: "page-head" }, h("div", null, h("h1", { class: "page-title" }, "Audit log"),
        h("p", { class: "muted" }, `Sign-ins, changes to hosts, tokens, keys, members and stored data, newest first. Times in ${timeZone()}.`))),
      body),
  };
}
