/* 登记 page. Shows the group-visit and 检举控告 blocks only when they apply, adds petitioner rows, and looks up
   each petitioner's earlier items so the registrar can link a repeat (重件).
   The page also works without this script: the server renders every block, three blank petitioner rows and
   a text field for earlier item numbers, and it re-checks everything that is submitted. */
(function () {
  "use strict";

  var form = document.getElementById("register-form");
  if (!form) {
    return;
  }
  var DEBOUNCE_MS = 400; // long enough not to query on every key press of an 18-character number
  var ID_LENGTH = 18;
  var MIN_PHONE_DIGITS = 7;

  var visit = form.dataset.visit;
  var accusation = form.dataset.accusation;
  var groupMin = parseInt(form.dataset.groupMin, 10);
  var maxReps = parseInt(form.dataset.maxReps, 10);
  var lookupUrl = form.dataset.personItemsUrl;
  var list = form.querySelector("[data-petitioner-list]");
  var template = document.getElementById("petitioner-template");
  var totalForms = form.querySelector("input[name='petitioners-TOTAL_FORMS']");
  var maxForms = form.querySelector("input[name='petitioners-MAX_NUM_FORMS']");
  var linked = document.getElementById("linked-items");
  var lookups = new WeakMap(); // row element -> {timer, key, controller}

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  // --- blocks that depend on other answers -------------------------------------------------------------

  function show(block, visible) {
    // A block the server marked with errors stays visible, so the message is never hidden from the user.
    if (block) {
      block.hidden = !visible && !block.hasAttribute("data-has-errors");
    }
  }

  function updateBlocks() {
    var channel = form.querySelector("input[name='channel']:checked");
    var people = parseInt(form.elements.people_count.value, 10) || 0;
    show(form.querySelector("[data-group-block]"), (channel && channel.value === visit) || people >= groupMin);
    show(form.querySelector("[data-accusation-block]"), form.elements.claim_type.value === accusation);
  }

  function updateRepCount() {
    var out = form.querySelector("[data-rep-count]");
    var count = list.querySelectorAll("input[name$='-is_representative']:checked").length;
    if (!count) {
      out.textContent = "";
      return;
    }
    if (count > maxReps) {
      out.className = "small errorlist";
      out.textContent = "已勾选代表 " + count + " 名，超过 " + maxReps + " 名的上限（《信访工作条例》第二十条），请减少";
    } else {
      out.className = "small muted";
      out.textContent = "已勾选代表 " + count + " 名（最多 " + maxReps + " 名）";
    }
  }

  // --- petitioner rows ---------------------------------------------------------------------------------

  function renumber() {
    list.querySelectorAll("[data-row-number]").forEach(function (node, i) {
      node.textContent = String(i + 1);
    });
  }

  function addRow() {
    var index = parseInt(totalForms.value, 10);
    if (maxForms && index >= parseInt(maxForms.value, 10)) {
      return;
    }
    // The template is the server's own rendering of a blank row; only the index placeholder changes.
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.querySelector("[data-petitioner]");
    list.appendChild(row);
    totalForms.value = String(index + 1);
    renumber();
    row.querySelector("[data-lookup='name']").focus();
  }

  // --- earlier items of a petitioner ---------------------------------------------------------------------

  function lookupField(row, kind) {
    return row.querySelector("[data-lookup='" + kind + "']");
  }

  function lookupQuery(row) {
    var params = new URLSearchParams();
    var idNumber = lookupField(row, "id_number").value.replace(/\s/g, "").toUpperCase();
    var phone = lookupField(row, "phone").value.trim();
    if (idNumber.length === ID_LENGTH) {
      params.set("id_number", idNumber);
    }
    if (phone.replace(/\D/g, "").length >= MIN_PHONE_DIGITS) {
      params.set("phone", phone);
    }
    if (!params.has("id_number") && !params.has("phone")) {
      return "";
    }
    var name = lookupField(row, "name").value.trim();
    if (name) {
      params.set("name", name);
    }
    return params.toString();
  }

  function csrfToken() {
    var input = form.querySelector("input[name='csrfmiddlewaretoken']");
    return input ? input.value : "";
  }

  function linkedInput(id) {
    return linked.querySelector("input[name='earlier_items'][value='" + id + "']");
  }

  function syncHitBoxes(id, checked) {
    form.querySelectorAll(".person-hits input[data-case-id='" + id + "']").forEach(function (box) {
      box.checked = checked;
    });
  }

  function setLinked(item, checked) {
    var input = linkedInput(item.id);
    if (checked && !input) {
      var label = el("label", "checkbox");
      input = el("input");
      input.type = "checkbox";
      input.name = "earlier_items";
      input.value = String(item.id);
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + item.number + " · " + item.received_on + " · " + item.title));
      var li = el("li");
      li.appendChild(label);
      linked.appendChild(li);
    }
    if (input) {
      input.checked = checked;
    }
    syncHitBoxes(item.id, checked);
  }

  function showHits(slot, items) {
    slot.textContent = "";
    if (!items.length) {
      slot.appendChild(el("p", "help", "未找到此人此前的信访件（仅查询您有权查看的信访件）。"));
      return;
    }
    var box = el("div", "person-hits");
    box.appendChild(el("strong", null, "此人此前有 " + items.length + " 件信访件，如为同一事项请勾选「关联为重件」："));
    var ul = el("ul");
    items.forEach(function (item) {
      var li = el("li");
      var link = el("a", null, item.number);
      link.href = item.url;
      link.target = "_blank"; // keep the half-filled form open
      link.rel = "noopener";
      link.title = "在新窗口中打开";
      li.appendChild(link);
      li.appendChild(document.createTextNode(" · " + item.received_on + " · " + item.title + " · " + item.status));
      var label = el("label", "checkbox");
      var checkbox = el("input");
      checkbox.type = "checkbox";
      checkbox.dataset.caseId = String(item.id);
      var existing = linkedInput(item.id);
      checkbox.checked = Boolean(existing && existing.checked);
      checkbox.addEventListener("change", function () {
        setLinked(item, checkbox.checked);
      });
      label.appendChild(checkbox);
      label.appendChild(document.createTextNode(" 关联为重件"));
      li.appendChild(label);
      ul.appendChild(li);
    });
    box.appendChild(ul);
    slot.appendChild(box);
  }

  function lookup(row) {
    var state = lookups.get(row);
    var slot = row.querySelector("[data-person-hits]");
    var query = lookupQuery(row);
    if (query === state.key) {
      return;
    }
    state.key = query;
    if (state.controller) {
      state.controller.abort(); // an older answer must not overwrite a newer one
    }
    if (!query) {
      slot.textContent = "";
      return;
    }
    var controller = new AbortController();
    state.controller = controller;
    // POST, never a query string: identity numbers and phones must not end up in access logs.
    fetch(lookupUrl, {
      method: "POST",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": csrfToken(),
      },
      body: query,
      credentials: "same-origin",
      signal: controller.signal,
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        showHits(slot, data.items || []);
      })
      .catch(function (error) {
        if (error.name === "AbortError") {
          return;
        }
        state.key = null;
        slot.textContent = "";
        slot.appendChild(el("p", "help", "暂时无法查询此人此前的信访件；如知道编号，可在下方「关联前次信访件编号」中填写。"));
      });
  }

  function scheduleLookup(row) {
    var state = lookups.get(row);
    if (!state) {
      state = { timer: 0, key: "", controller: null };
      lookups.set(row, state);
    }
    clearTimeout(state.timer);
    state.timer = setTimeout(function () {
      lookup(row);
    }, DEBOUNCE_MS);
  }

  // --- wiring ----------------------------------------------------------------------------------------------

  form.addEventListener("input", function (event) {
    var target = event.target;
    if (target.dataset.lookup) {
      scheduleLookup(target.closest("[data-petitioner]"));
    }
    if (target.name === "people_count") {
      updateBlocks();
    }
  });
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "channel" || target.name === "claim_type") {
      updateBlocks();
    }
    if (/-is_representative$/.test(target.name)) {
      updateRepCount();
    }
  });
  linked.addEventListener("change", function (event) {
    if (event.target.name === "earlier_items") {
      syncHitBoxes(event.target.value, event.target.checked);
    }
  });

  var addButton = form.querySelector("[data-add-petitioner]");
  addButton.hidden = false;
  addButton.addEventListener("click", addRow);

  updateBlocks();
  updateRepCount();
  // After a failed save the typed numbers are back in the rows: show their earlier items again.
  list.querySelectorAll("[data-petitioner]").forEach(function (row) {
    scheduleLookup(row);
  });
  var errors = document.getElementById("form-errors");
  if (errors) {
    errors.focus();
  }
})();
