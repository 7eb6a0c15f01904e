// The demo journal's "Chats" section: the linking flow (SPEC §3), the chats, "Open messenger" and the QR code.
// Talks to the real /v1 API with the journal token the page minted. Text goes in with textContent only.
"use strict";

(function () {
  // `closed`: chats whose posting a quiet-hours refusal closed, by id: {text, until} (SPEC §10).
  var state = { token: null, name: null, personId: null, timers: [], live: null, closed: {} };
  var QR_REFRESHES = 10; // then a button: a forgotten tab does not ask for codes all day
  var PROBLEM = "https://school-chats.dev/problems/";

  // --- DOM helpers -----------------------------------------------------------------

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "onclick") { node.addEventListener("click", attrs[key]); }
      else if (key === "onsubmit") { node.addEventListener("submit", attrs[key]); }
      else { node.setAttribute(key, attrs[key]); }
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) { continue; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function stopTimers() {
    state.timers.forEach(function (id) { clearInterval(id); clearTimeout(id); });
    state.timers = [];
    if (state.live) { state.live.stop(); state.live = null; }
  }

  function show() {
    stopTimers();
    var screen = document.getElementById("screen");
    while (screen.firstChild) { screen.removeChild(screen.firstChild); }
    for (var i = 0; i < arguments.length; i++) { screen.appendChild(arguments[i]); }
    var first = screen.querySelector("input, select, textarea");
    if (first) { first.focus(); }
  }

  function field(label, input) {
    return el("label", { "class": "field" }, el("span", { text: label }), input);
  }

  function errorBox() { return el("p", { "class": "error", role: "alert", id: "error" }); }

  function showError(box, problem) { box.textContent = explain(problem); }

  function mmss(seconds) {
    seconds = Math.max(0, seconds);
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  // --- the API ---------------------------------------------------------------------

  function api(method, path, body) {
    var options = { method: method, headers: { "Authorization": "Bearer " + state.token } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      return response.text().then(function (text) {
        var data = text ? JSON.parse(text) : null;
        if (!response.ok) { throw data || { status: response.status }; }
        return data;
      });
    });
  }

  // A field's problem in Russian, named as the form names the field («Пароль слишком простой»).
  var FIELD_NAMES = { phone: "Номер телефона", password: "Пароль", code: "Код из SMS", last_name: "Фамилия",
    first_name: "Имя", patronymic: "Отчество", birth_date: "Дата рождения", gender: "Пол" };
  function fieldProblem(field, message) {
    var name = String(field).split(".").pop();
    var text = String(message || "");
    if (name === "password") {
      if (/too common/i.test(text)) { return "Пароль слишком простой: выберите такой, который труднее угадать."; }
      if (/at least/i.test(text)) { return "Пароль слишком короткий: нужно не меньше 8 символов."; }
      if (/at most/i.test(text)) { return "Пароль слишком длинный."; }
      if (/phone/i.test(text)) { return "Пароль не должен содержать номер телефона."; }
      return "Пароль не подходит: выберите другой.";
    }
    if (name === "phone") {
      if (/country/i.test(text)) { return "Номер телефона: на номера этой страны SMS не отправляются."; }
      return "Номер телефона: введите мобильный номер, например +7 916 123-45-67.";
    }
    if (name === "code") { return "Код из SMS: введите 6 цифр из сообщения."; }
    if (name === "birth_date") {
      if (/future/i.test(text)) { return "Дата рождения не может быть в будущем."; }
      if (/age/i.test(text)) { return "Дата рождения: проверьте год."; }
      return "Дата рождения: выберите дату.";
    }
    if (name === "gender") { return "Пол: выберите один из вариантов."; }
    if (FIELD_NAMES[name]) {
      if (/required/i.test(text)) { return FIELD_NAMES[name] + ": заполните поле."; }
      if (/at most/i.test(text)) { return FIELD_NAMES[name] + ": слишком длинно."; }
      return FIELD_NAMES[name] + ": только буквы, пробел, дефис или апостроф между ними.";
    }
    return "Проверьте поле «" + name + "».";
  }

  function explain(problem) {
    var slug = problem && problem.type ? problem.type.replace(PROBLEM, "") : "";
    switch (slug) {
      case "invalid-credentials": return "Неверный номер телефона или пароль.";
      case "wrong-code": return "Неверный код. Осталось попыток: " + problem.attempts_left + ".";
      case "code-expired": return "Код больше не действует. Запросите новый.";
      case "rate-limited": return "Слишком много попыток. Повторите через " + problem.retry_after_s + " с.";
      case "locked": return "Вход по паролю для этого номера заблокирован.";
      case "link-session-expired": return "Время на привязку истекло. Начните заново.";
      case "sms-unavailable": return "SMS не отправлено. Попробуйте отправить код ещё раз.";
      case "already-linked": return "Этот учебный профиль уже привязан к другому пользователю журнала.";
      case "validation":
        return (problem.errors || []).map(function (e) { return fieldProblem(e.field, e.message); }).join(" ") ||
          "Проверьте, как заполнены поля.";
      default: return (problem && problem.detail) || "Что-то пошло не так. Попробуйте ещё раз.";
    }
  }

  // --- signing in to the journal ---------------------------------------------------

  function signIn() {
    var personId = document.getElementById("user").value;
    fetch("/demo/tokens", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ person_id: personId })
    }).then(function (response) { return response.json(); }).then(function (data) {
      state.token = data.token;
      state.closed = {};
      state.personId = personId;
      state.name = data.name;
      document.getElementById("who").textContent = data.name;
      document.getElementById("chats-button").disabled = false;
      show(el("section", { "class": "card", id: "home" },
        el("h1", { text: "Здравствуйте, " + data.name }),
        el("p", { text: "Это демонстрация журнала. Откройте раздел «Чаты» слева." })));
    });
  }

  // --- the Chats section -----------------------------------------------------------

  function openChats() {
    api("GET", "/v1/me").then(function (me) {
      if (me.link) { chatsScreen(me); } else { phoneScreen(); }
    });
  }

  function phoneScreen() {
    var phone = el("input", { type: "tel", id: "phone", autocomplete: "tel", placeholder: "+7 900 000-00-00" });
    var error = errorBox();
    show(el("section", { "class": "card", id: "link-phone" },
      el("h1", { text: "Подключите чаты" }),
      el("p", { text: "Чаты класса, родителей и учителей работают в мессенджере. Чтобы видеть их в журнале, " +
        "привяжите учебный профиль мессенджера." }),
      el("form", { onsubmit: function (event) {
        event.preventDefault();
        // Both answers start the same session (the API says nothing about who has an account).
        var create = document.getElementById("has-account-no").checked;
        api("POST", "/v1/link/sessions", { phone: phone.value }).then(function (session) {
          return create ? step(session, "register").then(route) : route(session);
        }).then(null, function (p) { showError(error, p); });
      } },
        field("Номер телефона", phone),
        el("fieldset", { "class": "choice", id: "has-account" },
          el("legend", { text: "Есть аккаунт мессенджера?" }),
          el("label", { "class": "check" },
            el("input", { type: "radio", name: "has-account", id: "has-account-yes", value: "yes", checked: "checked" }),
            " Да, войти по паролю"),
          el("label", { "class": "check" },
            el("input", { type: "radio", name: "has-account", id: "has-account-no", value: "no" }),
            " Нет, создать аккаунт")),
        error,
        el("button", { type: "submit", "class": "primary", text: "Продолжить" }))));
  }

  function route(session) {
    switch (session.step) {
      case "password": return passwordScreen(session);
      case "register": return registerScreen(session, false);
      case "reset": return registerScreen(session, true);
      case "code": return codeScreen(session);
      case "choose_profile": return chooseProfileScreen(session);
      case "create_profile": return createProfileScreen(session);
      case "done": return openChats();
      default: return openChats();
    }
  }

  function step(session, action, body) {
    return api("POST", "/v1/link/sessions/" + encodeURIComponent(session.id) + "/" + action, body || {});
  }

  function passwordScreen(session) {
    var password = el("input", { type: "password", id: "password", autocomplete: "current-password" });
    var error = errorBox();
    var intro = session.phone_verified
      ? "Этот номер уже зарегистрирован в мессенджере. Войдите с паролем от аккаунта."
      : "Аккаунт мессенджера для номера " + session.phone_masked + ".";
    show(el("section", { "class": "card", id: "link-password" },
      el("h1", { text: "Введите пароль" }),
      el("p", { text: intro }),
      el("form", { onsubmit: function (event) {
        event.preventDefault();
        step(session, "password", { password: password.value }).then(route, function (p) { showError(error, p); });
      } },
        field("Пароль", password),
        error,
        el("button", { type: "submit", "class": "primary", text: "Продолжить" })),
      session.phone_verified ? null : el("p", { "class": "links" },
        el("button", {
          type: "button", "class": "link", id: "forgot", text: "Забыли пароль?",
          onclick: function () { step(session, "reset").then(route, function (p) { showError(error, p); }); }
        }),
        el("button", {
          type: "button", "class": "link", id: "register", text: "Нет аккаунта? Создать",
          onclick: function () { step(session, "register").then(route, function (p) { showError(error, p); }); }
        }))));
  }

  // A new account's password, or a new password after «Забыли пароль?» (`reset`): an SMS code follows.
  function registerScreen(session, reset) {
    var password = el("input", { type: "password", id: "new-password", autocomplete: "new-password" });
    var error = errorBox();
    show(el("section", { "class": "card", id: reset ? "link-reset" : "link-register" },
      el("h1", { text: reset ? "Новый пароль" : "Придумайте пароль" }),
      el("p", { text: (reset ? "Новый пароль аккаунта мессенджера для номера " : "Новый аккаунт мессенджера для номера ") +
        session.phone_masked + ". Пароль — не короче 8 символов; простые пароли не подойдут. " +
        "Код из SMS подтвердит, что номер ваш." }),
      el("form", { onsubmit: function (event) {
        event.preventDefault();
        step(session, "password", { password: password.value }).then(route, function (p) { showError(error, p); });
      } },
        field("Пароль", password),
        error,
        el("button", { type: "submit", "class": "primary", text: "Продолжить" }))));
  }

  function codeScreen(session) {
    var code = el("input", {
      type: "text", id: "code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6"
    });
    var error = errorBox();
    var timer = el("p", { "class": "timer", id: "timer" });
    var resendAt = Date.now() + session.resend_after_s * 1000;
    function tick() {
      var left = Math.floor((resendAt - Date.now()) / 1000);
      while (timer.firstChild) { timer.removeChild(timer.firstChild); }
      if (left > 0) {
        timer.appendChild(document.createTextNode("SMS придёт в течение " + mmss(left)));
      } else {
        stopTimers();
        timer.appendChild(el("button", {
          type: "button", "class": "link", id: "resend", text: "Отправить код ещё раз",
          onclick: function () { step(session, "resend").then(route, function (p) { showError(error, p); }); }
        }));
      }
    }
    show(el("section", { "class": "card", id: "link-code" },
      el("h1", { text: "Введите код из SMS" }),
      el("p", { text: "Код отправлен на номер " + session.phone_masked + "." }),
      el("form", { onsubmit: function (event) {
        event.preventDefault();
        step(session, "code", { code: code.value }).then(route, function (p) { showError(error, p); });
      } },
        field("Код из SMS", code),
        error,
        el("button", { type: "submit", "class": "primary", text: "Подтвердить" })),
      timer));
    tick();
    state.timers.push(setInterval(tick, 1000));
  }

  function profileCard(profile) {
    var initials = (profile.first_name || " ")[0] + (profile.last_name || " ")[0];
    return el("div", { "class": "profile" },
      el("span", { "class": "avatar", text: initials }),
      el("span", {},
        el("strong", { text: profile.name }),
        el("span", { "class": "muted", text: " — учебный профиль" })));
  }

  function chooseProfileScreen(session) {
    var error = errorBox();
    show(el("section", { "class": "card", id: "link-choose" },
      el("h1", { text: "Учебный профиль" }),
      el("p", { text: "Этот профиль будет привязан к журналу. Его видят участники ваших чатов." }),
      profileCard(session.profile),
      error,
      el("button", {
        type: "button", "class": "primary", id: "continue-profile", text: "Продолжить в учебном профиле",
        onclick: function () { step(session, "confirm").then(route, function (p) { showError(error, p); }); }
      })));
  }

  function createProfileScreen(session) {
    var last = el("input", { type: "text", id: "last-name", autocomplete: "family-name" });
    var first = el("input", { type: "text", id: "first-name", autocomplete: "given-name" });
    var middle = el("input", { type: "text", id: "patronymic", autocomplete: "additional-name" });
    // Pre-filled with the name the journal knows («Фамилия Имя Отчество»); the person can correct it.
    var known = (state.name || "").split(/\s+/);
    last.value = known[0] || "";
    first.value = known[1] || "";
    middle.value = known.slice(2).join(" ");
    var birth = el("input", { type: "date", id: "birth-date" });
    var gender = el("select", { id: "gender" },
      el("option", { value: "female", text: "Женский" }),
      el("option", { value: "male", text: "Мужской" }));
    var error = errorBox();
    show(el("section", { "class": "card", id: "link-create" },
      el("h1", { text: "Создать учебный профиль" }),
      el("p", { text: "У аккаунта ещё нет учебного профиля. Укажите данные, как в журнале." }),
      el("form", { onsubmit: function (event) {
        event.preventDefault();
        step(session, "profile", {
          last_name: last.value, first_name: first.value, patronymic: middle.value || null,
          birth_date: birth.value, gender: gender.value
        }).then(route, function (p) { showError(error, p); });
      } },
        field("Фамилия", last), field("Имя", first), field("Отчество (если есть)", middle),
        field("Дата рождения", birth), field("Пол", gender),
        error,
        el("button", { type: "submit", "class": "primary", text: "Создать учебный профиль" }))));
  }

  // --- chats, "Open messenger" and the QR code -------------------------------------

  var KINDS = { staff: "Учителя", "class": "Класс", parents: "Родители", subject: "Предмет", custom: "Группа" };

  function chatsScreen(me) {
    var list = el("ul", { "class": "chat-list", id: "chat-list" });
    var pane = el("section", { "class": "chat-pane", id: "chat-pane", "aria-label": "Открытый чат" },
      el("p", { "class": "muted", text: "Выберите чат слева." }));
    var qr = el("div", { "class": "qr", id: "qr" });
    var error = errorBox();
    var opened = { id: null, view: null };
    // New messages from others are read out by screen readers; nothing moves focus.
    var announcer = el("p", { "class": "visually-hidden", id: "announcer", "aria-live": "polite" });
    var seen = null;
    // «Новый чат» for teachers: shown once the API says the caller may make chats.
    var teaches = (me.roles || []).indexOf("teacher") >= 0;
    var newChat = !teaches ? null : el("button", { type: "button", "class": "primary", id: "journal-new-chat", text: "Новый чат",
      onclick: function () {
        api("GET", "/v1/chat-choices").then(function (choices) {
          opened.id = null;
          opened.view = null;
          newChatView(pane, choices, function (chat) {
            opened.id = chat.id;
            opened.view = chatView(chat, pane, refresh, 0);
            refresh();
          });
          refresh();
        }, function (p) { showError(error, p); });
      } });
    show(el("section", { "class": "card", id: "chats" },
      el("div", { "class": "chats-head" },
        el("h1", { text: "Чаты" }),
        el("div", { "class": "linked" },
          profileCard(me.link.profile),
          el("span", { "class": "muted", text: me.link.phone_masked }),
          el("button", { type: "button", "class": "link", id: "unlink", text: "Отвязать профиль",
            onclick: function () { api("DELETE", "/v1/link").then(openChats); } }))),
      error, announcer,
      el("div", { "class": "chats-body" },
        el("div", { "class": "chats-side" },
          newChat,
          list,
          el("div", { "class": "messenger" },
            el("div", { "class": "open" },
              el("button", { type: "button", "class": "primary", id: "open-messenger", text: "Открыть мессенджер",
                onclick: function () { openMessenger(error); } }),
              el("p", { "class": "muted", text: "Чаты откроются в новой вкладке." })),
            qr)),
        pane)));
    showQr(qr, 0);

    function refresh() {
      api("GET", "/v1/chats?limit=100").then(function (page) {
        // The list is rebuilt: keep keyboard focus on the chat it was on.
        var focused = document.activeElement && list.contains(document.activeElement)
          ? document.activeElement.getAttribute("data-chat-id") : null;
        while (list.firstChild) { list.removeChild(list.firstChild); }
        var latest = {};
        page.items.forEach(function (chat) {
          var newest = chat.last_message;
          latest[chat.id] = newest ? newest.id : null;
          if (seen && newest && !newest.deleted && seen[chat.id] !== newest.id && newest.author_id !== state.personId) {
            announcer.textContent = "Новое сообщение в чате «" + chat.title + "» от " + newest.author_name + ": " + newest.text;
          }
        });
        seen = latest;
        if (!page.items.length) {
          // A pupil or parent sees a class chat only once its class teacher opened it (teacher first).
          list.appendChild(el("li", { "class": "empty muted", id: "chat-list-empty", text: "Чатов пока нет." }));
        }
        page.items.forEach(function (chat) {
          var last = chat.last_message;
          var preview = last ? last.author_name + ": " + (last.deleted ? "сообщение удалено" : last.text) : "Нет сообщений";
          var unread = chat.id === opened.id ? 0 : chat.unread_count;
          list.appendChild(el("li", { "class": "chat" + (chat.id === opened.id ? " open" : "") },
            el("button", { type: "button", "data-chat-id": chat.id, onclick: function () {
              opened.id = chat.id;
              opened.view = chatView(chat, pane, refresh, chat.unread_count);
              refresh();
            } },
              el("span", { "class": "kind", text: KINDS[chat.kind] || chat.kind }),
              chat.read_only ? el("span", { "class": "badge", text: chat.archived ? "в архиве" : "только чтение" }) : null,
              chat.call ? el("span", { "class": "badge call-badge", text: "идёт звонок · " + chat.call.participant_count }) : null,
              unread ? el("span", { "class": "badge unread", "aria-label": "Непрочитанных сообщений: " + unread,
                text: String(unread) }) : null,
              el("span", { "class": "title", text: chat.title }),
              el("span", { "class": "last", text: preview }))));
          if (chat.id === opened.id && opened.view) { opened.view.update(chat); }
        });
        if (focused) {
          var again = list.querySelector('button[data-chat-id="' + CSS.escape(focused) + '"]');
          if (again) { again.focus({ preventScroll: true }); }
        }
      }, function (p) { showError(error, p); });
    }
    refresh();
    // Live (SPEC §10): the socket says when one of the chats changed; while it cannot connect,
    // live.js polls every 15 s. Without live.js, the same 15 s poll.
    var live = document.body.getAttribute("data-live");
    if (window.SchoolChatsLive) {
      state.live = window.SchoolChatsLive.start({ url: live, token: state.token,
        onEvent: function (event) {
          // Taken out of the open chat (chat.removed): a notice instead of its send box.
          if (event.type === "chat.removed" && event.chat_id === opened.id) { leftChat(pane); }
          refresh();
        }, catchUp: refresh });
    } else {
      state.timers.push(setInterval(refresh, 15000));
    }
  }

  // The reader is no longer in the open chat: its composer gives way to a notice (a focus inside the
  // composer goes to the notice; any other focus stays put).
  function leftChat(pane) {
    var form = pane.querySelector("#journal-composer");
    if (!form || pane.querySelector("#journal-removed")) { return; }
    var notice = el("p", { "class": "read-only", id: "journal-removed", role: "status", tabindex: "-1",
      text: "Вас больше нет в этом чате: новые сообщения сюда не придут, писать в него нельзя." });
    var hadFocus = form.contains(document.activeElement);
    form.parentNode.replaceChild(notice, form);
    if (hadFocus) { notice.focus({ preventScroll: true }); }
  }

  // A message's text with http(s) addresses as links that open apart from the journal (as on the phone).
  var URL_PATTERN = /https?:\/\/[^\s<>"'`]+/gi;
  function linkedText(text) {
    var span = el("span", { "class": "text" });
    var position = 0;
    text.replace(URL_PATTERN, function (found, offset) {
      var url = found;
      while (url.length && ".,;:!?)»\u201d]".indexOf(url.charAt(url.length - 1)) >= 0 &&
        !(url.charAt(url.length - 1) === ")" && url.split("(").length >= url.split(")").length)) {
        url = url.slice(0, -1);
      }
      if (url.length <= "https://".length) { return found; }
      span.appendChild(document.createTextNode(text.slice(position, offset)));
      span.appendChild(el("a", { href: url, rel: "noopener noreferrer", target: "_blank", text: url }));
      position = offset + url.length;
      return found;
    });
    span.appendChild(document.createTextNode(text.slice(position)));
    return span;
  }

  // When a chat refused a post for quiet hours, the send box keeps saying when it opens, until then.
  function closedText(chatId) {
    var known = state.closed[chatId];
    if (known && known.until > Date.now()) { return known.text; }
    delete state.closed[chatId];
    return null;
  }

  // «1,2 МБ», «340 КБ»: a file's size as the phone writes it (chalicelib/web/attachments.py).
  function sizeText(size) {
    if (size >= 1024 * 1024) { return (size / (1024 * 1024)).toFixed(1).replace(".", ",") + " МБ"; }
    return Math.max(1, Math.round(size / 1024)) + " КБ";
  }

  // «PDF», «DOCX» before a document's name (a picture font is not on every journal computer).
  function fileBadge(name) {
    var dot = name.lastIndexOf(".");
    return el("span", { "class": "file-kind", "aria-hidden": "true",
      text: dot >= 0 ? name.slice(dot + 1).toUpperCase().slice(0, 4) : "ФАЙЛ" });
  }

  function canPost(chat) {
    return !chat.archived && (!chat.read_only || chat.my_role === "moderator");
  }

  function clientId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return "journal-" + Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  // One open chat: its messages (the newest at the bottom, in view), «Загрузить более ранние»,
  // and the same send box as the phone. `update(chat)` takes the list's fresh copy of the chat.
  // Why a chat was not made, naming the form's field (as the phone says it).
  function newChatProblem(problem) {
    var slug = problem && problem.type ? problem.type.replace(PROBLEM, "") : "";
    // "custom.title", "member_ids.0": any part of the field's path names it.
    var fields = [];
    (problem && problem.errors || []).forEach(function (e) { fields = fields.concat(String(e.field).split(".")); });
    if (slug === "validation" && fields.indexOf("title") >= 0) { return "Название чата: введите от 1 до 200 символов."; }
    if (slug === "validation" && fields.indexOf("member_ids") >= 0) {
      return "Участники: кого-то из отмеченных уже нет в школе. Найдите людей заново.";
    }
    if (slug === "forbidden") { return "Создавать чаты могут только учителя школы (и только для своих уроков)."; }
    return explain(problem);
  }

  // A teacher's «Новый чат» in the chat pane: a subject chat from a scheduled class, or hand-picked people
  // found by name or class. `done(chat)` opens the chat made.
  function newChatView(pane, choices, done) {
    while (pane.firstChild) { pane.removeChild(pane.firstChild); }
    var error = el("p", { "class": "error", role: "alert", id: "journal-new-chat-error" });
    function refused(p) { error.textContent = newChatProblem(p); }
    var subject = el("section", { "class": "new-chat", "aria-labelledby": "journal-subject-heading" },
      el("h3", { id: "journal-subject-heading", text: "Чат предмета" }),
      el("p", { "class": "muted", text: "Из класса по расписанию: участники — его ученики, состав обновляется из журнала." }));
    if (!choices.classes.length) {
      subject.appendChild(el("p", { "class": "muted", text: "Вы не ведёте уроков по расписанию в этой школе." }));
    }
    choices.classes.forEach(function (c) {
      subject.appendChild(el("button", { type: "button", "class": "primary subject-class", text: "Создать чат «" + c.title + "»",
        onclick: function () { api("POST", "/v1/chats", { kind: "subject", class_id: c.class_id }).then(done, refused); } }));
    });
    var picked = {};
    var title = el("input", { type: "text", id: "journal-custom-title", maxlength: "200" });
    var search = el("input", { type: "search", id: "journal-people-search", maxlength: "100",
      "aria-describedby": "journal-people-hint" });
    var people = el("div", { "class": "people", id: "journal-people", role: "group", "aria-label": "Участники" },
      el("p", { "class": "muted", text: "Найдите людей и отметьте, кого добавить." }));
    function drawPeople(found) {
      while (people.firstChild) { people.removeChild(people.firstChild); }
      var shown = Object.keys(picked).map(function (id) { return picked[id]; });
      found.forEach(function (person) { if (!picked[person.person_id]) { shown.push(person); } });
      if (!shown.length) { people.appendChild(el("p", { "class": "muted", text: "Никого не нашли." })); }
      shown.forEach(function (person) {
        var box = el("input", { type: "checkbox", value: person.person_id });
        box.checked = !!picked[person.person_id];
        box.addEventListener("change", function () {
          if (box.checked) { picked[person.person_id] = person; } else { delete picked[person.person_id]; }
        });
        people.appendChild(el("label", { "class": "check person" }, box,
          el("span", {}, el("span", { "class": "name", text: person.name }), " ",
            el("span", { "class": "muted", text: person.about }))));
      });
    }
    function find() {
      api("GET", "/v1/chat-choices?limit=30&q=" + encodeURIComponent(search.value)).then(function (c) {
        drawPeople(c.people);
      }, refused);
    }
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); find(); }
    });
    var requestId = clientId();
    var custom = el("form", { "class": "new-chat", id: "journal-custom-chat", "aria-labelledby": "journal-custom-heading",
      onsubmit: function (event) {
        event.preventDefault();
        api("POST", "/v1/chats", { kind: "custom", title: title.value, member_ids: Object.keys(picked),
          client_request_id: requestId }).then(done, refused);
      } },
      el("h3", { id: "journal-custom-heading", text: "Свой чат" }),
      field("Название чата", title),
      el("label", { "class": "field", "for": "journal-people-search" }, el("span", { text: "Найти людей школы" })),
      el("p", { "class": "muted", id: "journal-people-hint", text: "Фамилия, имя или класс, например «5А»" }),
      el("div", { "class": "search-row" }, search,
        el("button", { type: "button", id: "journal-people-find", text: "Найти", onclick: find })),
      people,
      el("button", { type: "submit", "class": "primary", id: "journal-create-custom", text: "Создать чат" }));
    pane.appendChild(el("header", { "class": "chat-pane-head" }, el("h2", { id: "chat-title", text: "Новый чат" })));
    pane.appendChild(error);
    pane.appendChild(subject);
    pane.appendChild(custom);
    title.focus();
  }

  // `unreadAtOpen`: how many were unread when the member opened it (a «Новые сообщения» divider
  // stands before the oldest of them).
  function chatView(chat, pane, refreshList, unreadAtOpen) {
    var view = { chat: chat, messages: [], before: null, sending: false, marks: {}, divider: null,
      members: [], replyTo: null, attached: [], uploading: 0, links: {},
      closed: chat.posting_notice !== undefined ? chat.posting_notice : closedText(chat.id) };
    var title = el("h2", { id: "chat-title", text: chat.title });
    var meta = el("p", { "class": "muted", id: "chat-meta" });
    var olderBox = el("div", { "class": "older" });
    var log = el("div", { "class": "messages", id: "chat-messages", role: "log", "aria-live": "polite",
      "aria-label": "Сообщения", tabindex: "0" });
    var bottom = el("div", { "class": "bottom" });
    var manageBox = el("div", { "class": "manage-box" });
    var openBox = el("div", { "class": "open-box" });
    var membersList = el("ul", { "class": "members", id: "journal-members", hidden: "hidden" });
    var membersButton = el("button", { type: "button", "class": "link", id: "journal-members-button",
      "aria-expanded": "false", "aria-controls": "journal-members", text: "Участники",
      onclick: function () {
        var open = membersList.hasAttribute("hidden");
        if (open) { membersList.removeAttribute("hidden"); } else { membersList.setAttribute("hidden", "hidden"); }
        membersButton.setAttribute("aria-expanded", open ? "true" : "false");
      } });
    while (pane.firstChild) { pane.removeChild(pane.firstChild); }
    pane.appendChild(el("header", { "class": "chat-pane-head" }, title, meta, membersButton));
    pane.appendChild(membersList);
    pane.appendChild(openBox);
    pane.appendChild(manageBox);
    pane.appendChild(olderBox);
    pane.appendChild(log);
    pane.appendChild(bottom);

    function path(suffix) { return "/v1/chats/" + encodeURIComponent(view.chat.id) + suffix; }

    function merge(items) {
      var byId = {};
      view.messages.forEach(function (m) { byId[m.id] = m; });
      items.forEach(function (m) { byId[m.id] = m; });
      view.messages = Object.keys(byId).map(function (id) { return byId[id]; }).sort(function (a, b) {
        return a.sent_at < b.sent_at ? -1 : a.sent_at > b.sent_at ? 1 : (a.id < b.id ? -1 : 1);
      });
    }

    function drawHead() {
      title.textContent = view.chat.title;
      meta.textContent = (KINDS[view.chat.kind] || view.chat.kind) + " · участников: " + view.chat.member_count +
        (view.chat.archived ? " · в архиве" : view.chat.read_only ? " · только чтение" : "");
    }

    function isModerator() { return view.chat.my_role === "moderator" && !view.chat.archived; }

    function manageProblem(problem) {
      var slug = problem && problem.type ? problem.type.replace(PROBLEM, "") : "";
      if (slug === "validation") { return "Не сохранено: название не может быть пустым или длиннее 200 символов."; }
      if (slug === "forbidden") { return "Это может сделать только модератор чата."; }
      if (slug === "read-only") { return "Не сохранено: чат в архиве, его больше нельзя менять."; }
      if (slug === "not-found") { return "Не найдено: возможно, его уже удалили."; }
      return explain(problem);
    }

    // A moderator's controls, as on the phone: rename, announcements mode, archive (subject/custom).
    function drawManage() {
      while (manageBox.firstChild) { manageBox.removeChild(manageBox.firstChild); }
      var error = el("p", { "class": "error", role: "alert", id: "journal-manage-error" });
      manageBox.appendChild(error);
      if (!isModerator()) { return; }
      var name = el("input", { type: "text", id: "journal-chat-title", maxlength: "200", value: view.chat.title });
      var announcements = el("input", { type: "checkbox", id: "journal-announcements" });
      announcements.checked = view.chat.read_only;
      var form = el("form", { "class": "manage-form", id: "journal-chat-settings", onsubmit: function (event) {
        event.preventDefault();
        api("PATCH", path(""), { title: name.value, read_only: announcements.checked }).then(function (chat) {
          view.update(chat);
          refreshList();
        }, function (p) { error.textContent = manageProblem(p); });
      } },
        field("Название", name),
        el("label", { "class": "check" }, announcements, " Режим объявлений: пишут только модераторы"),
        el("button", { type: "submit", "class": "primary", text: "Сохранить" }));
      var details = el("details", { "class": "manage", id: "journal-manage" },
        el("summary", { text: "Управление чатом" }), form);
      if (view.chat.kind === "subject" || view.chat.kind === "custom") {
        details.appendChild(el("button", { type: "button", "class": "danger", id: "journal-archive",
          text: "Архивировать чат", onclick: function () {
            api("DELETE", path("")).then(function (chat) { view.update(chat); refreshList(); },
              function (p) { error.textContent = manageProblem(p); });
          } }));
      }
      manageBox.insertBefore(details, error);
    }

    function deleteMessage(m) {
      api("DELETE", path("/messages/" + encodeURIComponent(m.id))).then(function (gone) {
        merge([gone]);
        drawMessages(true);
        refreshList();
      }, function (p) {
        var error = document.getElementById("journal-manage-error");
        if (error) { error.textContent = manageProblem(p); }
      });
    }

    function drawOlder() {
      while (olderBox.firstChild) { olderBox.removeChild(olderBox.firstChild); }
      if (!view.before) { return; }
      olderBox.appendChild(el("button", { type: "button", "class": "link", id: "journal-older",
        text: "Загрузить более ранние", onclick: function () { load(view.before, true); } }));
    }

    function drawMessages(keepFromBottom) {
      var fromBottom = log.scrollHeight - log.scrollTop;
      var atBottom = fromBottom - log.clientHeight < 40;
      // A control of a message that holds keyboard focus (a quote, «Ответить») is redrawn: focus goes
      // back to its new self rather than to the page (a new message must not take it away).
      var active = document.activeElement;
      var holder = active && active !== log && log.contains(active) ? active.closest(".message") : null;
      var kept = holder && active.className ? { id: holder.id, classes: active.className.split(" ") } : null;
      while (log.firstChild) { log.removeChild(log.firstChild); }
      if (!view.messages.length) { log.appendChild(el("p", { "class": "muted", text: "Сообщений пока нет." })); }
      view.messages.forEach(function (m) {
        if (m.id === view.divider) {
          log.appendChild(el("p", { "class": "divider", id: "new-messages", role: "separator", text: "Новые сообщения" }));
        }
        log.appendChild(el("div", { "class": m.id === view.highlight ? "message highlight" : "message",
          id: "m-" + m.id, "data-message-id": m.id },
          el("span", { "class": "author", text: m.author_name },
            view.marks[m.author_id] ? el("span", { "class": "role-mark", text: " · " + view.marks[m.author_id] }) : null),
          quoteOf(m),
          m.deleted ? el("span", { "class": "text", text: "Сообщение удалено" }) : linkedText(m.text),
          m.deleted ? null : attachmentsOf(m),
          el("time", { datetime: m.sent_at, text: window.SchoolChatsWhen.timeText(new Date(m.sent_at)) }),
          !m.deleted && canPost(view.chat)
            ? el("button", { type: "button", "class": "link reply", text: "Ответить",
              "aria-label": "Ответить на сообщение: " + m.author_name + ", " +
                window.SchoolChatsWhen.timeText(new Date(m.sent_at)),
              onclick: function () { view.replyTo = m; drawReply(); if (view.text) { view.text.focus(); } } })
            : null,
          !m.deleted && !view.chat.archived && (isModerator() || m.author_id === state.personId)
            ? el("button", { type: "button", "class": "link delete", text: "Удалить",
              "aria-label": "Удалить сообщение: " + m.author_name + ", " +
                window.SchoolChatsWhen.timeText(new Date(m.sent_at)),
              onclick: function () { deleteMessage(m); } })
            : null));
      });
      window.SchoolChatsWhen.label(log, ".message", "day", function (text) {
        return el("p", { text: text });
      });
      if (kept) {
        var again = document.getElementById(kept.id);
        again = again && (again.querySelector("." + kept.classes.join(".")) || again.querySelector("." + kept.classes[0]));
        if (again) { again.focus({ preventScroll: true }); }
      }
      // Stay where the reader is: at the newest, or on the same message after older ones came in.
      if (keepFromBottom || !atBottom) { log.scrollTop = log.scrollHeight - fromBottom; }
      else { log.scrollTop = log.scrollHeight; }
    }

    function excerpt(text) { return text.length > 80 ? text.slice(0, 79) + "…" : text; }

    // The message a reply answers, above its text: a link that jumps to it (when it is loaded).
    function quoteOf(m) {
      if (!m.reply_to) { return null; }
      var quoted = view.messages.filter(function (q) { return q.id === m.reply_to; })[0];
      if (!quoted) {
        // Not loaded: the page that starts at it (`?start_at=`), then it is shown, as on the phone.
        return el("a", { href: "#m-" + m.reply_to, "class": "quote quote-further",
          text: "Ответ на более раннее сообщение", onclick: function (event) {
            event.preventDefault();
            loadFrom(m.reply_to);
          } });
      }
      return el("a", { href: "#m-" + quoted.id, "class": "quote", onclick: function (event) {
        event.preventDefault();
        jumpTo(quoted.id);
      } },
        el("span", { "class": "quote-author", text: quoted.author_name }),
        el("span", { "class": "quote-text", text: quoted.deleted ? "Сообщение удалено" : excerpt(quoted.text) }));
    }

    // A quoted message further back than the pages loaded: the page that starts at it (`?start_at=`),
    // then the older pages between it and those loaded (a few at most; «Загрузить более ранние» goes
    // on from there), so nothing is silently missing in between; it is then scrolled to and
    // highlighted. Keyboard focus stays where it was, as on the phone.
    function loadFrom(id) {
      api("GET", path("/messages?limit=30&start_at=" + encodeURIComponent(id))).then(function (page) {
        var reached = {};
        page.items.forEach(function (m) { reached[m.id] = true; });
        merge(page.items);
        return fillGap(reached, 5);
      }).then(function () {
        drawOlder();
        drawMessages(true);  // the quote that was tapped keeps keyboard focus through the redraw
        var target = document.getElementById("m-" + id);
        if (!target) { return; }
        target.scrollIntoView({ block: "center" });
        // Kept through redraws (new messages, marks) for a few seconds.
        view.highlight = id;
        target.classList.add("highlight");
        setTimeout(function () {
          if (view.highlight !== id) { return; }
          view.highlight = null;
          var shown = document.getElementById("m-" + id);
          if (shown) { shown.classList.remove("highlight"); }
        }, 4000);
      }, function (p) {
        var box = document.getElementById("journal-send-error");
        if (box) { showError(box, p); }
      });
    }

    // Older pages from where the reader's pages end, until one meets a message in `reached`.
    function fillGap(reached, pagesLeft) {
      if (!view.before || pagesLeft === 0) { return Promise.resolve(); }
      return api("GET", path("/messages?limit=100&cursor=" + encodeURIComponent(view.before))).then(function (page) {
        merge(page.items);
        view.before = page.next_cursor;
        if (page.items.some(function (m) { return reached[m.id]; })) { return null; }
        return fillGap(reached, pagesLeft - 1);
      });
    }

    function jumpTo(id) {
      var target = document.getElementById("m-" + id);
      if (!target) { return; }
      target.setAttribute("tabindex", "-1");
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
      target.classList.add("highlight");
      setTimeout(function () { target.classList.remove("highlight"); }, 2000);
    }

    // --- attachments (SPEC §10): links that last minutes, asked for when shown ----------

    // An attachment's links ({url, preview_url, expires_at}), kept while they have a minute left.
    function fileLinks(id, fresh) {
      var known = view.links[id];
      if (known && !fresh && known.until - Date.now() > 60000) { return known.links; }
      var links = api("GET", path("/attachments/" + encodeURIComponent(id)));
      view.links[id] = { links: links, until: Date.now() + 120000 };
      links.then(function (got) {
        if (view.links[id]) { view.links[id].until = Date.parse(got.expires_at); view.links[id].got = got; }
      }, function () { delete view.links[id]; });
      return links;
    }

    // The links already at hand (a redrawn message shows its files at once), or null.
    function knownLinks(id) {
      var known = view.links[id];
      return known && known.got && known.until - Date.now() > 60000 ? known.got : null;
    }

    // A document opens in a new tab through a fresh link (the one shown may have run out).
    function openFile(event, id) {
      var known = view.links[id];
      if (known && known.until - Date.now() > 60000 && event.currentTarget.href.indexOf("#") < 0) { return; }
      event.preventDefault();
      var tab = window.open("about:blank", "_blank");
      fileLinks(id, true).then(function (links) {
        if (tab) { tab.opener = null; tab.location.href = links.url; } else { window.location.href = links.url; }
      }, function () { if (tab) { tab.close(); } });
    }

    // A message's photos (previews, each a link to the photo) and documents (links with their size).
    function attachmentsOf(m) {
      if (!m.attachments || !m.attachments.length) { return null; }
      var list = el("ul", { "class": "attachments" });
      // Photos side by side first, then each document on its own line.
      var photos = m.attachments.filter(function (a) { return a.has_preview; });
      var documents = m.attachments.filter(function (a) { return !a.has_preview; });
      photos.concat(documents).forEach(function (a) {
        var ready = knownLinks(a.id);
        var link = el("a", { href: ready ? ready.url : "#", target: "_blank", rel: "noopener noreferrer",
          onclick: function (event) { openFile(event, a.id); } });
        if (a.has_preview) {
          var image = el("img", { alt: a.name, height: "160" });
          if (ready && ready.preview_url) { image.src = ready.preview_url; }
          link.appendChild(image);
          list.appendChild(el("li", { "class": "attachment image" }, link));
          fileLinks(a.id).then(function (links) {
            link.href = links.url;
            if (links.preview_url) { image.src = links.preview_url; }
          }, function () { image.alt = a.name + " (не загрузилось)"; });
        } else {
          link.appendChild(fileBadge(a.name));
          link.appendChild(document.createTextNode(a.name));
          list.appendChild(el("li", { "class": "attachment file" }, link, " ",
            el("span", { "class": "size", text: sizeText(a.size) })));
          fileLinks(a.id).then(function (links) { link.href = links.url; }, function () {});
        }
      });
      return list;
    }

    // The send box's «Прикрепить»: the phone's upload flow (SchoolChatsAttach, /m/static/attach.js).
    function attachBox(status) {
      var picker = el("input", { type: "file", id: "journal-attach-file", multiple: "multiple",
        accept: document.body.getAttribute("data-accept") || "" });
      var list = el("ul", { "class": "attachments pending", id: "journal-attached" });
      function say(text, refused) {
        status.textContent = text;
        status.classList.toggle("refused", !!refused);
      }
      function post(suffix, body) { return api("POST", path("/attachments" + suffix), body); }
      function drawAttached() {
        while (list.firstChild) { list.removeChild(list.firstChild); }
        view.attached.forEach(function (a) {
          var item = el("li", { "class": "attachment " + (a.has_preview ? "image" : "file"), "data-id": a.id });
          if (a.has_preview) {
            var image = el("img", { alt: a.name, height: "72" });
            item.appendChild(image);
            fileLinks(a.id).then(function (links) { image.src = links.preview_url; }, function () {});
          } else {
            item.appendChild(el("span", {}, fileBadge(a.name), a.name));
          }
          item.appendChild(el("button", { type: "button", "class": "link remove", text: "Убрать",
            "aria-label": "Убрать файл «" + a.name + "»", onclick: function () {
              view.attached = view.attached.filter(function (b) { return b.id !== a.id; });
              drawAttached();
              say("Файл «" + a.name + "» убран.");
            } }));
          list.appendChild(item);
        });
      }
      view.drawAttached = drawAttached;
      picker.addEventListener("change", function () {
        var files = Array.prototype.slice.call(picker.files);
        picker.value = "";
        view.uploading += 1;
        window.SchoolChatsAttach.uploadAll(files, post, say, function (checked) {
          view.attached.push(checked);
          view.drawAttached();  // the send box may have been redrawn while the file went up
        }).then(function () { view.uploading -= 1; });
      });
      drawAttached();
      return el("div", { "class": "attach", id: "journal-attach" }, picker,
        el("label", { "for": "journal-attach-file", "class": "attach-button", text: "Прикрепить фото или файл" }),
        list);
    }

    // --- teacher first (SPEC §10): the class teacher's «Открыть чат» ------------------

    function drawOpen() {
      while (openBox.firstChild) { openBox.removeChild(openBox.firstChild); }
      if (!view.chat.awaiting_open) { return; }
      var error = el("p", { "class": "error", role: "alert", id: "journal-open-error" });
      openBox.appendChild(el("div", { "class": "open-chat", id: "journal-open" },
        el("p", { text: "Ученики и родители пока не видят этот чат. Откройте его, когда он будет готов." }),
        el("button", { type: "button", "class": "primary", id: "journal-open-chat", text: "Открыть чат",
          onclick: function (event) {
            event.currentTarget.disabled = true;
            api("POST", path("/open"), {}).then(function (fresh) {
              view.update(fresh);
              refreshList();
            }, function (p) {
              error.textContent = manageProblem(p);
              drawOpenButtonAgain();
            });
          } }),
        error));
      function drawOpenButtonAgain() {
        var button = document.getElementById("journal-open-chat");
        if (button) { button.disabled = false; }
      }
    }

    // «Ответ на …» above the send box, with «Отменить».
    function drawReply() {
      var box = view.replyBox;
      if (!box) { return; }
      while (box.firstChild) { box.removeChild(box.firstChild); }
      if (!view.replyTo) { box.setAttribute("hidden", "hidden"); return; }
      box.removeAttribute("hidden");
      box.appendChild(el("span", { "class": "quote" },
        el("span", { "class": "quote-author", text: "Ответ: " + view.replyTo.author_name }),
        el("span", { "class": "quote-text", text: excerpt(view.replyTo.text) })));
      box.appendChild(el("button", { type: "button", "class": "link", id: "journal-cancel-reply", text: "Отменить ответ",
        onclick: function () { view.replyTo = null; drawReply(); } }));
    }

    function drawComposer() {
      while (bottom.firstChild) { bottom.removeChild(bottom.firstChild); }
      if (!canPost(view.chat)) {
        bottom.appendChild(el("p", { "class": "read-only", id: "journal-read-only",
          text: view.chat.archived ? "Чат в архиве: новые сообщения в него не пишут."
            : "В этом чате пишут только модераторы (режим объявлений)." }));
        return;
      }
      var text = el("textarea", { id: "journal-text", name: "text", rows: "3", maxlength: "4000" });
      view.text = text;
      view.replyBox = el("div", { "class": "reply-to", id: "journal-reply-to", hidden: "hidden" });
      var error = errorBox();
      error.id = "journal-send-error";
      // Quiet hours (SPEC §10): when the chat opens for messages, said beside the send box.
      // The chat says it before any try (`posting_notice`); a refusal says it too.
      var closed = el("p", { "class": "read-only", id: "journal-quiet-hours", role: "status" });
      view.closedBox = closed;
      if (view.closed) { closed.textContent = view.closed; } else { closed.setAttribute("hidden", "hidden"); }
      var status = el("p", { "class": "attach-status", id: "journal-attach-status", role: "status",
        "aria-live": "polite" });
      var send = el("button", { type: "submit", "class": "primary", text: "Отправить" });
      var form = el("form", { "class": "composer", id: "journal-composer", onsubmit: function (event) {
        event.preventDefault();
        if (view.sending) { return; }
        if (view.uploading > 0) { status.textContent = "Подождите: файл ещё загружается."; return; }
        // A message is its text, its files, or both (SPEC §10).
        if (!text.value.trim() && !view.attached.length) { error.textContent = "Напишите сообщение."; return; }
        view.sending = true;
        send.disabled = true;
        var body = { text: text.value, client_msg_id: form.dataset.clientId };
        if (view.replyTo) { body.reply_to = view.replyTo.id; }
        if (view.attached.length) { body.attachments = view.attached.map(function (a) { return a.id; }); }
        api("POST", path("/messages"), body).then(function (m) {
          text.value = "";
          error.textContent = "";
          status.textContent = "";
          view.closed = null;
          delete state.closed[view.chat.id];
          closed.setAttribute("hidden", "hidden");
          view.replyTo = null;
          view.attached = [];
          view.drawAttached();
          drawReply();
          form.dataset.clientId = clientId();
          merge([m]);
          drawMessages(false);
          log.scrollTop = log.scrollHeight;
          refreshList();
        }, function (p) {
          if (p && p.type === PROBLEM + "quiet-hours") {
            // The draft stays in the box; the chat says when it opens («Чат открыт для сообщений с 8:00»).
            view.closed = p.detail;
            state.closed[view.chat.id] = { text: p.detail, until: Date.parse(p.opens_at) || 0 };
            closed.textContent = p.detail;
            closed.removeAttribute("hidden");
            error.textContent = "Сообщение не отправлено: сейчас в этом чате пишут только модераторы.";
            return;
          }
          if (body.attachments && p && p.type) {
            // A file that is gone or not checked yet: said as the attach box says it, in Russian.
            var slug = p.type.replace(PROBLEM, "");
            if (slug === "conflict") {
              error.textContent = "Сообщение не отправлено: файл уже отправлен в другом сообщении. Уберите его.";
              return;
            }
            if (slug === "not-found" || slug.indexOf("attachment-") === 0) {
              error.textContent = "Сообщение не отправлено. " + window.SchoolChatsAttach.refusal(p);
              return;
            }
          }
          showError(error, p);
        }).then(function () {
          view.sending = false;
          send.disabled = false;
        });
      } },
        view.replyBox,
        closed,
        el("label", { "for": "journal-text", text: "Сообщение" }),
        text, send, attachBox(status), status, error);
      form.dataset.clientId = clientId();
      text.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { form.requestSubmit(); }
      });
      bottom.appendChild(form);
    }

    function load(cursor, older) {
      var query = "/messages?limit=30" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
      return api("GET", path(query)).then(function (page) {
        if (view.divider === null && !cursor) {
          // Where the member stopped: before the oldest of the messages unread when the chat opened.
          var others = page.items.filter(function (m) { return !m.deleted && m.author_id !== state.personId; });
          var first = others[(unreadAtOpen || 0) - 1];
          view.divider = first ? first.id : "";
        }
        if (!cursor && page.items.length && view.chat.unread_count !== 0) {
          api("POST", path("/read"), { up_to: page.items[0].id });
        }
        merge(page.items);
        if (older || view.before === null && !view.loaded) { view.before = page.next_cursor; }
        view.loaded = true;
        drawOlder();
        drawMessages(older);
      });
    }

    drawHead();
    drawManage();
    drawComposer();
    load(null, false);
    loadMarks();
    // Only the chat itself says whether it waits for its class teacher (teacher first).
    api("GET", path("")).then(function (fresh) {
      if (fresh.id !== view.chat.id) { return; }
      if (fresh.awaiting_open) { view.chat.awaiting_open = true; drawOpen(); }
      showPostingNotice(fresh);
    }, function () {});

    // Quiet hours as the chat says them now (SPEC §10): «Чат открыт для сообщений с 8:00», or nothing.
    function showPostingNotice(fresh) {
      if (fresh.posting_notice === undefined) { return; }
      view.chat.posting_notice = fresh.posting_notice;
      view.chat.posting_opens_at = fresh.posting_opens_at;
      view.closed = fresh.posting_notice;  // the server's word now, over an earlier refusal
      if (!view.closed) { delete state.closed[view.chat.id]; }
      var wait = fresh.posting_opens_at ? Date.parse(fresh.posting_opens_at) - Date.now() : 0;
      if (wait > 0 && wait < 86400000 * 7 && view.closedTimer === undefined) {
        // When posting opens, the chat is asked again and the notice goes.
        view.closedTimer = setTimeout(function () {
          view.closedTimer = undefined;
          api("GET", path("")).then(showPostingNotice, function () {});
        }, wait + 1000);
        state.timers.push(view.closedTimer);
      }
      var box = view.closedBox;
      if (!box) { return; }
      if (view.closed) { box.textContent = view.closed; box.removeAttribute("hidden"); }
      else { box.textContent = ""; box.setAttribute("hidden", "hidden"); }
    }

    // Who is in the chat, as the school knows them («мама Козлова Артёма, 5А»), as on the phone.
    function drawMembers() {
      while (membersList.firstChild) { membersList.removeChild(membersList.firstChild); }
      membersButton.textContent = "Участники (" + view.members.length + ")";
      view.members.forEach(function (member) {
        var role = member.about || view.marks[member.person_id] || "ученик";
        membersList.appendChild(el("li", { "class": "member" },
          el("span", { "class": "name", text: member.full_name || member.name }), " ",
          el("span", { "class": "role", text: role + (member.chat_role === "moderator" ? ", модератор" : "") })));
      });
    }

    // The mark beside an adult's name, as on the phone (chalicelib/web/pages.py role_mark).
    function loadMarks() {
      api("GET", path("/members?limit=500")).then(function (page) {
        var classTeacherKinds = { "class": true, parents: true };
        var marks = { teacher: "учитель", parent: "родитель", admin: "администрация" };
        page.items.forEach(function (member) {
          view.marks[member.person_id] = member.role === "teacher" && member.chat_role === "moderator" &&
            classTeacherKinds[view.chat.kind] ? "классный руководитель" : (marks[member.role] || "");
        });
        view.members = page.items;
        drawMembers();
        drawMessages(true);
      });
    }

    view.update = function (fresh) {
      if (fresh.awaiting_open === undefined) { fresh.awaiting_open = !!view.chat.awaiting_open; }
      var openChanged = fresh.awaiting_open !== !!view.chat.awaiting_open;
      var postingChanged = canPost(fresh) !== canPost(view.chat);
      var manageChanged = fresh.my_role !== view.chat.my_role || fresh.archived !== view.chat.archived ||
        fresh.title !== view.chat.title || fresh.read_only !== view.chat.read_only;
      view.chat = fresh;
      drawHead();
      if (manageChanged) { drawManage(); }
      if (postingChanged) { drawComposer(); }
      showPostingNotice(fresh);
      if (openChanged) { drawOpen(); }
      load(null, false);
    };
    return view;
  }

  function showQr(box, refreshes) {
    api("POST", "/v1/qr-links", {}).then(function (link) {
      while (box.firstChild) { box.removeChild(box.firstChild); }
      var image = el("img", {
        id: "qr-image", alt: "QR-код для входа с телефона", width: "232", height: "232",
        src: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(link.svg)
      });
      var countdown = el("span", { "class": "muted", id: "qr-countdown" });
      box.appendChild(image);
      box.appendChild(el("p", { text: "Войти с телефона: наведите камеру телефона на QR-код." }));
      box.appendChild(countdown);
      var renewAt = Date.now() + Math.max(5, link.expires_in_s - 15) * 1000;
      var id = setInterval(function () {
        var left = Math.ceil((renewAt - Date.now()) / 1000);
        countdown.textContent = "Код обновится через " + mmss(left);
        if (left <= 0) {
          clearInterval(id);
          if (refreshes + 1 < QR_REFRESHES) { showQr(box, refreshes + 1); } else { qrPaused(box); }
        }
      }, 1000);
      state.timers.push(id);
    }, function (problem) {
      while (box.firstChild) { box.removeChild(box.firstChild); }
      box.appendChild(el("p", { "class": "error", text: explain(problem) }));
      var wait = (problem && problem.retry_after_s) || 30;
      state.timers.push(setTimeout(function () { showQr(box, refreshes + 1); }, wait * 1000));
    });
  }

  function qrPaused(box) {
    while (box.firstChild) { box.removeChild(box.firstChild); }
    box.appendChild(el("button", { type: "button", id: "qr-again", text: "Показать QR-код снова",
      onclick: function () { showQr(box, 0); } }));
  }

  function openMessenger(error) {
    // Opened before the request so that the browser treats it as the click's window, not a pop-up.
    var tab = window.open("about:blank", "_blank");
    api("POST", "/v1/qr-links", {}).then(function (link) {
      if (tab) { tab.opener = null; tab.location.href = link.url; } else { window.location.href = link.url; }
    }, function (p) { if (tab) { tab.close(); } showError(error, p); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("sign-in-button").addEventListener("click", signIn);
    document.getElementById("chats-button").addEventListener("click", openChats);
  });
})();
