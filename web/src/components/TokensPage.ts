// API tokens for scripts: list, create (secret shown once), revoke.

import { api, type APIToken, type TokenScope } from "../api";
import { h, replace, type View } from "../dom";
import { ago, dateTimeOf } from "../format";
import type { PageContext } from "../main";
import { CopyField } from "./CopyField";
import { FormField } from "./FormField";
import { StateMessage } from "./StateMessage";

const EXPIRY: [string, number | undefined][] = [["30 days", 30], ["90 days", 90], ["1 year", 365], ["Never", undefined]];

export function TokensPage(_ctx: PageContext): View {
  const list = h("div", { class: "card" });
  const secretBox = h("div", { "aria-live": "polite" });

  const name = FormField("Name", { type: "text", name: "name", required: true, maxlength: 100, placeholder: "ci-deploy", autocomplete: "off", "data-testid": "token-name" });
  const scope = h("select", { class: "input", id: "token-scope", "data-testid": "token-scope" },
    h("option", { value: "read" }, "Read only"), h("option", { value: "write" }, "Read and write"));
  const expiry = h("select", { class: "input", id: "token-expiry", "data-testid": "token-expiry" },
    EXPIRY.map(([label, d], i) => h("option", { value: d === undefined ? "" : String(d), selected: i === 1 }, label)));
  const error = h("p", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "token-create" }, "Create token");
  const form = h("form", { class: "form token-form", novalidate: true },
    name.el,
    h("div", { class: "field" }, h("label", { class: "label", for: "token-scope" }, "Scope"), scope),
    h("div", { class: "field" }, h("label", { class: "label", for: "token-expiry" }, "Expires"), expiry),
    h("div", { class: "field field-submit" }, submit),
    error);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const n = name.input.value.trim();
    name.setError(n ? "" : "Enter a name.");
    if (!n) return;
    submit.disabled = true;
    error.textContent = "";
    try {
      const r = await api.createToken({ name: n, scope: scope.value as TokenScope, expires_in_days: expiry.value ? Number(expiry.value) : undefined });
      name.input.value = "";
      replace(secretBox, h("div", { class: "notice", "data-testid": "token-secret-box" },
        h("p", null, h("strong", null, `Token “${r.token.name}” created.`), " Copy it now: it will not be shown again."),
        CopyField("Secret", r.secret, "token-secret")));
      void load();
    } catch (e) {
      error.textContent = e instanceof Error ? e.message : String(e);
    } finally {
      submit.disabled = false;
    }
  });

  async function revoke(t: APIToken): Promise<void> {
    if (!confirm(`Revoke “${t.name}”? Scripts using it will stop working at once.`)) return;
    try {
      await api.revokeToken(t.id);
      void load();
    } catch (e) {
      alert(`Could not revoke: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  function render(tokens: APIToken[]): void {
    if (tokens.length === 0) {
      replace(list, StateMessage({ kind: "empty", text: "No API tokens yet.", detail: "Create one above to use the API from scripts and the CLI." }).el);
      return;
    }
    replace(list, h("table", { class: "tokens", "data-testid": "token-table" },
      h("thead", null, h("tr", null, ["Name", "Scope", "Prefix", "Created", "Expires", "Last used", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, tokens.map((t) => {
        const expired = t.expires_at !== null && new Date(t.expires_at).getTime() < Date.now();
        return h("tr", { "data-testid": "token-row", "data-token-id": String(t.id) },
          h("td", { "data-label": "Name" }, h("strong", null, t.name)),
          h("td", { "data-label": "Scope" }, h("span", { class: `tag tag-${t.scope}` }, t.scope)),
          h("td", { "data-label": "Prefix" }, h("code", null, t.prefix + "…")),
          h("td", { "data-label": "Created" }, dateTimeOf(t.created_at)),
          h("td", { "data-label": "Expires" }, t.expires_at ? h("span", { class: expired ? "text-crit" : "" }, (expired ? "Expired " : "") + dateTimeOf(t.expires_at)) : "Never"),
          h("td", { "data-label": "Last used" }, ago(t.last_used_at)),
          h("td", { class: "actions" }, h("button", { type: "button", class: "btn btn-danger btn-sm", "data-testid": "token-revoke", onclick: () => void revoke(t) }, "Revoke")));
      }))));
  }

  async function load(): Promise<void> {
    try {
      render((await api.tokens()).tokens);
    } catch (e) {
      replace(list, StateMessage({ kind: "error", text: "Could not load tokens.", detail: e instanceof Error ? e.message : String(e), retry: () => void load() }).el);
    }
  }

  replace(list, StateMessage({ kind: "loading", text: "Loading tokens…" }).el);
  void load();
  return {
    el: h("div", { class: "page" },
      h("div", { class: "page-head" }, h("div", null, h("h1", { class: "page-title" }, "API tokens"),
        h("p", { class: "muted" }, "Tokens let scripts and the vigil CLI use the API with ", h("code", null, "Authorization: Bearer …"), "."))),
      h("section", { class: "card card-pad" }, h("h2", { class: "card-title" }, "New token"), form, secretBox),
      h("h2", { class: "section-title" }, "Tokens"),
      list),
  };
}
