// Sign-in form (POST /api/v1/auth/login). With two-factor on, the hub answers 401 with
// "field":"totp"; a second step then asks for the authenticator code (or a recovery code) and
// sends it together with the email and password.

import { api, ApiError, type SecondFactor } from "../api";
import { h, replace, type View } from "../dom";
import { navigate } from "../router";
import { AuthLayout } from "./AuthLayout";
import { FormField } from "./FormField";

export function LoginPage(p: { next: string; ssoError?: string }): View {
  const email = FormField("Email", { type: "email", name: "email", autocomplete: "username", required: true, "data-testid": "login-email" });
  const password = FormField("Password", { type: "password", name: "password", autocomplete: "current-password", required: true, "data-testid": "login-password" });
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "login-error" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "login-submit" }, "Sign in");
  const forgot = h("a", { href: "/forgot-password", hidden: true, "data-testid": "login-forgot" }, "Forgot your password?");
  const form = h("form", { class: "form", novalidate: true }, email.el, password.el, error, submit, h("div", { class: "login-links" }, forgot));
  // Single sign-on (OpenID Connect), shown when the hub has a provider configured. The hub
  // redirects back to /login?sso_error=… when the provider's answer is refused.
  const sso = h("div", { class: "form", hidden: true, "data-testid": "login-sso" });
  const ssoError = h("p", { class: "form-error", role: "alert", "data-testid": "login-sso-error" }, p.ssoError ? ssoMessage(p.ssoError) : "");

  // Second step: the code from the authenticator app, or one of the recovery codes.
  const code = FormField("Authentication code", { type: "text", name: "totp", inputmode: "numeric", autocomplete: "one-time-code",
    pattern: "[0-9]*", maxlength: 6, required: true, "data-testid": "login-totp" });
  const recovery = FormField("Recovery code", { type: "text", name: "recovery_code", autocomplete: "off", autocapitalize: "none",
    spellcheck: "false", placeholder: "xxxx-xxxx-xxxx", required: true, "data-testid": "login-recovery" });
  const hint = h("p", { class: "muted small" });
  const error2 = h("p", { class: "form-error", role: "alert", "data-testid": "login-totp-error" });
  const submit2 = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "login-totp-submit" }, "Verify");
  const toggle = h("button", { type: "button", class: "btn-link", "data-testid": "login-use-recovery" });
  const back = h("button", { type: "button", class: "btn-link", "data-testid": "login-back" }, "Back to email and password");
  const form2 = h("form", { class: "form", novalidate: true, hidden: true }, hint, code.el, recovery.el, error2, submit2,
    h("div", { class: "login-links" }, toggle, back));
  let useRecovery = false;

  const title = h("span", null, "Sign in");
  const subtitle = h("span", null, "Monitor your servers.");

  function setMode(recoveryMode: boolean): void {
    useRecovery = recoveryMode;
    code.el.hidden = recoveryMode;
    recovery.el.hidden = !recoveryMode;
    code.setError("");
    recovery.setError("");
    error2.textContent = "";
    hint.textContent = recoveryMode
      ? "Enter one of the recovery codes you stored when you turned on two-factor. Each works once."
      : "Enter the 6-digit code from your authenticator app.";
    toggle.textContent = recoveryMode ? "Use the authenticator app instead" : "Use a recovery code instead";
    (recoveryMode ? recovery : code).input.focus();
  }

  function showStep(second: boolean): void {
    form.hidden = second;
    form2.hidden = !second;
    title.textContent = second ? "Two-factor authentication" : "Sign in";
    subtitle.textContent = second ? `Signing in as ${email.input.value.trim()}.` : "Monitor your servers.";
    if (second) {
      code.input.value = "";
      recovery.input.value = "";
      setMode(false);
    } else {
      password.input.value = "";
      password.input.focus();
    }
  }

  function done(): void {
    // Only same-site paths are accepted as a destination after login.
    navigate(p.next.startsWith("/") && !p.next.startsWith("//") ? p.next : "/", true);
  }

  function message(e: unknown): string {
    return e instanceof ApiError && e.status === 429 ? "Too many attempts. Wait a minute and try again."
      : e instanceof Error ? e.message : String(e);
  }

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
      done();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401 && e.field === "totp") {
        showStep(true);
      } else {
        error.textContent = e instanceof ApiError && e.status === 401 ? "Wrong email or password." : message(e);
        password.input.select();
      }
    } finally {
      submit.disabled = false;
      submit.textContent = "Sign in";
    }
  });

  form2.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error2.textContent = "";
    const field = useRecovery ? recovery : code;
    const value = field.input.value.replace(/\s+/g, "");
    const valid = useRecovery ? value.length > 0 : /^\d{6}$/.test(value);
    field.setError(valid ? "" : useRecovery ? "Enter a recovery code." : "Enter the 6 digits from your app.");
    if (!valid) return;
    const second: SecondFactor = useRecovery ? { recovery_code: value } : { totp: value };
    submit2.disabled = true;
    submit2.textContent = "Verifying…";
    try {
      await api.login(email.input.value.trim(), password.input.value, second);
      done();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401 && (e.field === "totp" || e.field === "recovery_code")) {
        field.setError(e.message);
        field.input.select();
      } else if (e instanceof ApiError && e.status === 401) {
        // The password no longer works (changed meanwhile): start over.
        showStep(false);
        error.textContent = "Wrong email or password.";
      } else {
        error2.textContent = message(e);
      }
    } finally {
      submit2.disabled = false;
      submit2.textContent = "Verify";
    }
  });

  toggle.addEventListener("click", () => setMode(!useRecovery));
  back.addEventListener("click", () => showStep(false));

  // If the hub has no owner yet, the setup page is where to go.
  api.setupNeeded().then((r) => r.needed && navigate("/setup" + location.search, true), () => {});
  api.authMethods().then((m) => {
    forgot.hidden = !m.password_reset;
    if (m.oidc) {
      const next = p.next.startsWith("/") && !p.next.startsWith("//") && p.next !== "/" ? "?next=" + encodeURIComponent(p.next) : "";
      replace(sso, h("a", { href: m.oidc.start_url + next, class: "btn btn-block", "data-testid": "login-oidc" }, `Sign in with ${m.oidc.name}`),
        h("p", { class: "muted small login-or" }, "or with your email and password"));
      sso.hidden = false;
    }
  }, () => {});
  queueMicrotask(() => email.input.focus());
  return { el: AuthLayout(title, subtitle, ssoError, sso, form, form2) };
}

/** What the hub's sso_error codes mean (GET /api/v1/auth/oidc/callback). */
function ssoMessage(code: string): string {
  const m: Record<string, string> = {
    expired: "Single sign-on took too long or was started in another browser. Try again.",
    state: "Single sign-on was refused: the answer did not belong to this sign-in. Try again.",
    nonce: "Single sign-on was refused: the provider's token did not belong to this sign-in.",
    provider: "The sign-on provider could not be reached or refused the sign-in.",
    unverified: "The provider did not confirm your email address, so Vigil cannot match it to an account.",
    domain: "Your email domain may not sign in to this hub.",
    no_account: "There is no Vigil account for your email address. Ask an administrator for an invitation.",
    no_org: "Your account belongs to no organization.",
    rate: "Too many attempts. Wait a minute and try again.",
  };
  return m[code] ?? "Single sign-on failed. Try again or sign in with your password.";
}
