// Attachments in a send box (SPEC §10): pick a photo or document, upload it straight to the
// bucket with the presigned POST the service issues, let the service check it by content, then
// show it (a preview for photos) and send its id with the message. Texts are Russian.
//
// window.SchoolChatsAttach is the one upload flow, shared by the hosted page (below, cookie and
// CSRF token) and the demo journal (devstack/journal/journal.js, journal token): each hands
// `upload` its own `post(suffix, body)` to its chat's attachments address.
(function () {
  "use strict";
  var MAX_BYTES = 20 * 1024 * 1024;
  var TYPES = {
    jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp", pdf: "application/pdf",
    docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
  };
  var PROBLEM = "https://school-chats.dev/problems/";
  // The same sentences as the hosted page's routes give in `detail_ru` (api/hosted_attachments.py).
  var REFUSALS = {
    "attachment-refused": "Файл не принят: его содержимое не совпадает с типом файла. Файл удалён.",
    "attachment-too-large": "Файл не принят: он больше 20 МБ.",
    "attachment-not-uploaded": "Файл ещё не загрузился. Попробуйте ещё раз.",
    "validation": "Такой файл прикрепить нельзя: только фото (JPEG, PNG, WebP), PDF, DOCX и XLSX до 20 МБ.",
    "not-found": "Файл не найден."
  };
  var FAILED = "Не удалось прикрепить файл.";

  function typeOf(file) {
    if (file.type) { return file.type; }
    var dot = file.name.lastIndexOf(".");
    return TYPES[file.name.slice(dot + 1).toLowerCase()] || "application/octet-stream";
  }

  // Why an attachment was refused, in Russian: the page's own sentence, else by the problem's type.
  function refusal(problem) {
    if (problem && problem.detail_ru) { return problem.detail_ru; }
    var slug = problem && problem.type ? String(problem.type).replace(PROBLEM, "") : "";
    return REFUSALS[slug] || FAILED;
  }

  // One file: ask for a presigned POST (`post("", …)`), post the file to the bucket, have the
  // service check it (`post("/<id>/check", {})`). Resolves with the checked attachment; rejects
  // with an Error whose message is the Russian sentence to show.
  function upload(file, post) {
    if (file.size > MAX_BYTES) { return Promise.reject(new Error("Файл «" + file.name + "» больше 20 МБ.")); }
    return post("", { name: file.name, content_type: typeOf(file), size: file.size })
      .then(function (ticket) {
        var data = new FormData();
        Object.keys(ticket.upload.fields).forEach(function (name) {
          data.append(name, ticket.upload.fields[name]);
        });
        data.append("file", file);
        // The service checks what arrived, so the bucket's answer need not be read (no CORS needed).
        return fetch(ticket.upload.url, { method: "POST", mode: "no-cors", body: data })
          .then(function () { return post("/" + encodeURIComponent(ticket.attachment.id) + "/check", {}); });
      })
      .then(null, function (problem) {
        throw new Error(problem instanceof Error ? FAILED : refusal(problem));
      });
  }

  // Files one after another; `say(text, refused)` hears each step in Russian, `done(checked)` gets each
  // accepted one.
  function uploadAll(files, post, say, done) {
    return Array.prototype.reduce.call(files, function (previous, file) {
      return previous.then(function () {
        say("Загружаем «" + file.name + "»…");
        return upload(file, post).then(function (checked) {
          done(checked);
          say("Файл «" + checked.name + "» прикреплён.");
        }, function (error) { say(error.message, true); });
      });
    }, Promise.resolve());
  }

  window.SchoolChatsAttach = { MAX_BYTES: MAX_BYTES, typeOf: typeOf, refusal: refusal, upload: upload,
    uploadAll: uploadAll };

  // --- the hosted page's send box ------------------------------------------------------
  var box = document.getElementById("attach");
  var form = document.getElementById("composer");
  if (!box || !form) { return; }
  var picker = document.getElementById("attach-file");
  var ids = document.getElementById("attachment-ids");
  var list = document.getElementById("attached");
  var status = document.getElementById("attach-status");
  var csrf = form.querySelector("input[name=csrf]").value;
  var base = box.getAttribute("data-upload");
  var pending = 0;

  function say(text) { status.textContent = text; }

  function post(suffix, body) {
    return fetch(base + suffix, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (answer) {
      return answer.json().then(function (json) {
        if (!answer.ok) { throw json; }
        return json;
      });
    });
  }

  // A paperclip drawn in SVG, as the server draws it (attachment_file.html): an emoji needs a font
  // the device may not have.
  function clip() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "clip");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M9 7v9a3 3 0 0 0 6 0V6a5 5 0 0 0-10 0v10a7 7 0 0 0 14 0V7");
    svg.appendChild(path);
    return svg;
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
      item.appendChild(clip());
      item.appendChild(document.createTextNode(" " + checked.name));
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

  picker.addEventListener("change", function () {
    var files = Array.prototype.slice.call(picker.files);
    pending += 1;
    uploadAll(files, post, say, show).then(function () { picker.value = ""; pending -= 1; });
  });

  form.addEventListener("submit", function (event) {
    if (pending > 0) { event.preventDefault(); say("Подождите: файл ещё загружается."); }
  });
})();
