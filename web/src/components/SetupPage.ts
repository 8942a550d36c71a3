// First-run form: creates the first owner with the one-time token the hub printed.

import { api, ApiError } from "../api";
import { h, type View } from "../dom";
import { navigate } from "../router";
import { AuthLayout } from "./AuthLayout";
import { FormField, type Field } from "./FormField";

export function SetupPage(p: { token: string }): View {
  const token = FormField("Setup token", { type: "text", name: "token", value: p.token, autocomplete: "off", required: true, "data-testid": "setup-token" });
  const email = FormField("Email", { type: "email", name: "email", autocomplete: "username", required: true, "data-testid": "setup-email" });
  const password = FormField("Password", { type: "password", name: "password", autocomplete: "new-password", required: true, minlength: 8, "data-testid": "setup-password" });
  const org = FormField("Organization name", { type: "text", name: "org", autocomplete: "organization", required: true, value: "", "data-testid": "setup-org" });
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "setup-error" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "setup-submit" }, "Create account");
  const fields: Record<string, Field> = { token, email, password, org };
  const form = h("form", { class: "form", novalidate: true },
    p.token ? null : token.el, email.el, password.el, org.el, error, submit);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    let ok = true;
    for (const [name, f] of Object.entries(fields)) {
      const missing = !f.input.value.trim();
      f.setError(missing ? "Required." : "");
      if (missing && (name !== "token" || !p.token)) ok = false;
    }
    if (password.input.value && password.input.value.length < 8) {
      password.setError("Use at least 8 characters.");
      ok = false;
    }
    if (!ok) return;
    submit.disabled = true;
    submit.textContent = "Creating…";
    try {
      await api.setup({ token: token.input.value.trim(), email: email.input.value.trim(), password: password.input.value, org: org.input.value.trim() });
      navigate("/", true);
    } catch (e) {
      const field = e instanceof ApiError && e.field ? fields[e.field] : undefined;
      if (field) field.setError(e instanceof Error ? e.message : "");
      else error.textContent = e instanceof Error ? e.message : String(e);
      if (e instanceof ApiError && e.field === "token" && p.token) error.textContent = e.message;
      submit.disabled = false;
      submit.textContent = "Create account";
    }
  });

  api.setupNeeded().then((r) => !r.needed && navigate("/login", true), () => {});
  return {
    el: AuthLayout(
      "Set up Vigil",
      p.token ? "Create the first account. It will own the organization." : "Paste the one-time setup token the hub printed when it first started.",
      form,
    ),
  };
}
