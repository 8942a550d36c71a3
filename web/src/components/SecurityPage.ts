// Security settings: two-factor sign-in (TOTP). Enabling: new secret (shown grouped in fours, as
// an otpauth:// link and a QR code), confirm with a code, then the ten recovery codes shown once.
// Disabling needs the password.

import { api, ApiError, type TOTPSetup } from "../api";
import { h, replace, type View } from "../dom";
import type { PageContext } from "../main";
import { FormField } from "./FormField";
import { QRCode } from "./QRCode";
import { StateMessage } from "./StateMessage";

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function SecurityPage(ctx: PageContext): View {
  const box = h("div", { class: "card-body" });
  const status = h("span", { class: "tag", "data-testid": "totp-status" });
  let alive = true;

  function showOff(): void {
    status.textContent = "Off";
    status.className = "tag";
    const error = h("p", { class: "form-error", role: "alert" });
    const start = h("button", { type: "button", class: "btn btn-primary", "data-testid": "totp-enable" }, "Turn on two-factor");
    start.addEventListener("click", async () => {
      start.disabled = true;
      error.textContent = "";
      try {
        showSetup(await api.totpSetup());
      } catch (e) {
        error.textContent = errText(e);
        start.disabled = false;
      }
    });
    replace(box,
      h("p", null, "With two-factor on, signing in also asks for a 6-digit code from an authenticator app on your phone ",
        "(for example Aegis, Google Authenticator, 1Password or Bitwarden)."),
      error, h("div", null, start));
  }

  function showSetup(s: TOTPSetup): void {
    const grouped = s.secret.replace(/\s+/g, "").replace(/(.{4})(?=.)/g, "$1 ");
    const code = FormField("Code from the app", { type: "text", name: "code", inputmode: "numeric", autocomplete: "one-time-code",
      pattern: "[0-9]*", maxlength: 6, required: true, "data-testid": "totp-code" });
    const error = h("p", { class: "form-error", role: "alert" });
    const confirm = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "totp-confirm" }, "Turn on");
    const cancel = h("button", { type: "button", class: "btn", onclick: showOff }, "Cancel");
    const form = h("form", { class: "form narrow-form", novalidate: true }, code.el, error, h("div", { class: "btn-row" }, confirm, cancel));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const c = code.input.value.replace(/\s+/g, "");
      code.setError(/^\d{6}$/.test(c) ? "" : "Enter the 6 digits the app shows.");
      if (!/^\d{6}$/.test(c)) return;
      confirm.disabled = true;
      error.textContent = "";
      try {
        showCodes((await api.totpEnable(c)).recovery_codes);
      } catch (e) {
        if (e instanceof ApiError && e.field === "code") {
          code.setError(e.message);
          code.input.select();
        } else error.textContent = errText(e);
        confirm.disabled = false;
      }
    });
    const qr = QRCode(s.otpauth_url);
    replace(box,
      h("ol", { class: "steps" },
        h("li", null, h("p", null, "Scan the QR code with your authenticator app, or open the link on the phone, or type the key in by hand."),
          h("div", { class: "totp-setup" },
            qr ? h("div", { class: "qr", role: "img", "aria-label": "QR code of the two-factor key" }, qr) : null,
            h("div", { class: "totp-key" },
              h("div", { class: "label" }, "Key"),
              h("code", { class: "copy-value totp-secret", "data-testid": "totp-secret" }, grouped),
              h("a", { href: s.otpauth_url, class: "small", "data-testid": "totp-link" }, "Open in authenticator app")))),
        h("li", null, h("p", null, "Enter the 6-digit code the app now shows for Vigil."), form)));
    queueMicrotask(() => code.input.focus());
  }

  function showCodes(codes: string[]): void {
    status.textContent = "On";
    status.className = "tag tag-on";
    const text = codes.join("\n") + "\n";
    const file = URL.createObjectURL(new Blob([`Vigil recovery codes for ${ctx.me.user.email}\nEach code works once.\n\n${text}`], { type: "text/plain" }));
    replace(box,
      h("div", { class: "notice notice-warn", role: "status" },
        h("p", null, h("strong", null, "Two-factor is on. Store these recovery codes now."),
          " They are shown only this once. Each signs you in once if you lose your phone; keep them in a password manager or on paper."),
        h("ul", { class: "recovery-codes", "data-testid": "totp-recovery-codes" }, codes.map((c) => h("li", null, h("code", null, c)))),
        h("div", { class: "btn-row" },
          CopyButton(text),
          h("a", { href: file, download: "vigil-recovery-codes.txt", class: "btn btn-sm", "data-testid": "totp-recovery-download" }, "Download .txt"),
          h("button", { type: "button", class: "btn btn-sm", onclick: () => { URL.revokeObjectURL(file); showOn(); } }, "I have stored them"))));
  }

  function showOn(): void {
    status.textContent = "On";
    status.className = "tag tag-on";
    const password = FormField("Your password", { type: "password", name: "password", required: true, autocomplete: "current-password", "data-testid": "totp-disable-password" });
    const error = h("p", { class: "form-error", role: "alert" });
    const submit = h("button", { type: "submit", class: "btn btn-danger", "data-testid": "totp-disable" }, "Turn off two-factor");
    const form = h("form", { class: "form narrow-form", novalidate: true },
      h("input", { type: "email", name: "username", autocomplete: "username", value: ctx.me.user.email, hidden: true, readonly: true, tabindex: -1, "aria-hidden": "true" }),
      password.el, error, h("div", null, submit));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      password.setError(password.input.value ? "" : "Enter your password.");
      if (!password.input.value) return;
      submit.disabled = true;
      error.textContent = "";
      try {
        await api.totpDisable(password.input.value);
        showOff();
      } catch (e) {
        if (e instanceof ApiError && e.field === "password") password.setError(e.message);
        else error.textContent = errText(e);
        submit.disabled = false;
      }
    });
    replace(box,
      h("p", null, "Signing in asks for a code from your authenticator app (or one of your recovery codes)."),
      h("p", { class: "muted small" }, "To turn it off, confirm with your password. To get new recovery codes, turn it off and on again."),
      form);
  }

  async function load(): Promise<void> {
    replace(box, StateMessage({ kind: "loading", text: "Loading…" }).el);
    try {
      const { enabled } = await api.totpStatus();
      if (!alive) return;
      if (enabled) showOn();
      else showOff();
    } catch (e) {
      replace(box, StateMessage({ kind: "error", text: "Could not load the two-factor state.", detail: errText(e), retry: () => void load() }).el);
    }
  }

  void load();
  return {
    el: h("div", { class: "page" },
      h("div", { class: "page-head" }, h("div", null, h("h1", { class: "page-title" }, "Security"),
        h("p", { class: "muted" }, "How ", h("strong", null, ctx.me.user.email), " signs in."))),
      h("section", { class: "card card-pad", "aria-labelledby": "totp-title" },
        h("div", { class: "card-head-row" }, h("h2", { class: "card-title", id: "totp-title" }, "Two-factor authentication"), status),
        box)),
    destroy: () => { alive = false; },
  };
}

function CopyButton(text: string): HTMLElement {
  const btn = h("button", { type: "button", class: "btn btn-sm", "data-testid": "totp-recovery-copy" }, "Copy all");
  btn.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      btn.textContent = "Copied";
    } catch {
      btn.textContent = "Copy failed: select the codes";
    }
    window.setTimeout(() => (btn.textContent = "Copy all"), 2000);
  });
  return btn;
}

