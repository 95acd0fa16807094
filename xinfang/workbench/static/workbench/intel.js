// Advisory suggestions (category, responsible unit, possible repeats). Loaded after the page; a failure or an
// empty answer shows «暂无建议» and never blocks the registrar.
(function () {
  "use strict";
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function render(box, data) {
    var body = box.querySelector("[data-intel-body]");
    body.innerHTML = "";
    var any = false;
    if (data.category) {
      any = true;
      var p = el("p", {}, "建议内容分类：");
      p.appendChild(el("strong", {}, data.category.category_name));
      p.appendChild(el("span", { "class": "muted small" }, "（置信度 " + Math.round(data.category.confidence * 100) + "%，模型 " + data.category.model_version + "）"));
      if (box.dataset.categoryTarget && data.category.category_id) {
        var b = el("button", { type: "button", "class": "btn secondary small", "data-accept-category": data.category.category_id }, "采纳");
        b.addEventListener("click", function () {
          var select = document.querySelector(box.dataset.categoryTarget);
          if (select) { select.value = String(data.category.category_id); select.dispatchEvent(new Event("change")); }
        });
        p.appendChild(document.createTextNode(" "));
        p.appendChild(b);
      }
      if (box.dataset.acceptForm && data.category.category_id) {
        var form = document.querySelector(box.dataset.acceptForm);
        if (form) { form.querySelector("[name=category]").value = data.category.category_id; form.hidden = false; }
      }
      body.appendChild(p);
    }
    if (data.units && data.units.length) {
      any = true;
      body.appendChild(el("div", { "class": "label" }, "建议责任单位"));
      var ul = el("ul", { "class": "small" });
      data.units.forEach(function (u) { ul.appendChild(el("li", {}, u.reason)); });
      body.appendChild(ul);
    }
    if (data.repeats && data.repeats.length) {
      any = true;
      body.appendChild(el("div", { "class": "label" }, "可能的重件（请人工判断是否为同一事项）"));
      var list = el("ul", { "class": "small", "data-repeats": "" });
      data.repeats.forEach(function (r) {
        var li = el("li");
        var a = el("a", { href: r.url }, r.number);
        li.appendChild(a);
        li.appendChild(document.createTextNode(" " + r.title + "（" + r.received_on + "，" + r.status + "）· " + r.reason));
        if (box.dataset.linkTarget) {
          var link = el("button", { type: "button", "class": "btn secondary small", "data-link-repeat": r.number }, "关联为重件");
          link.addEventListener("click", function () {
            var field = document.querySelector(box.dataset.linkTarget);
            if (!field) return;
            var parts = field.value.split(/[,，\s]+/).filter(Boolean);
            if (parts.indexOf(r.number) < 0) parts.push(r.number);
            field.value = parts.join(",");
            link.disabled = true;
            link.textContent = "已关联";
          });
          li.appendChild(document.createTextNode(" "));
          li.appendChild(link);
        }
        list.appendChild(li);
      });
      body.appendChild(list);
    }
    if (!any) body.appendChild(el("p", { "class": "muted" }, data.empty_text || "暂无建议"));
  }
  function load(box, url, body) {
    var options = { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" };
    if (body) {
      // The registration page posts what is typed: petition text and identity numbers stay out of URLs.
      var token = document.querySelector("input[name='csrfmiddlewaretoken']");
      options.method = "POST";
      options.body = body;
      options.headers["X-CSRFToken"] = token ? token.value : "";
    }
    fetch(url, options)
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { render(box, data); })
      .catch(function () { box.querySelector("[data-intel-body]").textContent = "暂无建议"; });
  }
  var boxes = document.querySelectorAll("[data-intel-url]");
  boxes.forEach(function (box) {
    if (!box.dataset.watch) { load(box, box.dataset.intelUrl); return; }
    // Registration page: ask again when the registrar pauses typing in the watched fields.
    var timer = null;
    function refresh() {
      var params = new FormData();
      box.dataset.watch.split(",").forEach(function (pair) {
        var kv = pair.split("=");
        var input = document.querySelector(kv[1]);
        if (input && input.value) params.set(kv[0], input.value);
      });
      if (!params.get("title") && !params.get("content") && !params.get("id_number") && !params.get("phone")) return;
      load(box, box.dataset.intelUrl, params);
    }
    box.dataset.watch.split(",").forEach(function (pair) {
      var input = document.querySelector(pair.split("=")[1]);
      if (!input) return;
      input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 600); });
      input.addEventListener("change", refresh);
    });
  });
})();
