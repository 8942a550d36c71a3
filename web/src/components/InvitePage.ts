// Invitation page (/invite?token=…, public): shows who is invited to which organization, then
// joins with the password of the existing account or a new one (POST /api/v1/invitation/accept).
// An existing account with two-factor on is answered 401 "field":"totp"; the page then asks for the
// authenticator code (or a recovery code) in the same form, since accepting signs the browser in.

import { api, ApiError, type InvitationInfo, type SecondFactor } from "../api";
import { h, replace, type View } from "../dom";
import { dateTimeOf } from "../format";
import { AuthLayout } from "./AuthLayout";
import { FormField } from "./FormField";
import { StateMessage } from "./StateMessage";

const MIN_PASSWORD = 10;

export function InvitePage(p: { token: string; onJoined: () => void }): View {
  const title = h("span", null, "Invitation");
  const subtitle = h("span", null, "Checking your invitation…");
  const body = h("div", { class: "invite-body" }, StateMessage({ kind: "loading", text: "Loading invitation…" }).el);

  function gone(text: string, detail: string): void {
    title.textContent = "Invitation not valid";
    subtitle.textContent = "";
    replace(body, StateMessage({ kind: "empty", text, detail, action: h("a", { href: "/login", class: "btn" }, "Go to sign in") }).el);
  }

  /** Already signed in as the invitee (e.g. by single sign-on): one click joins. */
  function renderSignedIn(info: InvitationInfo): void {
    const error = h("p", { class: "form-error", role: "alert", "data-testid": "invitation-error" });
    const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "invitation-accept" }, `Join ${info.invitation.org}`);
    const form = h("form", { class: "form", novalidate: true },
      h("p", { class: "muted small" }, `You are signed in as ${info.invitation.email}.`), error, submit);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      submit.disabled = true;
      error.textContent = "";
      try {
        await api.acceptInvitation(p.token, "");
        p.onJoined();
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) gone("This invitation was used or has expired.", "Ask whoever invited you for a new link.");
        else error.textContent = e instanceof Error ? e.message : String(e);
        submit.disabled = false;
      }
    });
    replace(body, form);
  }

  function render(info: InvitationInfo): void {
    const inv = info.invitation;
    title.textContent = `Join ${inv.org}`;
    replace(subtitle, "You are invited as ", h("strong", null, inv.role), " for ", h("strong", { "data-testid": "invitation-email" }, inv.email), ".");
    if (info.signed_in) {
      renderSignedIn(info);
      return;
    }
    const password = FormField(info.account_exists ? "Password of your account" : "Choose a password", {
      type: "password", name: "password", required: true, autocomplete: info.account_exists ? "current-password" : "new-password",
      minlength: info.account_exists ? null : MIN_PASSWORD, "data-testid": "invitation-password" });
    const repeat = info.account_exists ? null : FormField("Repeat the password", {
      type: "password", name: "password2", required: true, autocomplete: "new-password", "data-testid": "invitation-password-repeat" });
    // Accounts made by single sign-on have no password: signing in first lets them join.
    const ssoHint = h("p", { class: "muted small", hidden: true }, "Your account uses single sign-on? ",
      h("a", { href: "/login?next=" + encodeURIComponent(location.pathname + location.search), "data-testid": "invitation-signin" }, "Sign in first"),
      ", then come back to this link.");
    if (info.account_exists) api.authMethods().then((m) => { ssoHint.hidden = !m.oidc; }, () => {});
    // One field takes either factor: six digits are a TOTP code, anything else a recovery code.
    const code = FormField("Authentication code (or a recovery code)", { type: "text", name: "totp", autocomplete: "one-time-code",
      autocapitalize: "none", spellcheck: "false", "data-testid": "invitation-totp" });
    code.el.hidden = true;
    const error = h("p", { class: "form-error", role: "alert", "data-testid": "invitation-error" });
    const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "invitation-accept" },
      info.account_exists ? "Sign in and join" : "Create account and join");
    const form = h("form", { class: "form", novalidate: true },
      // Lets password managers tie the password to the account.
      h("input", { type: "email", name: "username", autocomplete: "username", value: inv.email, hidden: true, readonly: true, tabindex: -1, "aria-hidden": "true" }),
      h("p", { class: "muted small" }, info.account_exists
        ? `${inv.email} already has a Vigil account: confirm it is yours with its password.`
        : `At least ${MIN_PASSWORD} characters. A few random words are easy to type and hard to guess.`),
      password.el, repeat?.el, code.el, error, submit,
      h("p", { class: "muted small" }, `The invitation is valid until ${dateTimeOf(inv.expires_at)}.`),
      // Accounts made by single sign-on have no password: signing in first lets them join.
      ssoHint);

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      error.textContent = "";
      const pw = password.input.value;
      password.setError(!pw ? "Enter a password." : !info.account_exists && pw.length < MIN_PASSWORD ? `Use at least ${MIN_PASSWORD} characters.` : "");
      const mismatch = repeat !== null && repeat.input.value !== pw;
      repeat?.setError(mismatch ? "The passwords differ." : "");
      if (!pw || (!info.account_exists && pw.length < MIN_PASSWORD) || mismatch) return;
      let second: SecondFactor | undefined;
      if (!code.el.hidden) {
        const v = code.input.value.trim();
        code.setError(v ? "" : "Enter the 6 digits from your app, or a recovery code.");
        if (!v) return;
        second = /^\d{6}$/.test(v) ? { totp: v } : { recovery_code: v };
      }
      submit.disabled = true;
      try {
        await api.acceptInvitation(p.token, pw, second);
        p.onJoined();
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) {
          gone("This invitation was used or has expired.", "Ask whoever invited you for a new link.");
          return;
        }
        if (e instanceof ApiError && e.status === 401 && (e.field === "totp" || e.field === "recovery_code")) {
          const first = code.el.hidden;
          code.el.hidden = false;
          code.setError(first ? "" : e.message);
          if (first) error.textContent = "This account has two-factor authentication on: enter the code from your authenticator app.";
          code.input.value = "";
          code.input.focus();
        } else if (e instanceof ApiError && e.field === "password") password.setError(e.message);
        else error.textContent = e instanceof ApiError && e.status === 429 ? e.message : e instanceof Error ? e.message : String(e);
        submit.disabled = false;
      }
    });
    replace(body, form);
    queueMicrotask(() => password.input.focus());
  }

  async function load(): Promise<void> {
    if (!p.token) {
      gone("This link has no invitation token.", "Open the complete link you were sent; it ends with ?token=…");
      return;
    }
    try {
      render(await api.invitation(p.token));
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 400)) {
        gone("This invitation is unknown, used or expired.", "Ask whoever invited you for a new link.");
      } else {
        replace(body, StateMessage({ kind: "error", text: "Could not load the invitation.", detail: e instanceof Error ? e.message : String(e), retry: () => void load() }).el);
      }
    }
  }

  void load();
  return { el: AuthLayout(title, subtitle, body) };
}
