// Members of the organization: everyone sees the list; admins and owners change roles, remove
// members and create invitation links (admins only for editors and viewers; owners for all).

import { api, isAdmin, ROLES, type Member, type Role } from "../api";
import { h, replace, type View } from "../dom";
import type { PageContext } from "../main";
import { CopyField } from "./CopyField";
import { FormField } from "./FormField";
import { StateMessage } from "./StateMessage";

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const privileged = (r: Role): boolean => r === "owner" || r === "admin";

export function MembersPage(ctx: PageContext): View {
  const { me } = ctx;
  const manager = isAdmin(me.role);
  /** Roles this user may grant: owners all, admins editor and viewer (the hub enforces the same). */
  const grantable = ROLES.filter((r) => me.role === "owner" || !privileged(r));
  const mayManage = (m: Member) => manager && (me.role === "owner" || !privileged(m.role));

  const list = h("div", { class: "card" });
  const listError = h("p", { class: "form-error", role: "alert", "data-testid": "members-error" });

  async function changeRole(m: Member, select: HTMLSelectElement): Promise<void> {
    const role = select.value as Role;
    const self = m.user_id === me.user.id;
    if (self && !confirm(`Change your own role to ${role}? You may lose access to some settings.`)) {
      select.value = m.role;
      return;
    }
    listError.textContent = "";
    select.disabled = true;
    try {
      await api.setMemberRole(m.user_id, role);
      if (self) {
        location.assign("/settings/members"); // the app reloads with the new role
        return;
      }
      await load();
    } catch (e) {
      listError.textContent = `Could not change the role of ${m.email}: ${errText(e)}`;
      select.value = m.role;
      select.disabled = false;
    }
  }

  async function remove(m: Member): Promise<void> {
    const self = m.user_id === me.user.id;
    const q = self
      ? `Leave ${me.org.name}? You lose access to it at once.`
      : `Remove ${m.email} from ${me.org.name}? Their sessions and API tokens in this organization end at once.`;
    if (!confirm(q)) return;
    listError.textContent = "";
    try {
      await api.removeMember(m.user_id);
      if (self) {
        location.assign("/");
        return;
      }
      await load();
    } catch (e) {
      listError.textContent = `Could not remove ${m.email}: ${errText(e)}`;
    }
  }

  function render(members: Member[]): void {
    if (members.length === 0) {
      replace(list, StateMessage({ kind: "empty", text: "No members." }).el);
      return;
    }
    replace(list, h("table", { class: "tokens members", "data-testid": "members-table" },
      h("thead", null, h("tr", null, ["Email", "Role", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, members.map((m) => {
        const self = m.user_id === me.user.id;
        let role: HTMLElement;
        if (mayManage(m)) {
          const select = h("select", { class: "input input-sm", "aria-label": `Role of ${m.email}`, "data-testid": "member-role" },
            ROLES.map((r) => h("option", { value: r, selected: r === m.role, disabled: !grantable.includes(r) }, r)));
          select.addEventListener("change", () => void changeRole(m, select));
          role = select;
        } else {
          role = h("span", { class: `tag tag-role-${m.role}`, "data-testid": "member-role" }, m.role);
        }
        return h("tr", { "data-testid": "members-row", "data-user-id": String(m.user_id) },
          h("td", { "data-label": "Email" }, h("strong", null, m.email), self ? h("span", { class: "muted" }, " (you)") : null),
          h("td", { "data-label": "Role" }, role),
          h("td", { class: "actions" }, mayManage(m)
            ? h("button", { type: "button", class: "btn btn-danger btn-sm", "data-testid": "member-remove", onclick: () => void remove(m) }, self ? "Leave" : "Remove")
            : null));
      }))));
  }

  async function load(): Promise<void> {
    try {
      const ms = (await api.members()).members ?? [];
      ms.sort((a, b) => ROLES.indexOf(a.role) - ROLES.indexOf(b.role) || a.email.localeCompare(b.email));
      render(ms);
    } catch (e) {
      replace(list, StateMessage({ kind: "error", text: "Could not load members.", detail: errText(e), retry: () => void load() }).el);
    }
  }

  replace(list, StateMessage({ kind: "loading", text: "Loading members…" }).el);
  void load();

  return {
    el: h("div", { class: "page" },
      h("div", { class: "page-head" }, h("div", null, h("h1", { class: "page-title" }, "Members"),
        h("p", { class: "muted" }, `Who can see and manage ${me.org.name}. `,
          manager ? "Admins manage editors and viewers; only owners manage owners and admins."
            : "Only admins and owners invite and manage members."))),
      manager ? InviteForm(grantable) : null,
      h("h2", { class: "section-title" }, "Members"),
      listError,
      list),
  };
}

function InviteForm(roles: Role[]): HTMLElement {
  const email = FormField("Email", { type: "email", name: "email", required: true, autocomplete: "off", placeholder: "name@example.com", "data-testid": "invite-email" });
  const role = h("select", { class: "input", id: "invite-role", "data-testid": "invite-role" },
    roles.map((r) => h("option", { value: r, selected: r === "viewer" }, r)));
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "invite-error" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "invite-submit" }, "Create invitation");
  // Mailing the link needs the hub's SMTP settings; the box stays hidden on hubs without them.
  const sendEmail = h("input", { type: "checkbox", name: "send_email", "data-testid": "invite-send-email" });
  const sendLabel = h("div", { class: "field field-submit", hidden: true }, h("label", { class: "toggle" }, sendEmail, "Email the link to them"));
  void api.authMethods().then((m) => {
    sendLabel.hidden = !m.password_reset;
    sendEmail.checked = m.password_reset;
  }, () => {});
  const result = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "form token-form", novalidate: true },
    email.el,
    h("div", { class: "field" }, h("label", { class: "label", for: "invite-role" }, "Role"), role),
    sendLabel,
    h("div", { class: "field field-submit" }, submit),
    error);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const addr = email.input.value.trim();
    email.setError(/^[^\s@]+@[^\s@]+$/.test(addr) ? "" : "Enter an email address.");
    if (!/^[^\s@]+@[^\s@]+$/.test(addr)) return;
    submit.disabled = true;
    error.textContent = "";
    replace(result);
    try {
      const r = await api.invite(addr, role.value as Role, !sendLabel.hidden && sendEmail.checked);
      email.input.value = "";
      const how = r.emailed ? ` Vigil emailed the link to ${r.invitation.email}; you can also pass it on yourself.`
        : r.email_error ? ` The email could not be sent (${r.email_error}): copy the link and send it to them yourself.`
        : " Vigil does not send it: copy the link and send it to them yourself.";
      replace(result, h("div", { class: r.email_error ? "notice notice-warn" : "notice", "data-testid": "invite-result" },
        h("p", null, h("strong", null, `Invitation for ${r.invitation.email} as ${r.invitation.role} created.`),
          how, " It is valid for 7 days and works once."),
        CopyField("Invitation link", r.link, "invite-link")));
    } catch (e) {
      if (e instanceof Error && "field" in e && e.field === "email") email.setError(e.message);
      else error.textContent = errText(e);
    } finally {
      submit.disabled = false;
    }
  });

  return h("section", { class: "card card-pad", "aria-labelledby": "invite-title" },
    h("h2", { class: "card-title", id: "invite-title" }, "Invite someone"), form, result);
}
