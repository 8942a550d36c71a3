// Modal that registers a host (POST /api/v1/hosts) and shows its agent token and install command.

import { api, type NewHost } from "../api";
import { h, replace } from "../dom";
import { CopyField } from "./CopyField";
import { FormField } from "./FormField";

export function openAddServerDialog(onAdded: (r: NewHost) => void): void {
  const name = FormField("Server name", { type: "text", name: "name", required: true, maxlength: 128, placeholder: "web-1", autocomplete: "off", "data-testid": "add-server-name" });
  const error = h("p", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "add-server-submit" }, "Add server");
  const cancel = h("button", { type: "button", class: "btn", onclick: () => dialog.close() }, "Cancel");
  const body = h("div", { class: "dialog-body" });
  const form = h("form", { class: "form", novalidate: true }, name.el, error, h("div", { class: "dialog-actions" }, cancel, submit));
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": "add-server-title", "data-testid": "add-server-dialog" },
    h("h2", { id: "add-server-title", class: "dialog-title" }, "Add a server"), body);
  replace(body, h("p", { class: "muted" }, "Give the server a name. You'll get the command that connects its agent to this hub."), form);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const v = name.input.value.trim();
    name.setError(v ? "" : "Enter a name.");
    if (!v) return;
    submit.disabled = true;
    error.textContent = "";
    try {
      const r = await api.createHost(v);
      onAdded(r);
      replace(body,
        h("p", null, "Run this on ", h("strong", null, r.host.name), " to start its agent. The token is shown only once."),
        CopyField("Command", r.command, "add-server-command"),
        CopyField("Agent token", r.token, "add-server-token"),
        h("div", { class: "dialog-actions" }, h("button", { type: "button", class: "btn btn-primary", onclick: () => dialog.close() }, "Done")));
    } catch (e) {
      submit.disabled = false;
      if (e instanceof Error && "field" in e && (e as { field?: string }).field === "name") name.setError(e.message);
      else error.textContent = e instanceof Error ? e.message : String(e);
    }
  });

  dialog.addEventListener("close", () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
  name.input.focus();
}
