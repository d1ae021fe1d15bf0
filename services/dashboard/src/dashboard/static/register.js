// 企业报名: the form checks itself as the company types, with the same GB 32100 rule as the server
// (ztc_shared.contracts.identifiers), and shows what is wrong in the page's language.
(function () {
  "use strict";
  var CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  var SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;
  var form = document.getElementById("registration");
  if (!form) { return; }
  var zh = form.dataset.lang !== "en";

  function creditCodeProblem(code) {
    if (code.length !== 18) {
      return zh ? "统一社会信用代码应为18位，当前为" + code.length + "位"
                : "A unified social credit code has 18 characters, not " + code.length;
    }
    if (!SHAPE.test(code)) {
      return zh ? "统一社会信用代码只能包含数字和大写字母（不含I、O、S、V、Z），第3–8位为行政区划代码"
                : "Only digits and capitals without I, O, S, V, Z; characters 3-8 are the region code";
    }
    var total = 0, weight = 1;
    for (var i = 0; i < 17; i++) {
      total += CHARSET.indexOf(code.charAt(i)) * weight;
      weight = (weight * 3) % 31;
    }
    var expected = CHARSET.charAt((31 - (total % 31)) % 31);
    if (code.charAt(17) !== expected) {
      return zh ? "统一社会信用代码校验位不正确，请核对后重新填写"
                : "The check character of the unified social credit code is wrong";
    }
    return null;
  }

  function show(input, message, ok) {
    var error = document.getElementById(input.id + "-error");
    input.setAttribute("aria-invalid", message ? "true" : "false");
    error.textContent = message || ok || "";
    error.className = message ? "error" : "ok";
  }

  var code = document.getElementById("company_id");
  var name = document.getElementById("name");
  var contact = document.getElementById("contact_name");

  function checkCode() {
    code.value = code.value.toUpperCase().replace(/\s+/g, "");
    var problem = code.value ? creditCodeProblem(code.value) : null;
    show(code, problem, code.value && !problem ? form.dataset.msgCodeOk : "");
    return !problem && code.value.length > 0;
  }
  function checkName() {
    var bad = name.value.trim().length < 2;
    show(name, bad && name.value ? form.dataset.msgName : null);
    return !bad;
  }
  function checkContact() {
    var bad = contact.value.trim().length < 1;
    show(contact, null);
    return !bad;
  }
  code.addEventListener("input", checkCode);
  name.addEventListener("input", checkName);
  contact.addEventListener("input", checkContact);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var status = document.getElementById("form-status");
    var valid = checkCode();
    if (!code.value) { show(code, creditCodeProblem("")); }
    if (!checkName()) { show(name, form.dataset.msgName); valid = false; }
    if (!checkContact()) { show(contact, form.dataset.msgContact); valid = false; }
    if (!valid) {
      var first = form.querySelector("[aria-invalid=true]");
      if (first) { first.focus(); }
      return;
    }
    var body = {
      company_id: code.value, name: name.value.trim(),
      kind: document.getElementById("kind").value, contact_name: contact.value.trim(),
      contact_phone: document.getElementById("contact_phone").value.trim(),
      interests: document.getElementById("interests").value.trim()
    };
    status.textContent = "…";
    fetch("/public/roadshows/" + encodeURIComponent(form.dataset.roadshow) + "/registrations", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept-Language": zh ? "zh-CN" : "en"},
      body: JSON.stringify(body)
    }).then(function (reply) {
      return reply.json().then(function (data) { return {status: reply.status, data: data}; });
    }).then(function (result) {
      if (result.status === 201) {
        status.className = "status ok";
        status.textContent = form.dataset.msgDone;
      } else if (result.status === 401) {
        status.className = "status error";
        status.textContent = form.dataset.msgSignin;
      } else {
        status.className = "status error";
        status.textContent = (zh ? result.data.message_zh : result.data.message_en) || result.data.message || String(result.status);
      }
    }).catch(function () {
      status.className = "status error";
      status.textContent = zh ? "网络错误，请稍后重试" : "Network error; please try again";
    });
  });
}());
