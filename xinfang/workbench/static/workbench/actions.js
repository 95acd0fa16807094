/* Action pages: more request-item rows on the reply form, the advisory check of a draft reply, and
   selects that submit their form when changed (民情分析). A file, not inline script: the Content-Security-Policy
   runs scripts from this site only. */
(function () {
  "use strict";

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // The reason for a late entry is asked for only when the date lies before today (the date's max). The
  // field stays visible while it carries an error, and the server checks either way.
  var day = document.getElementById("id_on");
  var reason = document.getElementById("id_backdate_reason");
  if (day && reason && day.max) {
    var block = reason.closest(".field");
    var sync = function () {
      var late = day.value && day.value < day.max;
      block.hidden = !late && !block.querySelector(".errorlist") && !reason.value;
    };
    day.addEventListener("change", sync);
    day.addEventListener("input", sync);
    sync();
  }

  var addItem = document.getElementById("add-item");
  if (addItem) {
    // Adds one more request-item row (Django formset: bump TOTAL_FORMS, replace __prefix__).
    addItem.addEventListener("click", function () {
      var total = document.getElementById("id_items-TOTAL_FORMS");
      var html = document.getElementById("item-template").innerHTML.replace(/__prefix__/g, total.value);
      document.getElementById("items").insertAdjacentHTML("beforeend", html);
      total.value = parseInt(total.value, 10) + 1;
    });
  }

  var check = document.getElementById("reply-check");
  if (check) {
    // Advisory check of the draft against the petition (nothing is saved; the form submits as usual).
    check.addEventListener("click", function () {
      var out = document.getElementById("reply-check-result");
      var data = new FormData(document.getElementById("action-form"));
      out.textContent = "正在检查……";
      fetch(check.dataset.url, {method: "POST", body: data, credentials: "same-origin"})
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (j) {
          out.innerHTML = "";
          if (!j.checked) { out.textContent = j.empty_text; return; }
          if (!j.warnings.length) { out.textContent = "未发现问题：意见书回应了信访事项的要点。"; return; }
          var ul = document.createElement("ul");
          ul.className = "warnings";
          j.warnings.forEach(function (w) { var li = document.createElement("li"); li.textContent = w; ul.appendChild(li); });
          out.appendChild(ul);
        })
        .catch(function () { out.textContent = "暂无建议"; });
    });
  }
})();
