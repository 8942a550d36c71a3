// Silences and maintenance windows: one-off (start, end) or recurring (cron in a time zone
// for a duration), scoped to rules, hosts and tags. Alerts still change state while silenced;
// notifications are held and the current state is sent once when the window ends.
// A silence is edited in the same form (end time, comment, scope…); "Expire now" ends a
// running one-off silence at once and keeps it listed as ended.

import { ApiError } from "../../api";
import { h, replace, type View } from "../../dom";
import { dateTimeOf, timeZone } from "../../format";
import type { PageContext } from "../../main";
import { StateMessage } from "../StateMessage";
import { canEdit, showFieldError } from "./AlertsPage";
import { alertsApi, list, type Silence } from "./client";
import { SelectField, Text } from "./fields";

function when(s: Silence): string {
  if (s.cron) return `${s.cron} (${s.time_zone}) for ${s.duration}`;
  return `${dateTimeOf(s.start ?? "")} – ${dateTimeOf(s.end ?? "")}`;
}

function scope(s: Silence): string {
  const parts = [s.rules?.length ? `rules ${s.rules.join(", ")}` : "", s.hosts?.length ? `hosts ${s.hosts.join(", ")}` : "", s.tags?.length ? `tags ${s.tags.join(", ")}` : ""].filter(Boolean);
  return parts.join("; ") || "everything";
}

export function SilencesSection(ctx: PageContext): View {
  const editor = canEdit(ctx.me.role);
  const listBox = h("div", { class: "card" });
  const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  const f = {
    name: Text("Name", "name", "silence-name", { required: true, maxlength: 100 }),
    kind: SelectField("Kind", "kind", [["once", "One-off"], ["recurring", "Recurring (maintenance window)"]], "silence-kind"),
    start: Text("Start", "start", "silence-start", { type: "datetime-local", value: local(new Date()) }),
    end: Text("End", "end", "silence-end", { type: "datetime-local", value: local(new Date(Date.now() + 3600_000)) }),
    cron: Text("Starts (cron: min hour day month weekday)", "cron", "silence-cron", { placeholder: "0 2 * * 0" }),
    duration: Text("Lasts", "duration", "silence-duration", { placeholder: "2h" }),
    time_zone: Text("Time zone", "time_zone", "silence-tz", { value: timeZone() }),
    rules: Text("Only rules", "rules", "silence-rules", { placeholder: "rule ids; empty = all" }),
    hosts: Text("Only hosts", "hosts", "silence-hosts", { placeholder: "host ids; empty = all" }),
    tags: Text("Only hosts tagged", "tags", "silence-tags"),
    comment: Text("Comment", "comment", "silence-comment"),
  };
  const formError = h("p", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "silence-save" }, "Add silence");
  const cancel = h("button", { type: "button", class: "btn btn-ghost", hidden: true, "data-testid": "silence-cancel" }, "Cancel");
  const formTitle = h("h2", { class: "card-title", id: "sil-new" }, "New silence");
  const once = h("div", { class: "form-grid" }, f.start.el, f.end.el);
  const rec = h("div", { class: "form-grid" }, f.cron.el, f.duration.el, f.time_zone.el);
  const form = h("form", { class: "form", novalidate: true },
    h("div", { class: "form-grid" }, f.name.el, f.kind.el, f.comment.el), once, rec,
    h("div", { class: "form-grid" }, f.rules.el, f.hosts.el, f.tags.el),
    h("div", { class: "form-actions" }, submit, cancel), formError);
  const showKind = () => {
    once.hidden = f.kind.input.value !== "once";
    rec.hidden = f.kind.input.value === "once";
  };
  f.kind.input.addEventListener("change", showKind);
  showKind();

  // editing is the silence being changed (its id and who created it are kept), or null.
  let editing: Silence | null = null;
  function edit(s: Silence | null): void {
    editing = s;
    form.reset();
    if (s) {
      f.name.input.value = s.name;
      f.kind.input.value = s.cron ? "recurring" : "once";
      f.start.input.value = s.start ? local(new Date(s.start)) : "";
      f.end.input.value = s.end ? local(new Date(s.end)) : "";
      f.cron.input.value = s.cron ?? "";
      f.duration.input.value = s.duration ?? "";
      f.time_zone.input.value = s.time_zone || timeZone();
      f.rules.input.value = (s.rules ?? []).join(", ");
      f.hosts.input.value = (s.hosts ?? []).join(", ");
      f.tags.input.value = (s.tags ?? []).join(", ");
      f.comment.input.value = s.comment ?? "";
    } else {
      f.start.input.value = local(new Date());
      f.end.input.value = local(new Date(Date.now() + 3600_000));
      f.time_zone.input.value = timeZone();
    }
    submit.textContent = s ? "Save silence" : "Add silence";
    formTitle.textContent = s ? `Edit “${s.name}”` : "New silence";
    cancel.hidden = !s;
    showFieldError(f, formError, undefined, "");
    showKind();
    if (s) {
      formTitle.scrollIntoView({ block: "nearest" });
      f.name.input.focus();
    }
  }
  cancel.addEventListener("click", () => edit(null));

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const s: Partial<Silence> = { id: editing?.id, created_by: editing?.created_by, name: f.name.input.value.trim(), comment: f.comment.input.value.trim() || undefined,
      rules: list(f.rules.input.value), hosts: list(f.hosts.input.value), tags: list(f.tags.input.value) };
    if (f.kind.input.value === "once") {
      const start = new Date(f.start.input.value), end = new Date(f.end.input.value);
      if (isNaN(start.getTime())) return showFieldError(f, formError, "start", "Enter a start time.");
      if (isNaN(end.getTime())) return showFieldError(f, formError, "end", "Enter an end time.");
      Object.assign(s, { start: start.toISOString(), end: end.toISOString() });
    } else {
      Object.assign(s, { cron: f.cron.input.value.trim(), duration: f.duration.input.value.trim() || undefined, time_zone: f.time_zone.input.value.trim() });
    }
    try {
      if (editing) await alertsApi.updateSilence(editing.id, s);
      else await alertsApi.createSilence(s);
      edit(null);
      await load();
    } catch (e) {
      showFieldError(f, formError, e instanceof ApiError ? e.field : undefined, e instanceof Error ? e.message : String(e));
    }
  });

  async function remove(s: Silence): Promise<void> {
    if (!confirm(`End the silence “${s.name}”? Held notifications go out at once.`)) return;
    try {
      await alertsApi.deleteSilence(s.id);
      await load();
    } catch (e) {
      alert(`Could not delete: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  // expire ends a running one-off silence now; it stays listed as ended (and in history).
  async function expire(s: Silence): Promise<void> {
    try {
      await alertsApi.updateSilence(s.id, { ...s, end: new Date().toISOString() });
      if (editing?.id === s.id) edit(null);
      await load();
    } catch (e) {
      alert(`Could not expire: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  function render(ss: Silence[]): void {
    if (ss.length === 0) {
      replace(listBox, StateMessage({ kind: "empty", text: "No silences or maintenance windows.", boxed: true }).el);
      return;
    }
    const now = Date.now();
    replace(listBox, h("table", { class: "tokens", "data-testid": "silences-table" },
      h("thead", null, h("tr", null, ["Silence", "When", "Scope", "By", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, ss.map((s) => {
        const over = !s.cron && !!s.end && new Date(s.end).getTime() <= now;
        const running = !s.cron && !over && !!s.start && new Date(s.start).getTime() <= now;
        return h("tr", { "data-testid": "silence-row", "data-silence": s.id, class: over ? "is-disabled" : "" },
          h("td", { "data-label": "Silence", class: "wrap" }, h("strong", null, s.name), over ? h("span", { class: "tag-note" }, "ended") : null, s.comment ? h("div", { class: "muted small" }, s.comment) : null),
          h("td", { "data-label": "When", class: "wrap" }, when(s)),
          h("td", { "data-label": "Scope", class: "wrap" }, scope(s)),
          h("td", { "data-label": "By" }, s.created_by || "—"),
          h("td", { class: "actions" }, editor ? [
            running ? h("button", { type: "button", class: "btn btn-sm", "data-testid": "silence-expire", "aria-label": `Expire ${s.name} now`, onclick: () => void expire(s) }, "Expire now") : null,
            h("button", { type: "button", class: "btn btn-sm", "data-testid": "silence-edit", "aria-label": `Edit ${s.name}`, onclick: () => edit(s) }, "Edit"),
            h("button", { type: "button", class: "btn btn-sm btn-danger", "data-testid": "silence-delete", "aria-label": `Delete ${s.name}`, onclick: () => void remove(s) }, "Delete"),
          ] : null));
      }))));
  }

  async function load(): Promise<void> {
    try {
      render((await alertsApi.silences()).silences ?? []);
    } catch (e) {
      replace(listBox, StateMessage({ kind: "error", text: "Could not load silences.", detail: e instanceof Error ? e.message : String(e), retry: () => void load() }).el);
    }
  }

  replace(listBox, StateMessage({ kind: "loading", text: "Loading silences…" }).el);
  void load();
  return {
    el: h("div", { class: "page" },
      h("div", { class: "page-head" }, h("div", null, h("h1", { class: "page-title" }, "Silences"),
        h("p", { class: "muted" }, "Hold notifications during maintenance. Alerts are still recorded; what still fires when a window ends is sent once."))),
      editor ? h("section", { class: "card card-pad", "aria-labelledby": "sil-new" }, formTitle, form) : null,
      listBox),
  };
}
