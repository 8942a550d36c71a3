// Settings area: sub-navigation (account, security, members, API tokens, enrollment keys, audit log, storage) and the
// chosen section. Sections a role may not use are not linked; opened directly they explain why.

import { isAdmin, type Role } from "../api";
import { h, type View } from "../dom";
import type { PageContext } from "../main";
import { AccountPage } from "./AccountPage";
import { AuditPage } from "./AuditPage";
import { EnrollmentKeysPage } from "./EnrollmentKeysPage";
import { MembersPage } from "./MembersPage";
import { SecurityPage } from "./SecurityPage";
import { StateMessage } from "./StateMessage";
import { StoragePage } from "./StoragePage";
import { TokensPage } from "./TokensPage";

interface Section {
  key: string;
  text: string;
  testid: string;
  allowed(role: Role): boolean;
  /** Shown when the role may not open the section. */
  denied: string;
  page(ctx: PageContext): View;
}

const SECTIONS: Section[] = [
  { key: "account", text: "Account", testid: "settings-account", allowed: () => true, denied: "", page: AccountPage },
  { key: "security", text: "Security", testid: "settings-security", allowed: () => true, denied: "", page: SecurityPage },
  { key: "members", text: "Members", testid: "settings-members", allowed: () => true, denied: "", page: MembersPage },
  // Kept as nav-api-tokens: browser tests used that hook before the settings area existed.
  { key: "tokens", text: "API tokens", testid: "nav-api-tokens", allowed: () => true, denied: "", page: TokensPage },
  { key: "enrollment-keys", text: "Enrollment keys", testid: "settings-enrollment-keys", allowed: isAdmin,
    denied: "Only admins and owners manage enrollment keys.", page: EnrollmentKeysPage },
  { key: "storage", text: "Storage", testid: "settings-storage", allowed: isAdmin,
    denied: "Only admins and owners see and prune stored data.", page: StoragePage },
  { key: "audit", text: "Audit log", testid: "settings-audit", allowed: (r) => r === "owner",
    denied: "Only owners can read the audit log.", page: AuditPage },
];

export function settingsTitle(key: string): string {
  return SECTIONS.find((s) => s.key === key)?.text ?? "Settings";
}

export function SettingsPage(ctx: PageContext, key: string): View {
  const section = SECTIONS.find((s) => s.key === key) ?? SECTIONS[0];
  const links = SECTIONS.filter((s) => s.allowed(ctx.me.role)).map((s) =>
    h("a", { href: `/settings/${s.key}`, class: "subnav-link", "data-testid": s.testid, "aria-current": s === section ? "page" : null }, s.text));
  const content = section.allowed(ctx.me.role)
    ? section.page(ctx)
    : StateMessage({ kind: "empty", text: section.denied, detail: `You are signed in as ${ctx.me.role} of ${ctx.me.org.name}.`,
        action: h("a", { href: "/settings/account", class: "btn" }, "Back to your account") });
  return {
    el: h("div", { class: "settings" },
      h("aside", { class: "settings-side" },
        h("p", { class: "settings-heading", id: "settings-heading" }, "Settings"),
        h("nav", { class: "subnav", "aria-labelledby": "settings-heading" }, links)),
      h("div", { class: "settings-main" }, content.el)),
    destroy: content.destroy,
  };
}
