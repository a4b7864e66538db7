// Every page: forms that are sent once and say what they will do. No inline script anywhere:
// pages only mark their elements with data-* attributes, and this file does the rest.
//
// * A POST form's submit buttons are disabled while it is being sent (the server also refuses
//   the same form twice: see {% form_token %}); they come back if the page is restored from
//   the browser's history or nothing has answered after a while.
// * data-confirm="…" asks before sending, in a dialog (the <template id="confirm-dialog"> of
//   base.html). The message is taken from the button pressed, else from a checked radio button
//   or checkbox of the form, else from the form itself; data-confirm-ok names the button.
// * A refused form's error summary ([data-error-summary]) takes the focus, so a phone scrolls to
//   it, and its links move the focus to the field they name.
// * select[data-autosubmit] sends its form when changed (the language switch, filters);
//   [data-print] prints the page; [data-back] goes back a page when there is one (its href
//   says where to go otherwise).
(function () {
  "use strict";
  var RELEASE_AFTER_MS = 20000;

  function confirmation(form, submitter) {
    if (submitter && submitter.hasAttribute("data-confirm")) {
      return { text: submitter.getAttribute("data-confirm"), ok: submitter.getAttribute("data-confirm-ok") };
    }
    var chosen = form.querySelectorAll("input[data-confirm]:checked");
    if (chosen.length) {
      var last = chosen[chosen.length - 1];
      return { text: last.getAttribute("data-confirm"), ok: last.getAttribute("data-confirm-ok") };
    }
    if (form.hasAttribute("data-confirm")) {
      return { text: form.getAttribute("data-confirm"), ok: form.getAttribute("data-confirm-ok") };
    }
    return null;
  }

  function ask(question) {
    var template = document.getElementById("confirm-dialog");
    if (!template || typeof HTMLDialogElement === "undefined") {
      return Promise.resolve(window.confirm(question.text));
    }
    var dialog = template.content.firstElementChild.cloneNode(true);
    dialog.querySelector("[data-message]").textContent = question.text;
    var ok = dialog.querySelector("[data-ok]");
    var cancel = dialog.querySelector("[data-cancel]");
    if (question.ok) ok.textContent = question.ok;
    document.body.appendChild(dialog);
    return new Promise(function (resolve) {
      ok.addEventListener("click", function () { dialog.close("ok"); });
      cancel.addEventListener("click", function () { dialog.close("cancel"); });
      dialog.addEventListener("close", function () {
        resolve(dialog.returnValue === "ok");
        dialog.remove();
      });
      dialog.showModal();
      cancel.focus(); // an irreversible action: Enter alone does not take it
    });
  }

  function buttons(form) {
    var inside = Array.prototype.slice.call(form.querySelectorAll("button:not([type=button]):not([type=reset]), input[type=submit]"));
    var outside = form.id ? Array.prototype.slice.call(document.querySelectorAll("[form='" + form.id + "']")) : [];
    return inside.concat(outside);
  }

  function release(form) {
    delete form.dataset.sending;
    buttons(form).forEach(function (b) {
      if (b.hasAttribute("data-disabled-while-sending")) {
        b.disabled = false;
        b.removeAttribute("data-disabled-while-sending");
        b.removeAttribute("aria-busy");
      }
    });
  }

  function hold(form, submitter) {
    form.dataset.sending = "1";
    // A disabled button is not sent with the form: keep its name and value.
    Array.prototype.forEach.call(form.querySelectorAll("[data-kept-submitter]"), function (k) { k.remove(); });
    if (submitter && submitter.name) {
      var kept = document.createElement("input");
      kept.type = "hidden";
      kept.name = submitter.name;
      kept.value = submitter.value;
      kept.setAttribute("data-kept-submitter", "");
      form.appendChild(kept);
    }
    // After this event: disabling the button now would cancel the sending in some browsers.
    window.setTimeout(function () {
      buttons(form).forEach(function (b) {
        if (!b.disabled) {
          b.disabled = true;
          b.setAttribute("data-disabled-while-sending", "");
        }
      });
      if (submitter) submitter.setAttribute("aria-busy", "true");
    }, 0);
    window.setTimeout(function () { release(form); }, RELEASE_AFTER_MS);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
    if (form.dataset.sending) {
      event.preventDefault();
      return;
    }
    var submitter = event.submitter || null;
    var question = form.dataset.confirmed ? null : confirmation(form, submitter);
    delete form.dataset.confirmed;
    if (question && question.text) {
      event.preventDefault();
      ask(question).then(function (yes) {
        if (!yes) return;
        form.dataset.confirmed = "1";
        if (form.requestSubmit) form.requestSubmit(submitter || undefined);
        else form.submit();
      });
      return;
    }
    hold(form, submitter);
  });

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) Array.prototype.forEach.call(document.forms, release);
  });

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-autosubmit") || !select.form) return;
    if (select.form.requestSubmit) select.form.requestSubmit();
    else select.form.submit();
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    } else if (event.target.closest("[data-back]") && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) return;
    event.preventDefault();
    var closed = field.closest("details:not([open])");
    if (closed) closed.open = true;
    field.focus();
    field.scrollIntoView({ block: "center" });
  });

  function focusSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    var closed = summary.closest("details:not([open])");
    if (closed) closed.open = true;
    summary.focus();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusSummary);
  else focusSummary();
})();
