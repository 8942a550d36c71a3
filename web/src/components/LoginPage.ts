// Sign-in form (POST /api/v1/auth/login).

import { api, ApiError } from "../api";
import { h, type View } from "../dom";
import { navigate } from "../router";
import { AuthLayout } from "./AuthLayout";
import { FormField } from "./FormField";

export function LoginPage(p: { next: string }): View {
  const email = FormField("Email", { type: "email", name: "email", autocomplete: "username", required: true, "data-testid": "login-email" });
  const password = FormField("Password", { type: "password", name: "password", autocomplete: "current-password", required: true, "data-testid": "login-password" });
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "login-error" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "login-submit" }, "Sign in");
  const form = h("form", { class: "form", novalidate: true }, email.el, password.el, error, submit);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    email.setError(email.input.value ? "" : "Enter your email.");
    password.setError(password.input.value ? "" : "Enter your password.");
    if (!email.input.value || !password.input.value) return;
    submit.disabled = true;
    submit.textContent = "Signing in…";
    try {
      await api.login(email.input.value.trim(), password.input.value);
      // Only same-site paths are accepted as a destination after login.
      navigate(p.next.startsWith("/") && !p.next.startsWith("//") ? p.next : "/", true);
    } catch (e) {
      error.textContent =
        e instanceof ApiError && e.status === 401 ? "Wrong email or password."
        : e instanceof ApiError && e.status === 429 ? "Too many attempts. Wait a minute and try again."
        : e instanceof Error ? e.message : String(e);
      submit.disabled = false;
      submit.textContent = "Sign in";
      password.input.select();
    }
  });

  // If the hub has no owner yet, the setup page is where to go.
  api.setupNeeded().then((r) => r.needed && navigate("/setup" + location.search, true), () => {});
  queueMicrotask(() => email.input.focus());
  return { el: AuthLayout("Sign in", "Monitor your servers.", form) };
}
