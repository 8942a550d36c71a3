// The uptime area (loaded on demand): checks list, check page, check form, status pages and
// their editor, with a sub-navigation between checks and status pages.

import { h, type View } from "../dom";
import type { PageContext } from "../main";
import { CheckForm } from "./CheckForm";
import { CheckPage } from "./CheckPage";
import { ChecksPage } from "./ChecksPage";
import { StateMessage } from "./StateMessage";
import { StatusPageEditor, StatusPagesPage } from "./StatusPagesPage";
import "./checks.css";


export function ChecksArea(ctx: PageContext, path: string): View & { title: string } {
  const editor = ctx.me.role !== "viewer";
  const denied = () => StateMessage({ kind: "empty", text: "Only editors, admins and owners change checks and status pages.", detail: `You are signed in as ${ctx.me.role}.` });
  let m: RegExpExecArray | null;
  let page: View;
  let title = "Uptime checks";
  if (path === "/checks" || path === "/checks/") page = ChecksPage(ctx);
  else if (path === "/checks/new") { page = editor ? CheckForm(null) : denied(); title = "New check"; }
  else if ((m = /^\/checks\/(\d+)\/edit$/.exec(path))) { page = editor ? CheckForm(Number(m[1])) : denied(); title = "Edit check"; }
  else if ((m = /^\/checks\/(\d+)$/.exec(path))) { page = CheckPage(ctx, Number(m[1])); title = "Check"; }
  else if (path === "/status-pages" || path === "/status-pages/") { page = StatusPagesPage(ctx); title = "Status pages"; }
  else if (path === "/status-pages/new") { page = editor ? StatusPageEditor(null) : denied(); title = "New status page"; }
  else if ((m = /^\/status-pages\/(\d+)$/.exec(path))) { page = editor ? StatusPageEditor(Number(m[1])) : denied(); title = "Status page"; }
  else page = StateMessage({ kind: "empty", text: "This page does not exist.", action: h("a", { href: "/checks", class: "btn" }, "Go to the checks") });
  const onPages = path.startsWith("/status-pages");
  return {
    title,
    el: h("div", { class: "checks-area" },
      h("nav", { class: "subnav subnav-row", "aria-label": "Uptime" },
        h("a", { href: "/checks", class: "subnav-link", "aria-current": onPages ? null : "page", "data-testid": "subnav-checks" }, "Checks"),
        h("a", { href: "/status-pages", class: "subnav-link", "aria-current": onPages ? "page" : null, "data-testid": "subnav-status-pages" }, "Status pages")),
      page.el),
    destroy: page.destroy,
  };
}
