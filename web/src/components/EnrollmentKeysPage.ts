// Enrollment keys (admins and owners): agents register themselves with a key a limited number of
// times before it expires. List, create (secret and command shown once), revoke.

import { api, ApiError, type EnrollmentKey } from "../api";
import { h, replace, type View } from "../dom";
import { dateTimeOf } from "../format";
import type { PageContext } from "../main";
import { CopyField } from "./CopyField";
import { FormField } from "./FormField";
import { StateMessage } from "./StateMessage";

export function EnrollmentKeysPage(_ctx: PageContext): View {
  const list = h("div", { class: "card" });
  const secretBox = h("div", { "aria-live": "polite" });

  const name = FormField("Name", { type: "text", name: "name", required: true, maxlength: 100, placeholder: "web-servers", autocomplete: "off", "data-testid": "enroll-key-name" });
  const uses = FormField("Max. uses", { type: "number", name: "max_uses", required: true, min: 1, max: 100000, step: 1, value: 10, inputmode: "numeric", "data-testid": "enroll-key-uses" });
  const days = FormField("Valid for (days)", { type: "number", name: "expires_in_days", required: true, min: 1, max: 365, step: 1, value: 7, inputmode: "numeric", "data-testid": "enroll-key-days" });
  const error = h("p", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "enroll-key-create" }, "Create key");
  const form = h("form", { class: "form token-form", novalidate: true },
    name.el, uses.el, days.el, h("div", { class: "field field-submit" }, submit), error);

  function intIn(v: string, min: number, max: number): number | null {
    const n = Number(v);
    return v.trim() !== "" && Number.isInteger(n) && n >= min && n <= max ? n : null;
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const n = name.input.value.trim();
    const u = intIn(uses.input.value, 1, 100000);
    const d = intIn(days.input.value, 1, 365);
    name.setError(n ? "" : "Enter a name.");
    uses.setError(u === null ? "A whole number from 1 to 100000." : "");
    days.setError(d === null ? "A whole number of days from 1 to 365." : "");
    if (!n || u === null || d === null) return;
    submit.disabled = true;
    error.textContent = "";
    try {
      const r = await api.createEnrollmentKey({ name: n, max_uses: u, expires_in_days: d });
      name.input.value = "";
      replace(secretBox, h("div", { class: "notice", "data-testid": "enroll-key-secret-box" },
        h("p", null, h("strong", null, `Key “${r.key.name}” created.`),
          ` It enrolls up to ${r.key.max_uses} server${r.key.max_uses === 1 ? "" : "s"} until ${dateTimeOf(r.key.expires_at)}. Copy it now: it will not be shown again.`),
        CopyField("Install command", r.command, "enroll-key-command"),
        CopyField("Enrollment key", r.secret, "enroll-key-secret")));
      void load();
    } catch (e) {
      const field = e instanceof ApiError ? e.field : undefined;
      const msg = e instanceof Error ? e.message : String(e);
      if (field === "name") name.setError(msg);
      else if (field === "max_uses") uses.setError(msg);
      else if (field === "expires_in_days") days.setError(msg);
      else error.textContent = msg;
    } finally {
      submit.disabled = false;
    }
  });

  async function revoke(k: EnrollmentKey): Promise<void> {
    if (!confirm(`Revoke “${k.name}”? New servers can no longer enroll with it; servers it already enrolled keep working.`)) return;
    try {
      await api.revokeEnrollmentKey(k.id);
      void load();
    } catch (e) {
      alert(`Could not revoke: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  function render(keys: EnrollmentKey[]): void {
    if (keys.length === 0) {
      replace(list, StateMessage({ kind: "empty", text: "No enrollment keys.", detail: "Create one above to let many servers register themselves with one command." }).el);
      return;
    }
    const now = Date.now();
    replace(list, h("table", { class: "tokens", "data-testid": "enroll-key-table" },
      h("thead", null, h("tr", null, ["Name", "Prefix", "Uses", "Expires", "Created", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, keys.map((k) => {
        const expired = new Date(k.expires_at).getTime() < now;
        const usedUp = k.uses >= k.max_uses;
        return h("tr", { "data-testid": "enroll-key-row", "data-key-id": String(k.id) },
          h("td", { "data-label": "Name" }, h("strong", null, k.name)),
          h("td", { "data-label": "Prefix" }, h("code", null, k.prefix + "…")),
          h("td", { "data-label": "Uses" }, h("span", { class: usedUp ? "text-crit" : "" }, `${k.uses} / ${k.max_uses}`, usedUp ? " (used up)" : "")),
          h("td", { "data-label": "Expires" }, h("span", { class: expired ? "text-crit" : "" }, (expired ? "Expired " : "") + dateTimeOf(k.expires_at))),
          h("td", { "data-label": "Created" }, dateTimeOf(k.created_at)),
          h("td", { class: "actions" }, h("button", { type: "button", class: "btn btn-danger btn-sm", "data-testid": "enroll-key-revoke", "aria-label": `Revoke ${k.name}`, onclick: () => void revoke(k) }, "Revoke")));
      }))));
  }

  async function load(): Promise<void> {
    try {
      render((await api.enrollmentKeys()).keys ?? []);
    } catch (e) {
      replace(list, StateMessage({ kind: "error", text: "Could not load enrollment keys.", detail: e instanceof Error ? e.message : String(e), retry: () => void load() }).el);
    }
  }

  replace(list, StateMessage({ kind: "loading", text: "Loading enrollment keys…" }).el);
  void load();
  return {
    el: h("div", { class: "page" },
      h("div", { class: "page-head" }, h("div", null, h("h1", { class: "page-title" }, "Enrollment keys"),
        h("p", { class: "muted" }, "A key lets agents register themselves (", h("code", null, "vigil-agent --enroll-key …"), ") a limited number of times before it expires. Each server still gets its own token."))),
      h("section", { class: "card card-pad", "aria-labelledby": "ek-new" }, h("h2", { class: "card-title", id: "ek-new" }, "New key"), form, secretBox),
      h("h2", { class: "section-title" }, "Keys"),
      list),
  };
}
