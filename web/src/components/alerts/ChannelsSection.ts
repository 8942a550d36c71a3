// Notification channels (email, signed webhook, shoutrrr chat/push), the default route by
// severity, and the delivery log. Secrets come back as "********" and are never shown.

import { ApiError, isAdmin } from "../../api";
import { h, replace, type View } from "../../dom";
import { dateTimeSecOf } from "../../format";
import type { PageContext } from "../../main";
import { StateMessage } from "../StateMessage";
import { canEdit, showFieldError } from "./AlertsPage";
import { alertsApi, list, type Channel, type Delivery } from "./client";
import { Check, SelectField, Text } from "./fields";

export function ChannelsSection(ctx: PageContext): View {
  const admin = isAdmin(ctx.me.role);
  const editor = canEdit(ctx.me.role);
  const listBox = h("div", { class: "card" });
  const logBox = h("div", { class: "card" });
  const results = new Map<string, string>(); // channel id → last test result

  const f = {
    name: Text("Name", "name", "channel-name", { required: true, maxlength: 100 }),
    id: Text("Id (used by rules)", "id", "channel-id", { placeholder: "derived from the name" }),
    type: SelectField("Type", "type", [["webhook", "Webhook (JSON, HMAC-signed)"], ["email", "Email (SMTP)"], ["shoutrrr", "Chat / push (shoutrrr URL)"]], "channel-type"),
    url: Text("URL", "url", "channel-url", { placeholder: "https://example.com/hook or ntfy://ntfy.sh/topic" }),
    secret: Text("Signing secret", "secret", "channel-secret", { type: "password", autocomplete: "new-password" }),
    smtp: Text("SMTP server", "smtp", "channel-smtp", { placeholder: "mail.example.com:587" }),
    from: Text("From", "from", "channel-from", { placeholder: "vigil@example.com" }),
    to: Text("To", "to", "channel-to", { placeholder: "ops@example.com, oncall@example.com" }),
    username: Text("SMTP user", "username", "channel-username"),
    password: Text("SMTP password", "password", "channel-password", { type: "password", autocomplete: "new-password" }),
  };
  const requireTLS = Check("Require TLS (STARTTLS)", "channel-require-tls", true);
  const formError = h("p", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "channel-save" }, "Add channel");
  const emailPart = h("div", { class: "form-grid" }, f.smtp.el, f.from.el, f.to.el, f.username.el, f.password.el, requireTLS.el);
  const form = h("form", { class: "form", novalidate: true },
    h("div", { class: "form-grid" }, f.name.el, f.id.el, f.type.el), h("div", { class: "form-grid" }, f.url.el, f.secret.el), emailPart,
    h("div", { class: "form-actions" }, submit), formError);
  const showType = () => {
    const t = f.type.input.value;
    emailPart.hidden = t !== "email";
    f.url.el.hidden = t === "email";
    f.secret.el.hidden = t !== "webhook";
  };
  f.type.input.addEventListener("change", showType);
  showType();

  let editing: string | null = null;
  const cancel = h("button", { type: "button", class: "btn btn-ghost", hidden: true }, "Cancel");
  function edit(c: Channel | null): void {
    editing = c?.id ?? null;
    form.reset();
    if (c) {
      f.name.input.value = c.name;
      f.id.input.value = c.id;
      f.type.input.value = c.type;
      f.url.input.value = c.url ?? "";
      // Secrets come back redacted; sending "********" again keeps the stored value.
      f.secret.input.value = c.secret ?? "";
      f.smtp.input.value = c.smtp ?? "";
      f.from.input.value = c.from ?? "";
      f.to.input.value = (c.to ?? []).join(", ");
      f.username.input.value = c.username ?? "";
      f.password.input.value = c.password ?? "";
      requireTLS.input.checked = !!c.require_tls;
    }
    f.id.input.disabled = f.type.input.disabled = !!c;
    submit.textContent = c ? "Save channel" : "Add channel";
    cancel.hidden = !c;
    showFieldError(f, formError, undefined, "");
    showType();
  }
  cancel.addEventListener("click", () => edit(null));
  submit.after(cancel);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const t = f.type.input.value as Channel["type"];
    const c: Partial<Channel> = { name: f.name.input.value.trim(), id: f.id.input.value.trim() || undefined, type: t };
    if (t === "email") Object.assign(c, { smtp: f.smtp.input.value.trim(), from: f.from.input.value.trim(), to: list(f.to.input.value),
      username: f.username.input.value.trim() || undefined, password: f.password.input.value || undefined, require_tls: requireTLS.input.checked });
    else c.url = f.url.input.value.trim();
    if (t === "webhook") c.secret = f.secret.input.value || undefined;
    submit.disabled = true;
    try {
      if (editing) await alertsApi.updateChannel(editing, c);
      else await alertsApi.createChannel(c);
      edit(null);
      await load();
    } catch (e) {
      showFieldError(f, formError, e instanceof ApiError ? e.field : undefined, e instanceof Error ? e.message : String(e));
    } finally {
      submit.disabled = false;
    }
  });

  async function test(c: Channel): Promise<void> {
    results.set(c.id, "Sending…");
    renderChannels(channels);
    try {
      const r = await alertsApi.testChannel(c.id);
      results.set(c.id, r.ok ? "Delivered ✓" : `Failed: ${r.error ?? "unknown error"}`);
    } catch (e) {
      results.set(c.id, `Failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    renderChannels(channels);
    void loadLog();
  }

  async function remove(c: Channel): Promise<void> {
    if (!confirm(`Delete the channel “${c.name}”?`)) return;
    try {
      await alertsApi.deleteChannel(c.id);
      await load();
    } catch (e) {
      alert(`Could not delete: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  let channels: Channel[] = [];
  function renderChannels(cs: Channel[]): void {
    if (cs.length === 0) {
      replace(listBox, StateMessage({ kind: "empty", text: "No channels yet.", detail: "Alerts are recorded in the history but nobody is notified.", boxed: true }).el);
      return;
    }
    replace(listBox, h("table", { class: "tokens", "data-testid": "channels-table" },
      h("thead", null, h("tr", null, ["Channel", "Type", "Destination", "Test", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, cs.map((c) => h("tr", { "data-testid": "channel-row", "data-channel": c.id },
        h("td", { "data-label": "Channel" }, h("strong", null, c.name), h("div", { class: "muted small" }, c.id)),
        h("td", { "data-label": "Type" }, c.type),
        h("td", { "data-label": "Destination", class: "wrap" }, c.type === "email" ? (c.to ?? []).join(", ") : c.url ?? ""),
        h("td", { "data-label": "Test", class: "wrap", "data-testid": "channel-test-result" }, results.get(c.id) ?? ""),
        h("td", { class: "actions" }, h("div", { class: "row-actions" },
          editor ? h("button", { type: "button", class: "btn btn-sm", "data-testid": "channel-test", onclick: () => void test(c) }, "Send test") : null,
          admin ? h("button", { type: "button", class: "btn btn-sm", "data-testid": "channel-edit", onclick: () => { edit(c); form.scrollIntoView({ block: "nearest" }); } }, "Edit") : null,
          admin ? h("button", { type: "button", class: "btn btn-sm btn-danger", "data-testid": "channel-delete", onclick: () => void remove(c) }, "Delete") : null)))))));
  }

  // Default route.
  const rw = Text("Warning alerts to", "route-warning", "route-warning", { placeholder: "channel ids" });
  const rc = Text("Critical alerts to", "route-critical", "route-critical", { placeholder: "channel ids" });
  const routeError = h("p", { class: "form-error", role: "alert" });
  const routeSave = h("button", { type: "submit", class: "btn", "data-testid": "route-save", disabled: !admin }, "Save route");
  const routeForm = h("form", { class: "form", novalidate: true }, h("div", { class: "form-grid" }, rw.el, rc.el), h("div", { class: "form-actions" }, routeSave), routeError);
  routeForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await alertsApi.setRoute({ warning: list(rw.input.value), critical: list(rc.input.value) });
      showFieldError({ warning: rw, critical: rc }, routeError, undefined, "");
      routeError.textContent = "Saved.";
    } catch (e) {
      showFieldError({ warning: rw, critical: rc }, routeError, e instanceof ApiError ? e.field : undefined, e instanceof Error ? e.message : String(e));
    }
  });

  function renderLog(ds: Delivery[]): void {
    if (ds.length === 0) {
      replace(logBox, StateMessage({ kind: "empty", text: "Nothing delivered yet." }).el);
      return;
    }
    replace(logBox, h("table", { class: "tokens", "data-testid": "deliveries-table" },
      h("thead", null, h("tr", null, ["Time", "Channel", "Message", "Try", "Result"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, ds.slice(0, 50).map((d) => h("tr", null,
        h("td", { "data-label": "Time" }, dateTimeSecOf(d.at)),
        h("td", { "data-label": "Channel" }, d.channel),
        h("td", { "data-label": "Message", class: "wrap" }, d.test ? "(test) " : "", d.subject),
        h("td", { "data-label": "Try" }, String(d.try)),
        h("td", { "data-label": "Result", class: "wrap" }, d.ok ? `ok in ${d.duration_ms} ms` : h("span", { class: "text-crit" }, d.error ?? "failed")))))));
  }

  async function loadLog(): Promise<void> {
    try {
      renderLog((await alertsApi.deliveries()).deliveries ?? []);
    } catch (e) {
      replace(logBox, StateMessage({ kind: "error", text: "Could not load the delivery log.", detail: e instanceof Error ? e.message : String(e) }).el);
    }
  }

  async function load(): Promise<void> {
    try {
      const [c, r] = await Promise.all([alertsApi.channels(), alertsApi.route()]);
      channels = c.channels ?? [];
      renderChannels(channels);
      rw.input.value = r.route.warning.join(", ");
      rc.input.value = r.route.critical.join(", ");
    } catch (e) {
      replace(listBox, StateMessage({ kind: "error", text: "Could not load channels.", detail: e instanceof Error ? e.message : String(e), retry: () => void load() }).el);
    }
  }

  replace(listBox, StateMessage({ kind: "loading", text: "Loading channels…" }).el);
  void load();
  void loadLog();
  return {
    el: h("div", { class: "page" },
      h("div", { class: "page-head" }, h("div", null, h("h1", { class: "page-title" }, "Channels"),
        h("p", { class: "muted" }, "Where notifications go. Delivery is retried with backoff and logged below."))),
      admin ? h("section", { class: "card card-pad", "aria-labelledby": "ch-new" }, h("h2", { class: "card-title", id: "ch-new" }, "New channel"), form) : null,
      listBox,
      h("section", { class: "card card-pad", "aria-labelledby": "route-h" }, h("h2", { class: "card-title", id: "route-h" }, "Default route"),
        h("p", { class: "muted" }, "Channels for alerts whose rule names none."), routeForm),
      h("h2", { class: "section-title" }, "Delivery log"),
      logBox),
  };
}
