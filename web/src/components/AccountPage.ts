// Account settings: who is signed in, and changing the password (which signs out every other session).

import { api, ApiError } from "../api";
import { h, replace, type View } from "../dom";
import type { PageContext } from "../main";
import { FormField } from "./FormField";

const MIN_PASSWORD = 10;

export function AccountPage(ctx: PageContext): View {
  const current = FormField("Current password", { type: "password", name: "current", required: true, autocomplete: "current-password", "data-testid": "password-current" });
  const next = FormField("New password", { type: "password", name: "new", required: true, minlength: MIN_PASSWORD, autocomplete: "new-password", "data-testid": "password-new" });
  const hint = h("p", { class: "muted small" }, `At least ${MIN_PASSWORD} characters. A few random words are easy to type and hard to guess.`);
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "password-error" });
  const done = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "password-submit" }, "Change password");
  const form = h("form", { class: "form narrow-form", novalidate: true },
    // Lets password managers tie the new password to the account.
    h("input", { type: "email", name: "username", autocomplete: "username", value: ctx.me.user.email, hidden: true, readonly: true, tabindex: -1, "aria-hidden": "true" }),
    current.el, h("div", { class: "field" }, next.el, hint), error,
    h("div", null, submit));

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const cur = current.input.value;
    const nw = next.input.value;
    current.setError(cur ? "" : "Enter your current password.");
    next.setError(!nw ? "Enter a new password." : nw.length < MIN_PASSWORD ? `Use at least ${MIN_PASSWORD} characters.` : nw === cur ? "The new password is the same as the current one." : "");
    if (!cur || nw.length < MIN_PASSWORD || nw === cur) return;
    submit.disabled = true;
    error.textContent = "";
    replace(done);
    try {
      await api.changePassword(cur, nw);
      current.input.value = "";
      next.input.value = "";
      replace(done, h("div", { class: "notice", "data-testid": "password-changed" },
        h("p", null, h("strong", null, "Password changed."), " Every other session of yours was signed out; this browser stays signed in.")));
    } catch (e) {
      if (e instanceof ApiError && e.field === "current") current.setError(e.message);
      else if (e instanceof ApiError && e.field === "new") next.setError(e.message);
      else error.textContent = e instanceof Error ? e.message : String(e);
    } finally {
      submit.disabled = false;
    }
  });

  return {
    el: h("div", { class: "page" },
      h("div", { class: "page-head" }, h("div", null, h("h1", { class: "page-title" }, "Account"),
        h("p", { class: "muted" }, "Signed in as ", h("strong", null, ctx.me.user.email), ` · ${ctx.me.role} of ${ctx.me.org.name}`))),
      h("section", { class: "card card-pad", "aria-labelledby": "pw-title" },
        h("div", null, h("h2", { class: "card-title", id: "pw-title" }, "Change password"),
          h("p", { class: "muted" }, "Changing it signs you out on every other browser and device; this one stays signed in.")),
        form, done)),
  };
}
