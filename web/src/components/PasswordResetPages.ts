// Password reset by email (public pages). /forgot-password asks for the address and always says
// the same thing afterwards (the hub does not reveal whether an account exists); the mailed link
// opens /reset-password?token=vgr_…, which sets the new password. A reset ends every session and
// does not sign in: the user signs in with the new password (and their second factor, if on).

import { api, ApiError } from "../api";
import { h, replace, type View } from "../dom";
import { dateTimeOf } from "../format";
import { AuthLayout } from "./AuthLayout";
import { FormField } from "./FormField";
import { StateMessage } from "./StateMessage";

const MIN_PASSWORD = 10;
const errText = (e: unknown): string =>
  e instanceof ApiError && e.status === 429 ? "Too many requests. Wait a few minutes and try again."
    : e instanceof Error ? e.message : String(e);

export function ForgotPasswordPage(): View {
  const email = FormField("Email", { type: "email", name: "email", autocomplete: "username", required: true, "data-testid": "forgot-email" });
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "forgot-error" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "forgot-submit" }, "Send reset link");
  const form = h("form", { class: "form", novalidate: true }, email.el, error, submit,
    h("div", { class: "login-links" }, h("a", { href: "/login" }, "Back to sign in")));
  const body = h("div", null, form);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    const addr = email.input.value.trim();
    email.setError(/^[^\s@]+@[^\s@]+$/.test(addr) ? "" : "Enter your email address.");
    if (!/^[^\s@]+@[^\s@]+$/.test(addr)) return;
    submit.disabled = true;
    try {
      await api.requestPasswordReset(addr);
      replace(body, h("div", { class: "notice", "data-testid": "forgot-sent" },
        h("p", null, h("strong", null, "Check your inbox."),
          ` If ${addr} belongs to a Vigil account, a reset link is on its way. It works once, for 30 minutes.`),
        h("p", null, h("a", { href: "/login" }, "Back to sign in"))));
    } catch (e) {
      if (e instanceof ApiError && e.field === "email") email.setError(e.message);
      else error.textContent = errText(e);
    } finally {
      submit.disabled = false;
    }
  });

  // Without SMTP settings the hub cannot mail anything: say so at once rather than after submit.
  api.authMethods().then((m) => {
    if (!m.password_reset) {
      replace(body, StateMessage({ kind: "empty", text: "This hub cannot send email.",
        detail: "Ask an owner of your organization or the hub's administrator to reset your password.",
        action: h("a", { href: "/login", class: "btn" }, "Back to sign in") }).el);
    }
  }, () => {});
  queueMicrotask(() => email.input.focus());
  return { el: AuthLayout("Reset your password", "We will email you a link to choose a new one.", body) };
}

export function ResetPasswordPage(p: { token: string }): View {
  const subtitle = h("span", null, "Checking your link…");
  const body = h("div", null, StateMessage({ kind: "loading", text: "Checking the link…" }).el);

  function gone(detail: string): void {
    subtitle.textContent = "";
    replace(body, StateMessage({ kind: "empty", text: "This reset link does not work.", detail,
      action: h("a", { href: "/forgot-password", class: "btn", "data-testid": "reset-again" }, "Ask for a new link") }).el);
  }

  function render(email: string, expires: string): void {
    replace(subtitle, "For ", h("strong", { "data-testid": "reset-email" }, email), ".");
    const password = FormField("New password", { type: "password", name: "password", required: true, autocomplete: "new-password",
      minlength: MIN_PASSWORD, "data-testid": "reset-password" });
    const repeat = FormField("Repeat the new password", { type: "password", name: "password2", required: true, autocomplete: "new-password",
      "data-testid": "reset-password-repeat" });
    const error = h("p", { class: "form-error", role: "alert", "data-testid": "reset-error" });
    const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "reset-submit" }, "Set new password");
    const form = h("form", { class: "form", novalidate: true },
      h("input", { type: "email", name: "username", autocomplete: "username", value: email, hidden: true, readonly: true, tabindex: -1, "aria-hidden": "true" }),
      h("p", { class: "muted small" }, `At least ${MIN_PASSWORD} characters. Every signed-in browser of this account is signed out; two-factor stays as it is.`),
      password.el, repeat.el, error, submit,
      h("p", { class: "muted small" }, `The link works until ${dateTimeOf(expires)}.`));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      error.textContent = "";
      const pw = password.input.value;
      password.setError(pw.length < MIN_PASSWORD ? `Use at least ${MIN_PASSWORD} characters.` : "");
      repeat.setError(repeat.input.value !== pw ? "The passwords differ." : "");
      if (pw.length < MIN_PASSWORD || repeat.input.value !== pw) return;
      submit.disabled = true;
      try {
        await api.confirmPasswordReset(p.token, pw);
        subtitle.textContent = "";
        replace(body, h("div", { class: "notice", "data-testid": "reset-done" },
          h("p", null, h("strong", null, "Your password is changed."), " Sign in with the new one."),
          h("p", null, h("a", { href: "/login", class: "btn btn-primary", "data-testid": "reset-signin" }, "Sign in"))));
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) gone(e.message);
        else if (e instanceof ApiError && e.field === "password") password.setError(e.message);
        else error.textContent = errText(e);
      } finally {
        submit.disabled = false;
      }
    });
    replace(body, form);
    queueMicrotask(() => password.input.focus());
  }

  if (!p.token) gone("The link has no token. Open it exactly as it is in the email.");
  else api.passwordReset(p.token).then((r) => render(r.email, r.expires_at), (e) => {
    if (e instanceof ApiError && e.status === 404) gone(e.message);
    else replace(body, StateMessage({ kind: "error", text: "Could not check the link.", detail: errText(e) }).el);
  });
  return { el: AuthLayout("Choose a new password", subtitle, body) };
}
