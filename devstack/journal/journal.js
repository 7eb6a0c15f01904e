// The demo journal's "Chats" section: the linking flow (SPEC §3), the chats, "Open messenger" and the QR code.
// Talks to the real /v1 API with the journal token the page minted. Text goes in with textContent only.
"use strict";

(function () {
  var state = { token: null, name: null, personId: null, timers: [], live: null };
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
        return "Проверьте поля: " + (problem.errors || []).map(function (e) {
          return e.field + " — " + e.message;
        }).join("; ");
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
        api("POST", "/v1/link/sessions", { phone: phone.value }).then(route, function (p) { showError(error, p); });
      } },
        field("Номер телефона аккаунта мессенджера", phone),
        error,
        el("button", { type: "submit", "class": "primary", text: "Продолжить" }))));
  }

  function route(session) {
    switch (session.step) {
      case "password": return passwordScreen(session);
      case "register": return registerScreen(session);
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
      session.phone_verified ? null : el("button", {
        type: "button", "class": "link", id: "register", text: "Нет аккаунта? Создать",
        onclick: function () { step(session, "register").then(route, function (p) { showError(error, p); }); }
      })));
  }

  function registerScreen(session) {
    var password = el("input", { type: "password", id: "new-password", autocomplete: "new-password" });
    var error = errorBox();
    show(el("section", { "class": "card", id: "link-register" },
      el("h1", { text: "Придумайте пароль" }),
      el("p", { text: "Новый аккаунт мессенджера для номера " + session.phone_masked +
        ". Пароль — не короче 8 символов; простые пароли не подойдут." }),
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
    var messages = el("section", { "class": "messages", id: "chat-messages" },
      el("p", { "class": "muted", text: "Выберите чат слева." }));
    var qr = el("div", { "class": "qr", id: "qr" });
    var error = errorBox();
    var opened = { id: null };
    // New messages from others are read out by screen readers; nothing moves focus.
    var announcer = el("p", { "class": "visually-hidden", id: "announcer", "aria-live": "polite" });
    var seen = null;
    show(el("section", { "class": "card", id: "chats" },
      el("div", { "class": "chats-head" },
        el("h1", { text: "Чаты" }),
        el("div", { "class": "linked" },
          profileCard(me.link.profile),
          el("span", { "class": "muted", text: me.link.phone_masked }),
          el("button", { type: "button", "class": "link", id: "unlink", text: "Отвязать профиль",
            onclick: function () { api("DELETE", "/v1/link").then(openChats); } }))),
      el("div", { "class": "messenger" },
        el("div", { "class": "open" },
          el("button", { type: "button", "class": "primary", id: "open-messenger", text: "Открыть мессенджер",
            onclick: function () { openMessenger(error); } }),
          el("p", { "class": "muted", text: "Чаты откроются в новой вкладке." })),
        qr),
      error, announcer,
      el("div", { "class": "chats-body" }, list, messages)));
    showQr(qr, 0);

    function refresh() {
      api("GET", "/v1/chats?limit=100").then(function (page) {
        // The list is rebuilt: keep keyboard focus on the chat it was on.
        var focused = document.activeElement && list.contains(document.activeElement)
          ? document.activeElement.getAttribute("data-chat-id") : null;
        while (list.firstChild) { list.removeChild(list.firstChild); }
        var openedChat = null;
        var latest = {};
        page.items.forEach(function (chat) {
          var newest = chat.last_message;
          latest[chat.id] = newest ? newest.id : null;
          if (seen && newest && !newest.deleted && seen[chat.id] !== newest.id && newest.author_id !== state.personId) {
            announcer.textContent = "Новое сообщение в чате «" + chat.title + "» от " + newest.author_name + ": " + newest.text;
          }
        });
        seen = latest;
        page.items.forEach(function (chat) {
          if (chat.id === opened.id) { openedChat = chat; }
          var last = chat.last_message;
          var preview = last ? last.author_name + ": " + (last.deleted ? "сообщение удалено" : last.text) : "Нет сообщений";
          var unread = chat.id === opened.id ? 0 : chat.unread_count;
          list.appendChild(el("li", { "class": "chat" + (chat.id === opened.id ? " open" : "") },
            el("button", { type: "button", "data-chat-id": chat.id, onclick: function () {
              opened.id = chat.id; opened.unreadAtOpen = chat.unread_count; opened.divider = null; refresh();
            } },
              el("span", { "class": "kind", text: KINDS[chat.kind] || chat.kind }),
              chat.read_only ? el("span", { "class": "badge", text: chat.archived ? "в архиве" : "только чтение" }) : null,
              chat.call ? el("span", { "class": "badge call-badge", text: "идёт звонок · " + chat.call.participant_count }) : null,
              unread ? el("span", { "class": "badge unread", "aria-label": "Непрочитанных сообщений: " + unread,
                text: String(unread) }) : null,
              el("span", { "class": "title", text: chat.title }),
              el("span", { "class": "last", text: preview }))));
        });
        if (focused) {
          var again = list.querySelector('button[data-chat-id="' + CSS.escape(focused) + '"]');
          if (again) { again.focus({ preventScroll: true }); }
        }
        if (opened.id) { loadMessages(opened, messages, openedChat, state.personId); }
      }, function (p) { showError(error, p); });
    }
    refresh();
    // Live (SPEC §10): the socket says when one of the chats changed; while it cannot connect,
    // live.js polls every 15 s. Without live.js, the same 15 s poll.
    var live = document.body.getAttribute("data-live");
    if (window.SchoolChatsLive) {
      state.live = window.SchoolChatsLive.start({ url: live, token: state.token,
        onEvent: function () { refresh(); }, catchUp: refresh });
    } else {
      state.timers.push(setInterval(refresh, 15000));
    }
  }

  function loadMessages(opened, box, chat, me) {
    var chatId = opened.id;
    api("GET", "/v1/chats/" + encodeURIComponent(chatId) + "/messages?limit=30").then(function (page) {
      if (opened.divider === null) {
        // Where the member stopped: before the oldest of the messages that were unread when the chat opened.
        var others = page.items.filter(function (m) { return !m.deleted && m.author_id !== me; });
        var first = others[(opened.unreadAtOpen || 0) - 1];
        opened.divider = first ? first.id : "";
      }
      while (box.firstChild) { box.removeChild(box.firstChild); }
      var items = page.items.slice().reverse();
      if (!items.length) { box.appendChild(el("p", { "class": "muted", text: "Сообщений пока нет." })); }
      items.forEach(function (m) {
        if (m.id === opened.divider) {
          box.appendChild(el("p", { "class": "divider", id: "new-messages", role: "separator", text: "Новые сообщения" }));
        }
        box.appendChild(el("div", { "class": "message" },
          el("span", { "class": "author", text: m.author_name }),
          el("span", { "class": "text", text: m.deleted ? "Сообщение удалено" : m.text }),
          el("time", { datetime: m.sent_at, text: new Date(m.sent_at).toLocaleString("ru-RU") })));
      });
      if (page.items.length && (!chat || chat.unread_count)) {
        api("POST", "/v1/chats/" + encodeURIComponent(chatId) + "/read", { up_to: page.items[0].id });
      }
    });
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
