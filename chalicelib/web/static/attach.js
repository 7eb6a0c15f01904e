// Attachments in the send box (SPEC §10): pick a photo or document, upload it straight to the
// bucket with the presigned POST the service issues, let the service check it by content, then
// show it (a preview for photos) and send its id with the message. Texts are Russian.
(function () {
  "use strict";
  var box = document.getElementById("attach");
  var form = document.getElementById("composer");
  if (!box || !form) { return; }
  var picker = document.getElementById("attach-file");
  var ids = document.getElementById("attachment-ids");
  var list = document.getElementById("attached");
  var status = document.getElementById("attach-status");
  var csrf = form.querySelector("input[name=csrf]").value;
  var base = box.getAttribute("data-upload");
  var MAX_BYTES = 20 * 1024 * 1024;
  var TYPES = {
    jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp", pdf: "application/pdf",
    docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
  };
  var pending = 0;

  function say(text) { status.textContent = text; }

  function typeOf(file) {
    if (file.type) { return file.type; }
    var dot = file.name.lastIndexOf(".");
    return TYPES[file.name.slice(dot + 1).toLowerCase()] || "application/octet-stream";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (answer) {
      return answer.json().then(function (json) {
        if (!answer.ok) { throw new Error(json.detail_ru || "Не удалось прикрепить файл."); }
        return json;
      });
    });
  }

  function show(checked) {
    var item = document.createElement("li");
    item.className = "attachment " + (checked.preview_href ? "image" : "file");
    item.setAttribute("data-id", checked.id);
    if (checked.preview_href) {
      var image = document.createElement("img");
      image.src = checked.preview_href;
      image.alt = checked.name;
      image.width = 96;
      item.appendChild(image);
    } else {
      item.appendChild(document.createTextNode("📎 " + checked.name));
    }
    list.appendChild(item);
    ids.value = (ids.value + " " + checked.id).trim();
    textOptional();
  }

  // A message with attachments may go without text (SPEC §10); without them the text is required.
  function textOptional() {
    var text = form.querySelector("textarea[name=text]");
    if (text) { text.required = !ids.value.trim(); }
  }

  function attach(file) {
    if (file.size > MAX_BYTES) { say("Файл «" + file.name + "» больше 20 МБ."); return Promise.resolve(); }
    pending += 1;
    say("Загружаем «" + file.name + "»…");
    return post(base, { name: file.name, content_type: typeOf(file), size: file.size })
      .then(function (ticket) {
        var data = new FormData();
        Object.keys(ticket.upload.fields).forEach(function (name) {
          data.append(name, ticket.upload.fields[name]);
        });
        data.append("file", file);
        // The service checks what arrived, so the bucket's answer need not be read (no CORS needed).
        return fetch(ticket.upload.url, { method: "POST", mode: "no-cors", body: data })
          .then(function () { return post(base + "/" + ticket.attachment.id + "/check", {}); });
      })
      .then(function (checked) { show(checked); say("Файл «" + checked.name + "» прикреплён."); })
      .catch(function (error) { say(error.message || "Не удалось прикрепить файл."); })
      .then(function () { pending -= 1; });
  }

  picker.addEventListener("change", function () {
    var files = Array.prototype.slice.call(picker.files);
    files.reduce(function (done, file) {
      return done.then(function () { return attach(file); });
    }, Promise.resolve()).then(function () { picker.value = ""; });
  });

  form.addEventListener("submit", function (event) {
    if (pending > 0) { event.preventDefault(); say("Подождите: файл ещё загружается."); }
  });
})();
