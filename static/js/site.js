// What every page does without inline script (the Content-Security-Policy allows none):
// selects that submit their form when changed, and the idle-session warning.
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  var body = document.body;
  var idle = parseInt(body.dataset.idleSeconds || "0", 10);
  var keepalive = body.dataset.keepalive;
  if (!idle || !keepalive) { return; }
  var lang = document.documentElement.lang || "zh-hans";
  var zh = lang.indexOf("zh") === 0;
  var warnAfter = Math.max(idle - 60, 1) * 1000;
  var warnTimer, endTimer, banner;

  function csrf() {
    var headers = JSON.parse(body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRFToken"] || "";
  }
  function hide() { if (banner) { banner.remove(); banner = null; } }
  function schedule() {
    clearTimeout(warnTimer); clearTimeout(endTimer); hide();
    warnTimer = setTimeout(warn, warnAfter);
    endTimer = setTimeout(function () { window.location.reload(); }, idle * 1000 + 2000);
  }
  function stay() {
    fetch(keepalive, { method: "POST", headers: { "X-CSRFToken": csrf() }, credentials: "same-origin" })
      .then(function (response) { if (response.ok) { schedule(); } else { window.location.reload(); } });
  }
  function warn() {
    banner = document.createElement("p");
    banner.className = "notice warning session-warning";
    banner.setAttribute("role", "alert");
    banner.dataset.testid = "idle-warning";
    banner.textContent = zh ? "一分钟内无操作将自动退出登录。" : "You will be signed out in a minute without activity. ";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "small";
    button.textContent = zh ? "继续使用" : "Stay signed in";
    button.addEventListener("click", stay);
    banner.appendChild(button);
    (document.querySelector("main") || body).prepend(banner);
  }
  schedule();
})();
